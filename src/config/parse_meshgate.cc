// SPDX-License-Identifier: Apache-2.0
// The meshgate.io/v1 kinds: Listener, Admin, DemoUpstream, RateLimitPolicy,
// HealthCheck, PolicyProvider, Workload. Field names follow Kubernetes and
// Envoy conventions (docs/config.md).
#include <algorithm>

#include "base/strings.h"
#include "config/parsers.h"

namespace meshgate::config {
namespace {

std::string idx(std::string_view name, size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

void readAddress(MapReader& m, std::string& address, IpAddress& ip) {
  if (auto n = m.get("address")) {
    auto a = readString(m.ctx(), *n, "address");
    if (!a) return;
    auto parsed = IpAddress::parse(*a);
    if (!parsed) {
      m.ctx().error(*n, "address: \"" + *a + "\" is not an IP address");
      return;
    }
    address = *a;
    ip = *parsed;
    return;
  }
  ip = *IpAddress::parse(address);
}

std::optional<AccessLog> readLogTarget(MapReader& m, const ParseEnv& env) {
  auto p = m.string("path");
  if (!p) return std::nullopt;
  AccessLog log;
  if (*p == "stdout")
    log.target = AccessLog::Target::Stdout;
  else if (*p == "stderr")
    log.target = AccessLog::Target::Stderr;
  else if (*p == "off")
    log.target = AccessLog::Target::Off;
  else if (p->empty()) {
    m.ctx().error(m.keyPos("path"), "path: must be stdout, stderr, off or a file path");
    return std::nullopt;
  } else {
    log.target = AccessLog::Target::File;
    log.path = resolvePath(env, *p);
  }
  return log;
}

}  // namespace

Duration RateLimit::unitDuration() const {
  switch (unit) {
    case Unit::Second:
      return std::chrono::seconds(1);
    case Unit::Minute:
      return std::chrono::minutes(1);
    case Unit::Hour:
      return std::chrono::hours(1);
  }
  return std::chrono::seconds(1);
}

// ---------------------------------------------------------------------- Listener

void parseListener(MapReader& spec, const ParseEnv& env, Listener& out) {
  DocContext& ctx = spec.ctx();
  readAddress(spec, out.address, out.ip);
  if (auto p = spec.port("port", true))
    out.port = *p;
  else if (!spec.has("port"))
    ctx.error(spec.pos(), "Listener: port is required (0 for an ephemeral port)");
  if (auto hosts = spec.stringList("hosts")) {
    out.hosts.clear();
    for (const std::string& h : *hosts) {
      if (!isValidHostName(h, true, true)) {
        ctx.error(spec.keyPos("hosts"), "hosts: invalid host \"" + h + "\"");
        continue;
      }
      out.hosts.push_back(base::toLower(h));
    }
    if (hosts->empty())
      ctx.error(spec.keyPos("hosts"), "hosts: must not be empty (use \"*\" for every host)");
  }
  if (auto w = spec.get("workload")) {
    MapReader wm(ctx, *w, "ListenerWorkload");
    out.workload_namespace = wm.string("namespace").value_or("");
    if (auto l = wm.stringMap("labels")) out.workload_labels = std::move(*l);
  }
  if (auto n = spec.get("limits")) {
    MapReader m(ctx, *n, "ListenerLimits");
    if (auto v = m.integer("maxRequestHeadersBytes", 1024, 1024 * 1024))
      out.limits.max_request_headers_bytes = static_cast<uint32_t>(*v);
    if (auto v = m.integer("maxRequestHeaders", 1, 10000))
      out.limits.max_request_headers_count = static_cast<uint32_t>(*v);
    if (auto v = m.integer("maxUriLength", 16, 1024 * 1024))
      out.limits.max_uri_length = static_cast<uint32_t>(*v);
    if (auto v = m.integer("maxRequestBodyBytes", 0, INT64_MAX))
      out.limits.max_request_body_bytes = static_cast<uint64_t>(*v);
    if (out.limits.max_uri_length > out.limits.max_request_headers_bytes) {
      ctx.warning(m.pos(),
                  "limits: maxUriLength is larger than maxRequestHeadersBytes, which also bounds "
                  "the request line");
    }
  }
  if (auto n = spec.get("timeouts")) {
    MapReader m(ctx, *n, "ListenerTimeouts");
    if (auto v = m.duration("idle")) out.timeouts.idle = *v;
    if (auto v = m.duration("requestHeaders")) out.timeouts.request_headers = *v;
    if (auto v = m.duration("streamIdle")) out.timeouts.stream_idle = *v;
  }
  if (auto n = spec.get("pathNormalization")) {
    MapReader m(ctx, *n, "PathNormalization");
    PathNormalization& pn = out.path_normalization;
    if (auto v = m.enumeration("normalization", {"DEFAULT", "NONE", "BASE", "MERGE_SLASHES",
                                                 "DECODE_AND_MERGE_SLASHES"})) {
      static constexpr PathNormalization::Preset kMap[] = {
          PathNormalization::Preset::Base, PathNormalization::Preset::None,
          PathNormalization::Preset::Base, PathNormalization::Preset::MergeSlashes,
          PathNormalization::Preset::DecodeAndMergeSlashes};
      pn.preset = kMap[*v];
    }
    switch (pn.preset) {
      case PathNormalization::Preset::None:
        pn.normalize = false;
        pn.decode_unreserved = false;
        break;
      case PathNormalization::Preset::Base:
        break;
      case PathNormalization::Preset::MergeSlashes:
        pn.merge_slashes = true;
        break;
      case PathNormalization::Preset::DecodeAndMergeSlashes:
        pn.merge_slashes = true;
        pn.escaped_slashes = PathNormalization::EscapedSlashes::UnescapeAndForward;
        break;
    }
    if (auto v = m.boolean("normalize")) pn.normalize = *v;
    if (auto v = m.boolean("mergeSlashes")) pn.merge_slashes = *v;
    if (auto v =
            m.enumeration("escapedSlashes", {"KEEP_UNCHANGED", "REJECT_REQUEST",
                                             "UNESCAPE_AND_REDIRECT", "UNESCAPE_AND_FORWARD"})) {
      pn.escaped_slashes = static_cast<PathNormalization::EscapedSlashes>(*v);
    }
    if (auto v = m.boolean("decodeUnreserved")) pn.decode_unreserved = *v;
    if (auto v = m.boolean("stripMatrixParameters")) pn.strip_matrix_parameters = *v;
    if (auto v = m.boolean("caseInsensitiveMatching")) pn.case_insensitive_matching = *v;
  }
  if (auto n = spec.get("accessLog")) {
    MapReader m(ctx, *n, "AccessLog");
    if (auto log = readLogTarget(m, env)) out.access_log = *log;
    if (auto f = m.enumeration("format", {"json"})) out.access_log.format = AccessLog::Format::Json;
  }
  if (auto v = spec.duration("drainTimeout")) out.drain_timeout = *v;
  if (auto n = spec.get("xff")) {
    MapReader m(ctx, *n, "XffSettings");
    if (auto v = m.boolean("useRemoteAddress")) out.xff.use_remote_address = *v;
    if (auto v = m.integer("trustedHops", 0, 64)) out.xff.trusted_hops = static_cast<uint32_t>(*v);
    if (auto v = m.boolean("skipAppend")) out.xff.skip_append = *v;
  }
}

void parseAdmin(MapReader& spec, Admin& out) {
  readAddress(spec, out.address, out.ip);
  if (auto p = spec.port("port", true)) out.port = *p;
}

void parseDemoUpstream(MapReader& spec, DemoUpstream& out) {
  readAddress(spec, out.address, out.ip);
  if (auto p = spec.port("port", true))
    out.port = *p;
  else if (!spec.has("port"))
    spec.ctx().error(spec.pos(), "DemoUpstream: port is required");
}

// --------------------------------------------------------------- RateLimitPolicy

void parseRateLimitPolicy(MapReader& spec, RateLimitPolicy& out) {
  DocContext& ctx = spec.ctx();
  spec.list("targets", [&](const YAML::Node& n, size_t i) {
    MapReader m(ctx, n, "RateLimitTarget");
    if (!m.valid()) return;
    RateLimitTarget t;
    t.pos = m.pos();
    t.virtual_service = m.string("virtualService").value_or("");
    t.route = m.string("route").value_or("");
    if (auto h = m.stringList("hosts")) {
      for (const std::string& host : *h) {
        if (!isValidHostName(host, true, true))
          ctx.error(m.keyPos("hosts"), "hosts: invalid host \"" + host + "\"");
        else
          t.hosts.push_back(base::toLower(host));
      }
    }
    if (auto p = m.get("path")) t.path = readStringMatch(ctx, *p, "path", false);
    const bool by_vs = !t.virtual_service.empty();
    const bool by_match = m.has("hosts") || m.has("path");
    if (by_vs && by_match) {
      ctx.error(t.pos, idx("targets", i) +
                           ": use either virtualService (+ route) or hosts/path, not both");
    } else if (!by_vs && !by_match && !m.has("virtualService")) {
      ctx.error(t.pos, idx("targets", i) + ": virtualService or hosts/path is required");
    }
    if (!t.route.empty() && !by_vs)
      ctx.error(m.keyPos("route"), idx("targets", i) + ": route requires virtualService");
    out.targets.push_back(std::move(t));
  });
  if (!spec.has("targets")) ctx.error(spec.pos(), "RateLimitPolicy: targets is required");
  spec.list("descriptors", [&](const YAML::Node& n, size_t i) {
    MapReader m(ctx, n, "RateLimitDescriptor");
    if (!m.valid()) return;
    RateLimitDescriptor d;
    d.pos = m.pos();
    auto which = m.oneOf({"header", "clientIp", "jwtClaim", "path", "genericKey"}, true);
    auto header = m.string("header");
    auto client_ip = m.boolean("clientIp");
    auto claim = m.string("jwtClaim");
    auto path = m.boolean("path");
    auto generic = m.string("genericKey");
    if (!which) return;
    d.kind = static_cast<RateLimitDescriptor::Kind>(*which);
    switch (d.kind) {
      case RateLimitDescriptor::Kind::Header:
        if (!header) return;
        if (!isHttpToken(*header))
          ctx.error(m.keyPos("header"), "header: invalid header name \"" + *header + "\"");
        d.value = base::toLower(*header);
        break;
      case RateLimitDescriptor::Kind::ClientIp:
        if (client_ip && !*client_ip)
          ctx.error(m.keyPos("clientIp"), "clientIp: must be true when set");
        break;
      case RateLimitDescriptor::Kind::JwtClaim:
        if (!claim) return;
        if (claim->empty()) ctx.error(m.keyPos("jwtClaim"), "jwtClaim: must not be empty");
        d.value = *claim;
        break;
      case RateLimitDescriptor::Kind::Path:
        if (path && !*path) ctx.error(m.keyPos("path"), "path: must be true when set");
        break;
      case RateLimitDescriptor::Kind::GenericKey:
        if (!generic) return;
        d.value = *generic;
        break;
    }
    (void)i;
    out.descriptors.push_back(std::move(d));
  });
  if (auto n = spec.get("limit")) {
    MapReader m(ctx, *n, "RateLimit");
    out.limit.pos = m.pos();
    if (auto v = m.integer("requestsPerUnit", 1, 1'000'000'000))
      out.limit.requests_per_unit = static_cast<uint64_t>(*v);
    else if (!m.has("requestsPerUnit"))
      ctx.error(m.pos(), "limit: requestsPerUnit is required");
    if (auto u = m.enumeration("unit", {"SECOND", "MINUTE", "HOUR"}))
      out.limit.unit = static_cast<RateLimit::Unit>(*u);
    if (auto b = m.integer("burst", 1, 1'000'000'000)) out.limit.burst = static_cast<uint64_t>(*b);
    if (out.limit.burst == 0) out.limit.burst = out.limit.requests_per_unit;
  } else {
    ctx.error(spec.pos(), "RateLimitPolicy: limit is required");
  }
  if (auto v = spec.boolean("responseHeaders")) out.response_headers = *v;
  if (auto v = spec.boolean("shadowMode")) out.shadow_mode = *v;
}

// ------------------------------------------------------------------- HealthCheck

void parseHealthCheck(MapReader& spec, HealthCheck& out) {
  DocContext& ctx = spec.ctx();
  out.host_pos = spec.keyPos("host");
  if (auto h = spec.string("host")) {
    out.host = base::toLower(*h);
    if (!isValidHostName(out.host, false, false))
      ctx.error(out.host_pos, "host: invalid host \"" + *h + "\"");
  } else if (!spec.has("host")) {
    ctx.error(spec.pos(), "HealthCheck: host is required");
  }
  out.subset = spec.string("subset").value_or("");
  if (auto p = spec.port("port")) out.port = *p;
  if (auto p = spec.string("path")) {
    if (p->empty() || (*p)[0] != '/')
      ctx.error(spec.keyPos("path"), "path: must start with '/'");
    else if (std::any_of(p->begin(), p->end(),
                         [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
      ctx.error(spec.keyPos("path"), "path: must not contain spaces or control characters");
    else
      out.path = *p;
  }
  out.authority = spec.string("authority").value_or("");
  if (auto v = spec.duration("interval", std::chrono::milliseconds(1))) out.interval = *v;
  if (auto v = spec.duration("timeout", std::chrono::milliseconds(1))) out.timeout = *v;
  if (auto v = spec.integer("healthyThreshold", 1, 1000))
    out.healthy_threshold = static_cast<uint32_t>(*v);
  if (auto v = spec.integer("unhealthyThreshold", 1, 1000))
    out.unhealthy_threshold = static_cast<uint32_t>(*v);
  if (out.timeout > out.interval) {
    ctx.error(spec.keyPos("timeout"), "timeout: must not be longer than interval");
  }
  if (auto n = spec.get("expectedStatuses")) {
    if (!n->IsSequence()) {
      ctx.error(*n,
                "expectedStatuses: expected a list of status codes or ranges (\"200-299\"), got " +
                    describeNode(*n));
    } else {
      out.expected_statuses.clear();
      for (size_t i = 0; i < n->size(); ++i) {
        const YAML::Node& e = (*n)[i];
        std::optional<StatusRange> range;
        if (e.IsScalar()) {
          const std::string& s = e.Scalar();
          const size_t dash = s.find('-');
          if (dash == std::string::npos) {
            if (auto v = base::parseUint64(s))
              range = StatusRange{static_cast<uint32_t>(*v), static_cast<uint32_t>(*v)};
          } else {
            auto a = base::parseUint64(s.substr(0, dash));
            auto b = base::parseUint64(s.substr(dash + 1));
            if (a && b) range = StatusRange{static_cast<uint32_t>(*a), static_cast<uint32_t>(*b)};
          }
        }
        if (!range || range->start < 100 || range->end > 599 || range->start > range->end) {
          ctx.error(e, idx("expectedStatuses", i) +
                           ": expected a status code (100-599) or a range \"200-299\"");
          continue;
        }
        out.expected_statuses.push_back(*range);
      }
    }
  }
}

// ---------------------------------------------------------------- PolicyProvider

void parsePolicyProvider(MapReader& spec, const ParseEnv& env, PolicyProvider& out) {
  DocContext& ctx = spec.ctx();
  if (auto p = spec.string("bundlePath")) {
    out.bundle_path = *p;
    out.resolved_bundle_path = resolvePath(env, *p);
    if (p->empty()) ctx.error(spec.keyPos("bundlePath"), "bundlePath: must not be empty");
  } else if (!spec.has("bundlePath")) {
    ctx.error(spec.pos(), "PolicyProvider: bundlePath is required");
  }
  if (auto d = spec.string("decisionPath")) {
    std::string path = *d;
    while (!path.empty() && path.front() == '/')
      path.erase(0, 1);
    if (path.rfind("data/", 0) == 0) path.erase(0, 5);
    bool ok = !path.empty();
    for (std::string_view seg : base::split(path, '/')) {
      if (seg.empty()) ok = false;
      for (char c : seg) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
          ok = false;
      }
    }
    if (!ok)
      ctx.error(spec.keyPos("decisionPath"),
                "decisionPath: \"" + *d + "\" is not a rule path such as envoy/authz/allow");
    out.decision_path = path;
  } else if (!spec.has("decisionPath")) {
    ctx.error(spec.pos(), "PolicyProvider: decisionPath is required");
  }
  if (auto n = spec.get("includeRequestBody")) {
    MapReader m(ctx, *n, "IncludeRequestBody");
    PolicyProvider::RequestBody body;
    if (auto v = m.integer("maxBytes", 1, 64 * 1024 * 1024))
      body.max_bytes = static_cast<uint64_t>(*v);
    if (auto v = m.boolean("allowPartial")) body.allow_partial = *v;
    if (auto v = m.boolean("packAsBytes")) body.pack_as_bytes = *v;
    out.include_request_body = body;
  }
  if (auto v = spec.boolean("failOpen")) out.fail_open = *v;
  if (auto n = spec.get("decisionLog")) {
    MapReader m(ctx, *n, "DecisionLog");
    if (auto log = readLogTarget(m, env)) {
      out.decision_log.target = log->target;
      out.decision_log.path = log->path;
    }
    if (auto v = m.boolean("includeInput")) out.decision_log.include_input = *v;
    if (auto r = m.stringList("redact")) {
      for (const std::string& f : *r) {
        if (f.empty() || f.front() == '.' || f.back() == '.' || f.find("..") != std::string::npos) {
          ctx.error(m.keyPos("redact"), "redact: \"" + f + "\" is not a dotted field path");
          continue;
        }
        out.decision_log.redact.push_back(f);
      }
    }
  }
  if (auto v = spec.boolean("v0Compatible")) out.v0_compatible = *v;
  if (auto n = spec.get("limits")) {
    MapReader m(ctx, *n, "EvaluationLimits");
    if (auto v = m.integer("maxSteps", 1, int64_t{1} << 40))
      out.limits.max_steps = static_cast<uint64_t>(*v);
    if (auto v = m.integer("maxDepth", 8, 100'000))
      out.limits.max_depth = static_cast<uint32_t>(*v);
    if (auto v = m.integer("maxMemoryBytes", 64 * 1024, int64_t{1} << 40))
      out.limits.max_memory_bytes = static_cast<uint64_t>(*v);
    if (auto v = m.duration("timeout", std::chrono::milliseconds(1))) out.limits.timeout = *v;
  }
}

// ---------------------------------------------------------------------- Workload

void parseWorkload(MapReader& spec, Workload& out) {
  DocContext& ctx = spec.ctx();
  // command: a string, or a Kubernetes-style list whose tail goes before args.
  std::vector<std::string> command_tail;
  if (auto n = spec.get("command")) {
    if (n->IsSequence()) {
      for (size_t i = 0; i < n->size(); ++i) {
        auto s = readString(ctx, (*n)[i], idx("command", i));
        if (!s) continue;
        if (i == 0)
          out.command = *s;
        else
          command_tail.push_back(*s);
      }
    } else if (auto s = readString(ctx, *n, "command")) {
      out.command = *s;
    }
    if (out.command.empty()) ctx.error(*n, "command: must not be empty");
  } else {
    ctx.error(spec.pos(), "Workload: command is required");
  }
  out.args = command_tail;
  if (auto a = spec.stringList("args")) out.args.insert(out.args.end(), a->begin(), a->end());
  spec.list("env", [&](const YAML::Node& n, size_t i) {
    MapReader m(ctx, n, "EnvVar");
    if (!m.valid()) return;
    EnvVar e;
    e.name = m.string("name").value_or("");
    e.value = m.string("value").value_or("");
    m.unsupported("valueFrom");
    if (e.name.empty() || e.name.find('=') != std::string::npos) {
      ctx.error(m.pos(), idx("env", i) + ": name is required and must not contain '='");
      return;
    }
    for (const EnvVar& other : out.env) {
      if (other.name == e.name)
        ctx.error(m.pos(), idx("env", i) + ": duplicate variable \"" + e.name + "\"");
    }
    out.env.push_back(std::move(e));
  });
  out.working_dir = spec.string("workingDir").value_or("");
  if (auto l = spec.stringMap("labels")) out.labels = std::move(*l);
  out.sandbox_profile_pos = spec.keyPos("sandboxProfile");
  if (auto s = spec.string("sandboxProfile"))
    out.sandbox_profile = *s;
  else if (!spec.has("sandboxProfile"))
    ctx.error(spec.pos(),
              "Workload: sandboxProfile is required (a SandboxProfile name or strict, "
              "http-service, shell)");
  readAddress(spec, out.address, out.ip);
  if (auto p = spec.port("port")) out.port = *p;
  if (auto r = spec.enumeration("restartPolicy", {"Always", "OnFailure", "Never"})) {
    out.restart_policy = static_cast<Workload::RestartPolicy>(*r);
  }
  if (auto n = spec.get("backoff")) {
    MapReader m(ctx, *n, "Backoff");
    if (auto v = m.duration("initial", std::chrono::milliseconds(1))) out.backoff_initial = *v;
    if (auto v = m.duration("max", std::chrono::milliseconds(1))) out.backoff_max = *v;
    if (out.backoff_max < out.backoff_initial)
      ctx.error(m.pos(), "backoff: max must not be less than initial");
  }
  if (auto n = spec.get("readinessProbe")) {
    MapReader m(ctx, *n, "Probe");
    Probe p;
    auto which = m.oneOf({"httpGet", "tcpSocket"}, true);
    if (auto h = m.get("httpGet")) {
      MapReader hm(ctx, *h, "HTTPGetAction");
      p.kind = Probe::Kind::HttpGet;
      if (auto path = hm.string("path")) {
        if (path->empty() || (*path)[0] != '/')
          ctx.error(hm.keyPos("path"), "httpGet.path: must start with '/'");
        else
          p.path = *path;
      }
      if (auto port = hm.port("port")) p.port = *port;
      hm.unsupported("httpHeaders");
      hm.unsupported("scheme", " (probes speak plain HTTP)");
      hm.ignore("host");
    }
    if (auto t = m.get("tcpSocket")) {
      MapReader tm(ctx, *t, "TCPSocketAction");
      p.kind = Probe::Kind::TcpSocket;
      if (auto port = tm.port("port")) p.port = *port;
    }
    m.unsupported("exec");
    m.unsupported("grpc");
    if (auto v = m.integer("periodSeconds", 1, 86400)) p.period = std::chrono::seconds(*v);
    if (auto v = m.integer("timeoutSeconds", 1, 86400)) p.timeout = std::chrono::seconds(*v);
    if (auto v = m.integer("failureThreshold", 1, 1000))
      p.failure_threshold = static_cast<uint32_t>(*v);
    if (auto v = m.integer("successThreshold", 1, 1000))
      p.success_threshold = static_cast<uint32_t>(*v);
    if (auto v = m.integer("initialDelaySeconds", 0, 86400))
      p.initial_delay = std::chrono::seconds(*v);
    if (which && p.port == 0 && out.port == 0) {
      ctx.error(m.pos(), "readinessProbe: port is required when the Workload has no port");
    }
    out.readiness_probe = p;
  }
  if (auto v = spec.integer("terminationGracePeriodSeconds", 0, 86400)) {
    out.termination_grace_period = std::chrono::seconds(*v);
  }
}

}  // namespace meshgate::config
