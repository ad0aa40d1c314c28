// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/policy.h"

#include <algorithm>

namespace meshgate::filters::authz {

namespace {

using config::AuthorizationPolicy;
using config::Condition;

PatternSet patternsOf(const std::vector<std::string>& values, PatternSet::Case c) {
  PatternSet set(c);
  for (const std::string& v : values)
    set.add(v);
  set.finalize();
  return set;
}

IpRangeSet rangesOf(const std::vector<config::Cidr>& cidrs) {
  IpRangeSet set;
  for (const config::Cidr& c : cidrs)
    set.add(c);
  set.finalize();
  return set;
}

// Istio's requestPrincipalGenerator (pilot/pkg/security/authz/model/generator.go):
// the value is split at its last '/' into issuer and subject patterns, since
// issuers are often URLs. "*" requires both claims to be present.
std::pair<PatternSet, PatternSet> jwtPrincipalPattern(std::string_view value) {
  std::string_view iss = value;
  std::string_view sub;
  const size_t slash = value.rfind('/');
  const bool found = slash != std::string_view::npos;
  if (found) {
    iss = value.substr(0, slash);
    sub = value.substr(slash + 1);
  }
  std::string iss_pattern;
  std::string sub_pattern;
  if (value == "*") {
    iss_pattern = "*";
    sub_pattern = "*";
  } else if (found) {
    // "*suffix/sub" -> issuer suffix (or any for "*/sub"), subject exact;
    // "iss/prefix*" -> issuer exact, subject prefix (or any for "iss/*");
    // "iss/sub"     -> both exact.
    iss_pattern = iss;
    sub_pattern = sub;
  } else if (value.front() == '*') {
    iss_pattern = "*";
    sub_pattern = value;  // subject suffix
  } else if (value.back() == '*') {
    iss_pattern = value;  // issuer prefix
    sub_pattern = "*";
  } else {
    iss_pattern = value;
    sub_pattern = "";  // an exact empty subject
  }
  PatternSet i;
  i.add(iss_pattern);
  i.finalize();
  PatternSet s;
  s.add(sub_pattern);
  s.finalize();
  return {std::move(i), std::move(s)};
}

Term stringTerm(Attribute attr, const std::vector<std::string>& values, bool negate,
                PatternSet::Case c = PatternSet::Case::Sensitive) {
  Term t;
  t.attribute = attr;
  t.negate = negate;
  t.patterns = patternsOf(values, c);
  return t;
}

Term ipTerm(Attribute attr, const std::vector<config::Cidr>& cidrs, bool negate) {
  Term t;
  t.attribute = attr;
  t.negate = negate;
  t.ips = rangesOf(cidrs);
  return t;
}

Term portTerm(std::vector<uint16_t> ports, bool negate) {
  Term t;
  t.attribute = Attribute::DestinationPort;
  t.negate = negate;
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  t.ports = std::move(ports);
  return t;
}

Term jwtPrincipalTerm(const std::vector<std::string>& values, bool negate) {
  Term t;
  t.attribute = Attribute::RequestPrincipal;
  t.negate = negate;
  for (const std::string& v : values)
    t.jwt_principals.push_back(jwtPrincipalPattern(v));
  return t;
}

// Adds the positive and negated terms of one field; an empty list is "not set".
template <typename Make, typename List>
void addField(Conjunction& out, const List& values, const List& not_values, Make make) {
  if (!values.empty()) out.push_back(make(values, false));
  if (!not_values.empty()) out.push_back(make(not_values, true));
}

Conjunction compileSource(const config::Source& s) {
  Conjunction c;
  auto str = [](Attribute a) {
    return [a](const std::vector<std::string>& v, bool n) { return stringTerm(a, v, n); };
  };
  auto ip = [](Attribute a) {
    return [a](const std::vector<config::Cidr>& v, bool n) { return ipTerm(a, v, n); };
  };
  addField(c, s.principals, s.not_principals, str(Attribute::PeerPrincipal));
  addField(c, s.request_principals, s.not_request_principals, jwtPrincipalTerm);
  addField(c, s.namespaces, s.not_namespaces, str(Attribute::PeerNamespace));
  addField(c, s.ip_blocks, s.not_ip_blocks, ip(Attribute::SourceIp));
  addField(c, s.remote_ip_blocks, s.not_remote_ip_blocks, ip(Attribute::RemoteIp));
  return c;
}

Conjunction compileOperation(const config::Operation& o, const CompileOptions& options) {
  Conjunction c;
  addField(c, o.hosts, o.not_hosts, [](const std::vector<std::string>& v, bool n) {
    return stringTerm(Attribute::Host, v, n, PatternSet::Case::Insensitive);
  });
  addField(c, o.ports, o.not_ports,
           [](const std::vector<uint16_t>& v, bool n) { return portTerm(v, n); });
  addField(c, o.methods, o.not_methods, [](const std::vector<std::string>& v, bool n) {
    return stringTerm(Attribute::Method, v, n);
  });
  const PatternSet::Case path_case =
      options.case_insensitive_paths ? PatternSet::Case::Insensitive : PatternSet::Case::Sensitive;
  addField(c, o.paths, o.not_paths, [path_case](const std::vector<std::string>& v, bool n) {
    return stringTerm(Attribute::Path, v, n, path_case);
  });
  return c;
}

std::vector<config::Cidr> cidrsOf(const std::vector<std::string>& values) {
  std::vector<config::Cidr> out;
  for (const std::string& v : values) {
    // The loader validated every value; an unparsable one cannot reach here.
    if (auto c = config::Cidr::parse(v)) out.push_back(*c);
  }
  return out;
}

std::vector<uint16_t> portsOf(const std::vector<std::string>& values) {
  std::vector<uint16_t> out;
  for (const std::string& v : values) {
    uint32_t n = 0;
    bool ok = !v.empty() && v.size() <= 5;
    for (char ch : v) {
      if (ch < '0' || ch > '9') {
        ok = false;
        break;
      }
      n = n * 10 + static_cast<uint32_t>(ch - '0');
    }
    if (ok && n >= 1 && n <= 65535) out.push_back(static_cast<uint16_t>(n));
  }
  return out;
}

Term conditionTerm(const Condition& c, const std::vector<std::string>& values, bool negate) {
  switch (c.kind) {
    case Condition::Key::RequestHeader: {
      Term t = stringTerm(Attribute::Header, values, negate);
      t.header = c.key_args.empty() ? std::string() : c.key_args.front();
      return t;
    }
    case Condition::Key::SourceIp:
      return ipTerm(Attribute::SourceIp, cidrsOf(values), negate);
    case Condition::Key::RemoteIp:
      return ipTerm(Attribute::RemoteIp, cidrsOf(values), negate);
    case Condition::Key::DestinationIp:
      return ipTerm(Attribute::DestinationIp, cidrsOf(values), negate);
    case Condition::Key::SourceNamespace:
      return stringTerm(Attribute::PeerNamespace, values, negate);
    case Condition::Key::SourcePrincipal:
      return stringTerm(Attribute::PeerPrincipal, values, negate);
    case Condition::Key::RequestAuthPrincipal:
      return jwtPrincipalTerm(values, negate);
    case Condition::Key::RequestAuthAudiences:
      return stringTerm(Attribute::Audiences, values, negate);
    case Condition::Key::RequestAuthPresenter:
      return stringTerm(Attribute::Presenter, values, negate);
    case Condition::Key::RequestAuthClaims: {
      Term t = stringTerm(Attribute::Claim, values, negate);
      t.claim_path = c.key_args;
      return t;
    }
    case Condition::Key::DestinationPort:
      return portTerm(portsOf(values), negate);
    case Condition::Key::ConnectionSni:
      return stringTerm(Attribute::Sni, values, negate);
  }
  return stringTerm(Attribute::Header, values, negate);
}

bool allOf(const Conjunction& c, const RequestAttributes& a) {
  for (const Term& t : c) {
    if (!t.matches(a)) return false;
  }
  return true;
}

bool anyOf(const std::vector<Conjunction>& list, const RequestAttributes& a) {
  if (list.empty()) return true;
  for (const Conjunction& c : list) {
    if (allOf(c, a)) return true;
  }
  return false;
}

bool usesAttribute(const CompiledPolicy& p, Attribute attr) {
  auto in = [attr](const Conjunction& c) {
    return std::any_of(c.begin(), c.end(), [attr](const Term& t) { return t.attribute == attr; });
  };
  for (const CompiledRule& r : p.rules) {
    if (std::any_of(r.from.begin(), r.from.end(), in)) return true;
    if (std::any_of(r.to.begin(), r.to.end(), in)) return true;
    if (in(r.when)) return true;
  }
  return false;
}

// Envoy joins repeated header fields with "," before matching them.
std::optional<std::string_view> headerValue(const RequestAttributes& a, const std::string& name) {
  if (name == "host") {
    if (a.authority.empty()) return std::nullopt;
    return a.authority;
  }
  if (a.headers == nullptr) return std::nullopt;
  const size_t n = a.headers->count(name);
  if (n == 0) return std::nullopt;
  if (n == 1 || a.scratch == nullptr) return a.headers->get(name);
  std::string& joined = *a.scratch;
  joined.clear();
  a.headers->forEachValue(name, [&joined](std::string_view v) {
    if (!joined.empty()) joined += ',';
    joined += v;
  });
  return std::string_view(joined);
}

}  // namespace

std::string_view attributeName(Attribute a) {
  switch (a) {
    case Attribute::Path:
      return "path";
    case Attribute::Host:
      return "host";
    case Attribute::Method:
      return "method";
    case Attribute::DestinationPort:
      return "destination.port";
    case Attribute::SourceIp:
      return "source.ip";
    case Attribute::RemoteIp:
      return "remote.ip";
    case Attribute::DestinationIp:
      return "destination.ip";
    case Attribute::Sni:
      return "connection.sni";
    case Attribute::Header:
      return "request.headers";
    case Attribute::Claim:
      return "request.auth.claims";
    case Attribute::RequestPrincipal:
      return "request.auth.principal";
    case Attribute::Audiences:
      return "request.auth.audiences";
    case Attribute::Presenter:
      return "request.auth.presenter";
    case Attribute::PeerPrincipal:
      return "source.principal";
    case Attribute::PeerNamespace:
      return "source.namespace";
  }
  return "?";
}

bool Term::positive(const RequestAttributes& a) const {
  switch (attribute) {
    case Attribute::Path:
      return patterns.matches(a.path);
    case Attribute::Host:
      return patterns.matches(a.host);
    case Attribute::Method:
      return patterns.matches(a.method);
    case Attribute::DestinationPort:
      return std::binary_search(ports.begin(), ports.end(), a.destination_port);
    case Attribute::SourceIp:
      return ips.contains(a.source_ip);
    case Attribute::RemoteIp:
      return ips.contains(a.remote_ip);
    case Attribute::DestinationIp:
      return ips.contains(a.destination_ip);
    case Attribute::Sni:
      return patterns.matches(a.sni);
    case Attribute::Header: {
      auto v = headerValue(a, header);
      if (!v) return false;
      // Istio's HeaderMatcher: "*" is a presence match, even for an empty value.
      return patterns.hasWildcard() || patterns.matches(*v);
    }
    case Attribute::Claim: {
      if (a.identity == nullptr || a.identity->claims == nullptr) return false;
      for (const std::string& v : a.identity->claims->values(claim_path)) {
        if (patterns.matches(v)) return true;
      }
      return false;
    }
    case Attribute::RequestPrincipal: {
      if (!a.jwt_issuer || !a.jwt_subject) return false;
      for (const auto& [iss, sub] : jwt_principals) {
        if (iss.matches(*a.jwt_issuer) && sub.matches(*a.jwt_subject)) return true;
      }
      return false;
    }
    case Attribute::Audiences: {
      if (a.identity == nullptr) return false;
      for (const std::string& aud : a.identity->audiences) {
        if (patterns.matches(aud)) return true;
      }
      return false;
    }
    case Attribute::Presenter:
      return a.identity != nullptr && !a.identity->presenter.empty() &&
             patterns.matches(a.identity->presenter);
    case Attribute::PeerPrincipal:
      return a.peer_principal && patterns.matches(*a.peer_principal);
    case Attribute::PeerNamespace:
      return a.peer_namespace && patterns.matches(*a.peer_namespace);
  }
  return false;
}

bool CompiledRule::matches(const RequestAttributes& a) const {
  return anyOf(from, a) && anyOf(to, a) && allOf(when, a);
}

std::string CompiledPolicy::ruleId(size_t rule) const {
  return "ns[" + namespace_ + "]-policy[" + name + "]-rule[" + std::to_string(rule) + "]";
}

std::optional<bool> parseGoBool(std::string_view text) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (std::string_view t : kTrue)
    if (text == t) return true;
  for (std::string_view f : kFalse)
    if (text == f) return false;
  return std::nullopt;
}

