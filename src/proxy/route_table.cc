// SPDX-License-Identifier: Apache-2.0
#include "proxy/route_table.h"

#include <algorithm>

#include "base/strings.h"
#include "config/types.h"

namespace meshgate::proxy {

namespace {

// Istio: a header match with an empty StringMatch matches presence; the loader
// stores it as a prefix match on "".
bool headerMatches(const http::HeaderMap& headers, const std::string& name,
                   const config::StringMatch& m) {
  bool matched = false;
  headers.forEachValue(name, [&](std::string_view v) { matched = matched || m.matches(v); });
  return matched;
}

// Envoy's query parameter matching: on the raw (undecoded) value of the first
// occurrence of the key; a key without '=' has the empty value.
std::optional<std::string_view> queryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k == key) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool blockMatches(const config::HttpMatchRequest& m, const RouteRequest& req) {
  if (m.uri && !m.uri->matches(req.path, m.ignore_uri_case)) return false;
  if (m.scheme && !m.scheme->matches(req.scheme)) return false;
  if (m.method && !m.method->matches(req.method)) return false;
  if (m.authority && !m.authority->matches(req.authority)) return false;
  if (m.port != 0 && m.port != req.port) return false;
  if (!m.gateways.empty()) {
    bool any = false;
    for (const auto& g : m.gateways) {
      if (g == req.gateway || (g == "mesh" && req.gateway.empty())) any = true;
    }
    if (!any) return false;
  }
  for (const auto& [name, sm] : m.headers) {
    if (!headerMatches(*req.headers, name, sm)) return false;
  }
  for (const auto& [name, sm] : m.without_headers) {
    if (headerMatches(*req.headers, name, sm)) return false;
  }
  for (const auto& [key, sm] : m.query_params) {
    auto v = queryValue(req.query, key);
    if (!v || !sm.matches(*v)) return false;
  }
  return true;
}

}  // namespace

std::string_view hostWithoutPort(std::string_view authority) {
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  size_t colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool RouteEntry::matches(const RouteRequest& req) const {
  if (route->match.empty()) return true;
  for (const auto& m : route->match) {
    if (blockMatches(m, req)) return true;
  }
  return false;
}

const WeightedDestination* RouteEntry::pickDestination(uint64_t random) const {
  if (destinations.empty()) return nullptr;
  if (destinations.size() == 1 || total_weight == 0) return &destinations.front();
  uint64_t r = random % total_weight;
  for (const auto& d : destinations) {
    if (r < d.weight) return &d;
    r -= d.weight;
  }
  return &destinations.back();
}

void RouteTable::addVirtualHost(std::unique_ptr<VirtualHost> vh) {
  const VirtualHost* raw = vh.get();
  for (const std::string& d : vh->domains) {
    if (d == "*") {
      if (!catch_all_) catch_all_ = raw;
    } else if (d.size() > 1 && d[0] == '*') {
      std::string suffix = d.substr(1);
      bool taken = std::any_of(suffixes_.begin(), suffixes_.end(),
                               [&](const auto& s) { return s.first == suffix; });
      if (!taken) suffixes_.emplace_back(suffix, raw);
    } else {
      exact_.emplace(d, raw);
    }
  }
  std::stable_sort(suffixes_.begin(), suffixes_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  hosts_.push_back(std::move(vh));
}

const VirtualHost* RouteTable::findVirtualHost(std::string_view authority) const {
  // Lower-case into a small stack buffer: no allocation for ordinary host names.
  char buf[256];
  std::string_view host = hostWithoutPort(authority);
  std::string heap;
  char* lower = buf;
  if (host.size() > sizeof buf) {
    heap.resize(host.size());
    lower = heap.data();
  }
  for (size_t i = 0; i < host.size(); ++i)
    lower[i] = base::asciiLower(host[i]);
  std::string_view h(lower, host.size());
  if (!exact_.empty()) {
    auto it = exact_.find(h);
    if (it != exact_.end()) return it->second;
    if (h.find('.') == std::string_view::npos && !h.empty() && h[0] != '[') {
      // A short name: Istio qualifies it with the workload's namespace.
      auto q = exact_.find(config::qualifyHost(h, namespace_));
      if (q != exact_.end()) return q->second;
    }
  }
  for (const auto& [suffix, vh] : suffixes_) {
    if (h.size() > suffix.size() && h.substr(h.size() - suffix.size()) == suffix) return vh;
  }
  return catch_all_;
}

const RouteEntry* RouteTable::match(const RouteRequest& req) const {
  const VirtualHost* vh = findVirtualHost(req.authority);
  if (!vh) return nullptr;
  for (const RouteEntry& r : vh->routes) {
    if (r.matches(req)) return &r;
  }
  return nullptr;
}

}  // namespace meshgate::proxy
