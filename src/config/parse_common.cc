// SPDX-License-Identifier: Apache-2.0
// Readers for the Istio messages that several kinds share.
#include <algorithm>

#include "base/strings.h"
#include "config/parsers.h"

namespace meshgate::config {

bool isHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool isValidHostName(std::string_view host, bool allow_wildcard, bool allow_star) {
  if (host == "*") return allow_star;
  if (host.size() > 2 && host[0] == '*' && host[1] == '.') {
    if (!allow_wildcard) return false;
    host.remove_prefix(2);
  }
  if (host.empty() || host.size() > 253) return false;
  if (host.back() == '.') host.remove_suffix(1);  // a trailing dot (FQDN) is allowed
  for (std::string_view label : base::split(host, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  return true;
}

std::string resolvePath(const ParseEnv& env, const std::string& path) {
  if (path.empty() || path[0] == '/' || env.base_dir.empty()) return path;
  return env.base_dir + "/" + path;
}

std::optional<StringMatch> readStringMatch(DocContext& ctx, const YAML::Node& node,
                                           std::string_view what, bool allow_empty) {
  MapReader m(ctx, node, "StringMatch");
  if (!m.valid()) return std::nullopt;
  StringMatch sm;
  sm.pos = m.pos();
  auto which = m.oneOf({"exact", "prefix", "regex"}, false);
  auto exact = m.string("exact");
  auto prefix = m.string("prefix");
  auto regex = m.string("regex");
  if (!which) {
    if (m.has("exact") || m.has("prefix") || m.has("regex")) return std::nullopt;  // reported
    if (!allow_empty) {
      ctx.error(node, std::string(what) + ": one of exact, prefix, regex is required");
      return std::nullopt;
    }
    sm.kind = StringMatch::Kind::Prefix;
    return sm;
  }
  switch (*which) {
    case 0:
      if (!exact) return std::nullopt;
      sm.kind = StringMatch::Kind::Exact;
      sm.value = *exact;
      break;
    case 1:
      if (!prefix) return std::nullopt;
      sm.kind = StringMatch::Kind::Prefix;
      sm.value = *prefix;
      break;
    default: {
      if (!regex) return std::nullopt;
      sm.kind = StringMatch::Kind::Regex;
      sm.value = *regex;
      std::string err;
      sm.regex = Regex::compile(*regex, &err);
      if (!sm.regex) {
        ctx.error(m.keyPos("regex"),
                  std::string(what) + ": invalid RE2 regex \"" + *regex + "\": " + err);
        return std::nullopt;
      }
      if (regex->empty()) {
        ctx.error(m.keyPos("regex"), std::string(what) + ": regex must not be empty");
        return std::nullopt;
      }
      break;
    }
  }
  return sm;
}

std::optional<WorkloadSelector> readSelector(MapReader& m, std::string_view key,
                                             std::string_view labels_key) {
  auto n = m.get(key);
  if (!n) return std::nullopt;
  MapReader s(m.ctx(), *n, std::string(key));
  if (!s.valid()) return std::nullopt;
  WorkloadSelector sel;
  sel.pos = s.pos();
  if (auto labels = s.stringMap(labels_key)) sel.labels = std::move(*labels);
  if (labels_key == "matchLabels") {
    s.unsupported("matchExpressions");
  }
  return sel;
}

std::optional<PolicyTargetRef> readTargetRef(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "PolicyTargetReference");
  if (!m.valid()) return std::nullopt;
  PolicyTargetRef ref;
  ref.pos = m.pos();
  ref.group = m.string("group").value_or("");
  ref.kind = m.string("kind").value_or("");
  ref.name = m.string("name").value_or("");
  ref.namespace_ = m.string("namespace").value_or("");
  if (ref.kind.empty()) ctx.error(ref.pos, "targetRef: kind is required");
  if (ref.name.empty()) ctx.error(ref.pos, "targetRef: name is required");
  if (ref.kind.empty() || ref.name.empty()) return std::nullopt;
  return ref;
}

Destination readDestination(DocContext& ctx, const YAML::Node& node, std::string_view what) {
  Destination d;
  MapReader m(ctx, node, "Destination");
  d.pos = m.pos();
  if (!m.valid()) return d;
  if (auto host = m.string("host"))
    d.host = base::toLower(*host);
  else if (!m.has("host"))
    ctx.error(d.pos, std::string(what) + ": destination.host is required");
  if (!d.host.empty() && !isValidHostName(d.host, true, false)) {
    ctx.error(m.keyPos("host"), std::string(what) + ": invalid host \"" + d.host + "\"");
  }
  d.subset = m.string("subset").value_or("");
  if (auto p = m.get("port")) {
    MapReader pm(ctx, *p, "PortSelector");
    if (pm.valid()) {
      if (auto n = pm.port("number"))
        d.port = PortSelector{*n};
      else if (!pm.has("number"))
        ctx.error(pm.pos(), "port: number is required");
    }
  }
  return d;
}

namespace {

void readHeaderOps(DocContext& ctx, const YAML::Node& node, std::string_view what,
                   HeaderOperations& out) {
  MapReader m(ctx, node, "HeaderOperations");
  if (!m.valid()) return;
  auto check = [&](const std::string& name, const SourcePos& pos) {
    if (!isHttpToken(name))
      ctx.error(pos, std::string(what) + ": invalid header name \"" + name + "\"");
  };
  for (const char* op : {"set", "add"}) {
    auto n = m.get(op);
    if (!n) continue;
    auto values = [&]() -> std::optional<Labels> {
      if (!n->IsMap()) {
        ctx.error(*n, std::string(op) + ": expected a map of header names to values, got " +
                          describeNode(*n));
        return std::nullopt;
      }
      Labels out_map;
      for (auto it = n->begin(); it != n->end(); ++it) {
        auto k = readString(ctx, it->first, std::string(op) + " key");
        auto v = readString(ctx, it->second, std::string(op) + " value");
        if (!k || !v) continue;
        check(*k, ctx.pos(it->first));
        out_map[base::toLower(*k)] = *v;
      }
      return out_map;
    }();
    if (!values) continue;
    auto& dest = std::string_view(op) == "set" ? out.set : out.add;
    for (auto& [k, v] : *values)
      dest.emplace_back(k, v);
  }
  if (auto remove = m.get("remove")) {
    if (!remove->IsSequence()) {
      ctx.error(*remove, "remove: expected a list of header names, got " + describeNode(*remove));
    } else {
      for (size_t i = 0; i < remove->size(); ++i) {
        auto s = readString(ctx, (*remove)[i], "remove[" + std::to_string(i) + "]");
        if (!s) continue;
        check(*s, ctx.pos((*remove)[i]));
        out.remove.push_back(base::toLower(*s));
      }
    }
  }
}

}  // namespace

Headers readHeaders(DocContext& ctx, const YAML::Node& node) {
  Headers h;
  MapReader m(ctx, node, "Headers");
  if (!m.valid()) return h;
  if (auto r = m.get("request")) readHeaderOps(ctx, *r, "headers.request", h.request);
  if (auto r = m.get("response")) readHeaderOps(ctx, *r, "headers.response", h.response);
  return h;
}

std::optional<Percent> readPercent(DocContext& ctx, const YAML::Node& node, std::string_view what) {
  MapReader m(ctx, node, "Percent");
  if (!m.valid()) return std::nullopt;
  auto v = m.number("value", 0.0, 100.0);
  if (!v) {
    if (!m.has("value")) return Percent{0.0};  // Istio: an empty Percent is 0
    return std::nullopt;
  }
  return Percent{*v};
}

}  // namespace meshgate::config
