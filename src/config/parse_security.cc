// SPDX-License-Identifier: Apache-2.0
// RequestAuthentication, AuthorizationPolicy, PeerAuthentication: Istio's
// fields and validation rules (istio/api security/v1, pkg/config/security).
#include <algorithm>

#include "base/strings.h"
#include "base/yaml_guard.h"
#include "config/parsers.h"

namespace meshgate::config {
namespace {

std::string idx(std::string_view name, size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

void readTarget(MapReader& spec, PolicyTarget& out) {
  DocContext& ctx = spec.ctx();
  out.selector = readSelector(spec, "selector", "matchLabels");
  if (auto n = spec.get("targetRef")) {
    if (auto ref = readTargetRef(ctx, *n)) out.target_refs.push_back(std::move(*ref));
  }
  spec.list("targetRefs", [&](const YAML::Node& n, size_t) {
    if (auto ref = readTargetRef(ctx, n)) out.target_refs.push_back(std::move(*ref));
  });
  if (spec.has("targetRef") && spec.has("targetRefs")) {
    ctx.error(spec.keyPos("targetRefs"), "only one of targetRef, targetRefs may be set");
  }
  if (out.selector && !out.target_refs.empty()) {
    ctx.error(spec.keyPos("selector"), "only one of selector, targetRef(s) may be set");
  }
  for (const PolicyTargetRef& ref : out.target_refs) {
    const bool listener =
        ref.kind == "Listener" && (ref.group.empty() || ref.group == "meshgate.io");
    const bool gateway = ref.kind == "Gateway" && (ref.group == "networking.istio.io" ||
                                                   ref.group == "gateway.networking.k8s.io");
    if (!listener && !gateway) {
      ctx.error(ref.pos,
                "targetRef: kind " + (ref.group.empty() ? "" : ref.group + "/") + ref.kind +
                    " is not supported (use meshgate.io Listener or networking.istio.io Gateway)");
    }
  }
}

// Istio's pattern rule for principals, namespaces, hosts, paths: "*" alone, or
// one '*' at the start or at the end.
bool validPattern(std::string_view v) {
  if (v == "*") return true;
  const size_t stars = static_cast<size_t>(std::count(v.begin(), v.end(), '*'));
  if (stars == 0) return true;
  if (stars > 1) return false;
  return v.front() == '*' || v.back() == '*';
}

void readPatterns(MapReader& m, const char* key, std::vector<std::string>& out) {
  auto l = m.stringList(key);
  if (!l) return;
  for (const std::string& v : *l) {
    if (v.empty()) {
      m.ctx().error(m.keyPos(key), std::string(key) + ": empty value");
      continue;
    }
    if (!validPattern(v)) {
      m.ctx().error(m.keyPos(key), std::string(key) + ": \"" + v +
                                       "\": '*' is only allowed alone, as a prefix or as a suffix");
      continue;
    }
    out.push_back(v);
  }
}

void readPaths(MapReader& m, const char* key, std::vector<std::string>& out) {
  auto l = m.stringList(key);
  if (!l) return;
  for (const std::string& v : *l) {
    if (v.find('{') != std::string::npos) {
      m.ctx().error(m.keyPos(key), std::string(key) + ": path templates (\"" + v +
                                       "\") are not supported by meshgate yet");
      continue;
    }
    if (!validPattern(v)) {
      m.ctx().error(m.keyPos(key), std::string(key) + ": \"" + v +
                                       "\": '*' is only allowed alone, as a prefix or as a suffix");
      continue;
    }
    if (v != "*" && v.front() != '/' && v.front() != '*') {
      m.ctx().error(m.keyPos(key), std::string(key) + ": \"" + v + "\" must start with '/' or '*'");
      continue;
    }
    out.push_back(v);
  }
}

void readCidrs(MapReader& m, const char* key, std::vector<Cidr>& out) {
  auto l = m.stringList(key);
  if (!l) return;
  for (const std::string& v : *l) {
    bool host_bits = false;
    auto c = Cidr::parse(v, &host_bits);
    if (!c) {
      m.ctx().error(m.keyPos(key), std::string(key) + ": invalid IP address or CIDR \"" + v + "\"");
      continue;
    }
    if (host_bits) {
      m.ctx().warning(m.keyPos(key), std::string(key) + ": \"" + v +
                                         "\" has host bits set; it means " + c->toString());
    }
    out.push_back(*c);
  }
}

void readPorts(MapReader& m, const char* key, std::vector<uint16_t>& out) {
  auto n = m.get(key);
  if (!n) return;
  if (!n->IsSequence()) {
    m.ctx().error(*n, std::string(key) + ": expected a list of ports, got " + describeNode(*n));
    return;
  }
  for (size_t i = 0; i < n->size(); ++i) {
    const YAML::Node& e = (*n)[i];
    // Istio's ports are strings ("8080"); a bare number is accepted too.
    std::optional<uint64_t> port;
    if (e.IsScalar() &&
        (scalarKind(e) == ScalarKind::String || scalarKind(e) == ScalarKind::Integer)) {
      port = base::parseUint64(e.Scalar());
    }
    if (!port || *port < 1 || *port > 65535) {
      m.ctx().error(e, idx(key, i) + ": invalid port \"" + (e.IsScalar() ? e.Scalar() : "") +
                           "\" (expected 1-65535)");
      continue;
    }
    out.push_back(static_cast<uint16_t>(*port));
  }
}

// Parses a `when` key per Istio's attribute list; `args` receives the bracketed parts.
std::optional<Condition::Key> parseConditionKey(std::string_view key,
                                                std::vector<std::string>& args,
                                                std::string* error) {
  struct Plain {
    std::string_view name;
    Condition::Key kind;
  };
  static constexpr Plain kPlain[] = {
      {"source.ip", Condition::Key::SourceIp},
      {"remote.ip", Condition::Key::RemoteIp},
      {"source.namespace", Condition::Key::SourceNamespace},
      {"source.principal", Condition::Key::SourcePrincipal},
      {"request.auth.principal", Condition::Key::RequestAuthPrincipal},
      {"request.auth.audiences", Condition::Key::RequestAuthAudiences},
      {"request.auth.presenter", Condition::Key::RequestAuthPresenter},
      {"destination.ip", Condition::Key::DestinationIp},
      {"destination.port", Condition::Key::DestinationPort},
      {"connection.sni", Condition::Key::ConnectionSni},
  };
  for (const Plain& p : kPlain) {
    if (key == p.name) return p.kind;
  }
  auto bracketed = [&](std::string_view prefix, Condition::Key kind,
                       bool nested) -> std::optional<Condition::Key> {
    std::string_view rest = key.substr(prefix.size());
    while (!rest.empty()) {
      if (rest.front() != '[') break;
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) break;
      std::string_view inner = rest.substr(1, close - 1);
      if (inner.empty()) {
        *error = "empty name in brackets";
        return std::nullopt;
      }
      args.emplace_back(inner);
      rest = rest.substr(close + 1);
      if (!nested) break;
    }
    if (!rest.empty() || args.empty()) {
      *error = "expected " + std::string(prefix) + "[name]" +
               (nested ? " (optionally [name][nested]...)" : "");
      return std::nullopt;
    }
    return kind;
  };
  if (key.rfind("request.headers", 0) == 0) {
    auto k = bracketed("request.headers", Condition::Key::RequestHeader, false);
    if (k && !isHttpToken(args.front())) {
      *error = "invalid header name \"" + args.front() + "\"";
      return std::nullopt;
    }
    if (k) args.front() = base::toLower(args.front());
    return k;
  }
  if (key.rfind("request.auth.claims", 0) == 0) {
    return bracketed("request.auth.claims", Condition::Key::RequestAuthClaims, true);
  }
  if (key.rfind("experimental.envoy.filters.", 0) == 0) {
    *error = "experimental Envoy filter attributes are not supported by meshgate";
    return std::nullopt;
  }
  if (key == "source.serviceAccount") {
    *error = "source.serviceAccount is not supported by meshgate yet (it needs mTLS)";
    return std::nullopt;
  }
  *error = "unknown attribute";
  return std::nullopt;
}

void checkConditionValues(DocContext& ctx, const SourcePos& pos, const Condition& c,
                          const std::vector<std::string>& values, const char* field) {
  for (const std::string& v : values) {
    switch (c.kind) {
      case Condition::Key::SourceIp:
      case Condition::Key::RemoteIp:
      case Condition::Key::DestinationIp:
        if (!Cidr::parse(v))
          ctx.error(pos, std::string(field) + ": \"" + v + "\" is not an IP address or CIDR");
        break;
      case Condition::Key::DestinationPort: {
        auto p = base::parseUint64(v);
        if (!p || *p < 1 || *p > 65535)
          ctx.error(pos, std::string(field) + ": \"" + v + "\" is not a port number");
        break;
      }
      default:
        if (!validPattern(v) && c.kind != Condition::Key::RequestHeader &&
            c.kind != Condition::Key::RequestAuthClaims) {
          ctx.error(pos, std::string(field) + ": \"" + v +
                             "\": '*' is only allowed alone, as a prefix or as a suffix");
        }
        break;
    }
  }
}

}  // namespace

// ------------------------------------------------------ RequestAuthentication

void parseRequestAuthentication(MapReader& spec, RequestAuthentication& out) {
  DocContext& ctx = spec.ctx();
  readTarget(spec, out.target);
  spec.list("jwtRules", [&](const YAML::Node& n, size_t i) {
    MapReader m(ctx, n, "JWTRule");
    if (!m.valid()) return;
    JwtRule r;
    r.pos = m.pos();
    r.issuer = m.string("issuer").value_or("");
    if (r.issuer.empty() && !m.has("issuer"))
      ctx.error(r.pos, idx("jwtRules", i) + ": issuer is required");
    if (auto a = m.stringList("audiences")) r.audiences = std::move(*a);
    r.jwks_uri = m.string("jwksUri").value_or("");
    r.jwks = m.string("jwks").value_or("");
    if (!r.jwks_uri.empty()) {
      const bool http = r.jwks_uri.rfind("http://", 0) == 0 || r.jwks_uri.rfind("https://", 0) == 0;
      const size_t scheme_end = r.jwks_uri.find("://");
      const std::string_view rest =
          std::string_view(r.jwks_uri).substr(scheme_end == std::string::npos ? 0 : scheme_end + 3);
      if (!http || rest.empty() || rest.front() == '/') {
        ctx.error(m.keyPos("jwksUri"),
                  "jwksUri: \"" + r.jwks_uri + "\" is not an http:// or https:// URL with a host");
      }
    }
    if (!r.jwks.empty()) {
      // JSON is YAML; yaml-cpp is enough to check the JWKS shape here. The jwt
      // library parses the keys themselves.
      if (auto hazard = base::findYamlHazard(r.jwks)) {
        ctx.error(m.keyPos("jwks"), "jwks: invalid JSON: " + hazard->message);
      } else {
        try {
          YAML::Node j = YAML::Load(r.jwks);
          if (!j.IsMap() || !j["keys"] || !j["keys"].IsSequence()) {
            ctx.error(m.keyPos("jwks"), "jwks: expected a JSON Web Key Set ({\"keys\": [...]})");
          }
        } catch (const YAML::Exception& e) {
          ctx.error(m.keyPos("jwks"), "jwks: invalid JSON: " + e.msg);
        }
      }
    }
    if (!r.jwks_uri.empty() && !r.jwks.empty()) {
      ctx.error(m.keyPos("jwks"), idx("jwtRules", i) + ": only one of jwks, jwksUri may be set");
    }
    if (r.jwks_uri.empty() && r.jwks.empty() && !m.has("jwks") && !m.has("jwksUri")) {
      ctx.error(r.pos, idx("jwtRules", i) +
                           ": jwksUri or jwks is required (OpenID Connect discovery from the "
                           "issuer is not supported by meshgate yet)");
    }
    m.list("fromHeaders", [&](const YAML::Node& hn, size_t) {
      MapReader hm(ctx, hn, "JWTHeader");
      if (!hm.valid()) return;
      JwtHeader h;
      h.name = base::toLower(hm.string("name").value_or(""));
      if (h.name.empty() && !hm.has("name"))
        ctx.error(hm.pos(), "fromHeaders: name is required");
      else if (!h.name.empty() && !isHttpToken(h.name))
        ctx.error(hm.keyPos("name"), "fromHeaders: invalid header name \"" + h.name + "\"");
      h.prefix = hm.string("prefix").value_or("");
      r.from_headers.push_back(std::move(h));
    });
    if (auto p = m.stringList("fromParams")) r.from_params = std::move(*p);
    if (auto c = m.stringList("fromCookies")) r.from_cookies = std::move(*c);
    r.output_payload_to_header = base::toLower(m.string("outputPayloadToHeader").value_or(""));
    if (!r.output_payload_to_header.empty() && !isHttpToken(r.output_payload_to_header)) {
      ctx.error(m.keyPos("outputPayloadToHeader"), "outputPayloadToHeader: invalid header name");
    }
    if (auto v = m.boolean("forwardOriginalToken")) r.forward_original_token = *v;
    m.list("outputClaimToHeaders", [&](const YAML::Node& cn, size_t) {
      MapReader cm(ctx, cn, "ClaimToHeader");
      if (!cm.valid()) return;
      ClaimToHeader c;
      c.header = base::toLower(cm.string("header").value_or(""));
      c.claim = cm.string("claim").value_or("");
      if (c.header.empty() && !cm.has("header"))
        ctx.error(cm.pos(), "outputClaimToHeaders: header is required");
      else if (!c.header.empty() && !isHttpToken(c.header))
        ctx.error(cm.keyPos("header"),
                  "outputClaimToHeaders: invalid header name \"" + c.header + "\"");
      if (c.claim.empty() && !cm.has("claim"))
        ctx.error(cm.pos(), "outputClaimToHeaders: claim is required");
      r.output_claim_to_headers.push_back(std::move(c));
    });
    if (auto t = m.duration("timeout", std::chrono::milliseconds(1))) r.timeout = *t;
    for (const JwtRule& other : out.jwt_rules) {
      if (!r.issuer.empty() && other.issuer == r.issuer) {
        ctx.error(r.pos, idx("jwtRules", i) + ": duplicate issuer \"" + r.issuer + "\"");
      }
    }
    out.jwt_rules.push_back(std::move(r));
  });
}

// ------------------------------------------------------- AuthorizationPolicy

void parseAuthorizationPolicy(MapReader& spec, AuthorizationPolicy& out) {
  DocContext& ctx = spec.ctx();
  readTarget(spec, out.target);
  const SourcePos action_pos = spec.keyPos("action");
  if (auto a = spec.enumeration("action", {"ALLOW", "DENY", "AUDIT", "CUSTOM"})) {
    out.action = static_cast<AuthorizationPolicy::Action>(*a);
  }
  if (auto p = spec.get("provider")) {
    MapReader pm(ctx, *p, "ExtensionProvider");
    out.provider_pos = pm.pos();
    out.provider = pm.string("name").value_or("");
    if (out.provider.empty() && pm.valid() && !pm.has("name"))
      ctx.error(pm.pos(), "provider: name is required");
  }
  if (out.action == AuthorizationPolicy::Action::Custom && out.provider.empty() &&
      !spec.has("provider")) {
    ctx.error(action_pos, "action CUSTOM requires provider.name (a meshgate.io/v1 PolicyProvider)");
  }
  if (out.action != AuthorizationPolicy::Action::Custom && spec.has("provider")) {
    ctx.error(spec.keyPos("provider"), "provider may only be set with action CUSTOM");
  }
  spec.list("rules", [&](const YAML::Node& n, size_t ri) {
    MapReader rm(ctx, n, "Rule");
    if (!rm.valid()) return;
    Rule rule;
    rule.pos = rm.pos();
    rm.list("from", [&](const YAML::Node& fn, size_t fi) {
      MapReader fm(ctx, fn, "Rule.From");
      if (!fm.valid()) return;
      auto sn = fm.get("source");
      if (!sn) {
        ctx.error(fm.pos(), idx("from", fi) + ": source is required");
        return;
      }
      MapReader s(ctx, *sn, "Source");
      if (!s.valid()) return;
      Source src;
      src.pos = s.pos();
      readPatterns(s, "principals", src.principals);
      readPatterns(s, "notPrincipals", src.not_principals);
      readPatterns(s, "requestPrincipals", src.request_principals);
      readPatterns(s, "notRequestPrincipals", src.not_request_principals);
      readPatterns(s, "namespaces", src.namespaces);
      readPatterns(s, "notNamespaces", src.not_namespaces);
      readCidrs(s, "ipBlocks", src.ip_blocks);
      readCidrs(s, "notIpBlocks", src.not_ip_blocks);
      readCidrs(s, "remoteIpBlocks", src.remote_ip_blocks);
      readCidrs(s, "notRemoteIpBlocks", src.not_remote_ip_blocks);
      s.unsupported("serviceAccounts", " (it needs mTLS)");
      s.unsupported("notServiceAccounts", " (it needs mTLS)");
      if (s.node().size() == 0) ctx.error(src.pos, idx("from", fi) + ".source: must not be empty");
      rule.from.push_back(std::move(src));
    });
    rm.list("to", [&](const YAML::Node& tn, size_t ti) {
      MapReader tm(ctx, tn, "Rule.To");
      if (!tm.valid()) return;
      auto on = tm.get("operation");
      if (!on) {
        ctx.error(tm.pos(), idx("to", ti) + ": operation is required");
        return;
      }
      MapReader o(ctx, *on, "Operation");
      if (!o.valid()) return;
      Operation op;
      op.pos = o.pos();
      readPatterns(o, "hosts", op.hosts);
      readPatterns(o, "notHosts", op.not_hosts);
      readPorts(o, "ports", op.ports);
      readPorts(o, "notPorts", op.not_ports);
      if (auto m = o.stringList("methods")) op.methods = std::move(*m);
      if (auto m = o.stringList("notMethods")) op.not_methods = std::move(*m);
      readPaths(o, "paths", op.paths);
      readPaths(o, "notPaths", op.not_paths);
      if (o.node().size() == 0) ctx.error(op.pos, idx("to", ti) + ".operation: must not be empty");
      rule.to.push_back(std::move(op));
    });
    rm.list("when", [&](const YAML::Node& wn, size_t wi) {
      MapReader wm(ctx, wn, "Condition");
      if (!wm.valid()) return;
      Condition c;
      c.pos = wm.pos();
      c.key = wm.string("key").value_or("");
      if (auto v = wm.stringList("values")) c.values = std::move(*v);
      if (auto v = wm.stringList("notValues")) c.not_values = std::move(*v);
      if (c.key.empty()) {
        if (!wm.has("key")) ctx.error(c.pos, idx("when", wi) + ": key is required");
        return;
      }
      std::string err;
      auto kind = parseConditionKey(c.key, c.key_args, &err);
      if (!kind) {
        ctx.error(wm.keyPos("key"), idx("when", wi) + ": invalid key \"" + c.key + "\": " + err);
        return;
      }
      c.kind = *kind;
      if (c.values.empty() && c.not_values.empty()) {
        ctx.error(c.pos, idx("when", wi) + ": values or notValues is required");
      }
      checkConditionValues(ctx, wm.keyPos("values"), c, c.values, "values");
      checkConditionValues(ctx, wm.keyPos("notValues"), c, c.not_values, "notValues");
      rule.when.push_back(std::move(c));
    });
    (void)ri;
    out.rules.push_back(std::move(rule));
  });
}

// -------------------------------------------------------- PeerAuthentication

void parsePeerAuthentication(MapReader& spec, PeerAuthentication& out) {
  DocContext& ctx = spec.ctx();
  out.selector = readSelector(spec, "selector", "matchLabels");
  auto readMode = [&](const YAML::Node& node, PeerAuthentication::Mode& mode) {
    MapReader m(ctx, node, "MutualTLS");
    const SourcePos pos = m.keyPos("mode");
    if (auto v = m.enumeration("mode", {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"})) {
      mode = static_cast<PeerAuthentication::Mode>(*v);
      if (mode == PeerAuthentication::Mode::Strict) {
        ctx.error(pos,
                  "mtls.mode STRICT is not supported by meshgate yet (meshgate has no mTLS; it "
                  "would have to refuse every request); use PERMISSIVE or DISABLE");
      }
    }
  };
  if (auto n = spec.get("mtls")) readMode(*n, out.mode);
  if (auto n = spec.get("portLevelMtls")) {
    if (!n->IsMap()) {
      ctx.error(
          *n, "portLevelMtls: expected a map of port number to MutualTLS, got " + describeNode(*n));
    } else {
      for (auto it = n->begin(); it != n->end(); ++it) {
        std::optional<uint64_t> port;
        if (it->first.IsScalar()) port = base::parseUint64(it->first.Scalar());
        if (!port || *port < 1 || *port > 65535) {
          ctx.error(it->first, "portLevelMtls: invalid port \"" +
                                   (it->first.IsScalar() ? it->first.Scalar() : "") + "\"");
          continue;
        }
        PeerAuthentication::Mode mode = PeerAuthentication::Mode::Unset;
        readMode(it->second, mode);
        out.port_level_mtls[static_cast<uint16_t>(*port)] = mode;
      }
      if (!out.selector) {
        ctx.error(spec.keyPos("portLevelMtls"), "portLevelMtls requires a selector (as Istio)");
      }
    }
  }
}

}  // namespace meshgate::config