const char* actionName(CompiledPolicy::Action action) {
  switch (action) {
    case CompiledPolicy::Action::Allow:
      return "ALLOW";
    case CompiledPolicy::Action::Deny:
      return "DENY";
    case CompiledPolicy::Action::Audit:
      return "AUDIT";
    case CompiledPolicy::Action::Custom:
      return "CUSTOM";
  }
  return "?";
}

CompiledPolicy compilePolicy(const config::AuthorizationPolicy& policy,
                             const CompileOptions& options, std::vector<std::string>* warnings) {
  CompiledPolicy out;
  out.namespace_ = policy.meta.namespace_;
  out.name = policy.meta.name;
  out.qualified_name = policy.meta.qualifiedName();
  out.action = policy.action;
  out.provider = policy.provider;
  if (auto it = policy.meta.annotations.find(std::string(kDryRunAnnotation));
      it != policy.meta.annotations.end()) {
    if (auto b = parseGoBool(it->second)) {
      out.dry_run = *b;
    } else if (warnings) {
      // Istio logs the parse error and enforces the policy.
      warnings->push_back("AuthorizationPolicy " + out.qualified_name + ": annotation " +
                          std::string(kDryRunAnnotation) + ": \"" + it->second +
                          "\" is not a boolean; the policy is enforced");
    }
  }
  for (const config::Rule& r : policy.rules) {
    CompiledRule rule;
    for (const config::Source& s : r.from)
      rule.from.push_back(compileSource(s));
    for (const config::Operation& o : r.to)
      rule.to.push_back(compileOperation(o, options));
    for (const Condition& c : r.when) {
      if (!c.values.empty()) rule.when.push_back(conditionTerm(c, c.values, false));
      if (!c.not_values.empty()) rule.when.push_back(conditionTerm(c, c.not_values, true));
    }
    out.rules.push_back(std::move(rule));
  }
  out.uses_path = usesAttribute(out, Attribute::Path);
  out.uses_request_principal = usesAttribute(out, Attribute::RequestPrincipal);
  return out;
}

}  // namespace meshgate::filters::authz
