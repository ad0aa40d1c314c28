// SPDX-License-Identifier: Apache-2.0
#include "filters/rate_limit/rate_limit_filter.h"

#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <functional>

#include "base/json_writer.h"
#include "config/types.h"

namespace meshgate::filters::rate_limit {

namespace {

using config::RateLimitDescriptor;

std::string_view hostWithoutPort(std::string_view authority) {
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  const size_t colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool hostSelected(const std::vector<std::string>& patterns, std::string_view host,
                  std::string_view workload_namespace) {
  for (const std::string& p : patterns) {
    if (config::hostMatches(p, host)) return true;
  }
  // A short name is qualified with the workload's namespace, as the route table does.
  if (!host.empty() && host[0] != '[' && host.find('.') == std::string_view::npos) {
    const std::string q = config::qualifyHost(host, workload_namespace);
    for (const std::string& p : patterns) {
      if (config::hostMatches(p, q)) return true;
    }
  }
  return false;
}

void appendPart(std::string& key, std::string_view value) {
  key += std::to_string(value.size());
  key += ':';
  key += value;
}

// The IP's bytes (4 or 16; an IPv4-mapped IPv6 address counts as its IPv4 address), not the
// port: one client, one bucket, however many connections it opens.
bool appendIp(std::string& key, const net::Address& a) {
  if (a.family() == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr());
    appendPart(key, std::string_view(reinterpret_cast<const char*>(&v4->sin_addr), 4));
    return true;
  }
  if (a.family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr());
    const auto* bytes = reinterpret_cast<const char*>(&v6->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      appendPart(key, std::string_view(bytes + 12, 4));
    } else {
      appendPart(key, std::string_view(bytes, 16));
    }
    return true;
  }
  return false;
}

bool appendClaim(std::string& key, const CompiledDescriptor& d,
                 const filter_api::FilterContext& ctx) {
  const filter_api::RequestIdentity* id = ctx.identity();
  if (id == nullptr || id->claims == nullptr) return false;
  std::vector<std::string> values = id->claims->values(d.claim_path);
  if (values.empty() && !d.claim_literal.empty()) values = id->claims->values(d.claim_literal);
  if (values.empty()) return false;
  // Several values (an array claim, or a space-delimited "scope") make one key: their
  // count, then each value length-prefixed, in order.
  key += std::to_string(values.size());
  key += '#';
  for (const std::string& v : values)
    appendPart(key, v);
  return true;
}

// The decision whose client is closest to being limited, for the x-ratelimit-* headers.
bool closerToLimit(const limits::RateLimitDecision& a, const limits::RateLimitDecision& b) {
  if (a.remaining != b.remaining) return a.remaining < b.remaining;
  return a.limit < b.limit;
}

void logDecision(filter_api::FilterContext& ctx, const CompiledPolicy* limited_by,
                 const std::vector<const CompiledPolicy*>& shadow_limited_by) {
  std::string json;
  base::JsonWriter w(json);
  w.beginObject();
  if (limited_by != nullptr) w.field("limited_by", limited_by->name);
  if (!shadow_limited_by.empty()) {
    w.key("shadow_limited_by").beginArray();
    for (const CompiledPolicy* p : shadow_limited_by)
      w.string(p->name);
    w.endArray();
  }
  w.endObject();
  ctx.addAccessLogField("rate_limit", json);
}

}  // namespace

bool policyApplies(const CompiledPolicy& policy, filter_api::FilterContext& ctx) {
  if (policy.every_request) return true;
  const filter_api::StreamInfo& info = ctx.stream();
  for (const RequestMatch& m : policy.matches) {
    if (m.path && !m.path->matches(info.normalized_path)) continue;
    if (!m.hosts.empty() && !hostSelected(m.hosts, hostWithoutPort(ctx.requestHead().authority()),
                                          info.workload_namespace)) {
      continue;
    }
    return true;
  }
  return false;
}

bool appendDescriptorKey(const CompiledPolicy& policy, filter_api::FilterContext& ctx,
                         std::string& key) {
  for (const CompiledDescriptor& d : policy.descriptors) {
    switch (d.kind) {
      case RateLimitDescriptor::Kind::Header: {
        // The first field of that name, as Envoy's request_headers action.
        std::optional<std::string_view> v = ctx.requestHead().headers().get(d.header);
        if (!v) return false;
        appendPart(key, *v);
        break;
      }
      case RateLimitDescriptor::Kind::ClientIp: {
        const filter_api::StreamInfo& info = ctx.stream();
        const net::Address* a = info.client != nullptr ? info.client : info.downstream_remote;
        if (a == nullptr || !appendIp(key, *a)) return false;
        break;
      }
      case RateLimitDescriptor::Kind::JwtClaim:
        if (!appendClaim(key, d, ctx)) return false;
        break;
      case RateLimitDescriptor::Kind::Path:
        appendPart(key, ctx.stream().normalized_path);
        break;
      case RateLimitDescriptor::Kind::GenericKey:
        break;
    }
  }
  return true;
}

void forEachRateLimitHeader(const limits::RateLimitDecision& decision,
                            const std::function<void(std::string_view, std::string_view)>& fn) {
  char buf[24];
  auto number = [&](uint64_t v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
  };
  if (!decision.allowed) fn("retry-after", number(decision.retryAfterSeconds()));
  fn("x-ratelimit-limit", number(decision.limit));
  fn("x-ratelimit-remaining", number(decision.remaining));
  fn("x-ratelimit-reset", number(decision.resetSeconds()));
}

std::vector<std::pair<std::string, std::string>> rateLimitHeaders(
    const limits::RateLimitDecision& decision) {
  std::vector<std::pair<std::string, std::string>> h;
  h.reserve(4);
  forEachRateLimitHeader(decision, [&](std::string_view name, std::string_view value) {
    h.emplace_back(name, value);
  });
  return h;
}

filter_api::FilterStatus RateLimitFilter::onRequestHeaders(filter_api::FilterContext& ctx,
                                                           bool end_stream) {
  (void)end_stream;
  // One key buffer per worker thread: no allocation once it has grown.
  thread_local std::string key;
  const base::MonoTime now = ctx.clock().monotonicNow();
  metrics::Shard& metrics = ctx.metrics();

  const CompiledPolicy* limited_by = nullptr;
  limits::RateLimitDecision denial;
  const CompiledPolicy* headers_from = nullptr;
  limits::RateLimitDecision headers_decision;
  std::vector<const CompiledPolicy*> shadow_limited_by;

  for (const CompiledPolicy& p : config_.policies()) {
    // Enforced policies come first, most restrictive first: after a denial the others are
    // not charged for a request that will not be served. Shadow policies always count.
    if (limited_by != nullptr && !p.shadow_mode) continue;
    if (!policyApplies(p, ctx)) continue;
    key.clear();
    if (!appendDescriptorKey(p, ctx, key)) {
      metrics.inc(p.metrics.descriptor_missing);
      continue;
    }
    const limits::RateLimitDecision d = p.buckets->tryAcquire(key, now);
    if (d.allowed) {
      metrics.inc(p.metrics.allowed);
      if (!p.shadow_mode && p.response_headers &&
          (headers_from == nullptr || closerToLimit(d, headers_decision))) {
        headers_from = &p;
        headers_decision = d;
      }
    } else if (p.shadow_mode) {
      metrics.inc(p.metrics.shadow_limited);
      shadow_limited_by.push_back(&p);
    } else {
      metrics.inc(p.metrics.limited);
      limited_by = &p;
      denial = d;
    }
  }

  if (limited_by != nullptr || !shadow_limited_by.empty())
    logDecision(ctx, limited_by, shadow_limited_by);
  if (limited_by != nullptr) {
    filter_api::LocalReply reply;
    reply.status = 429;
    reply.body = std::string(kLimitedDetails);
    reply.details = std::string(kLimitedDetails);
    reply.response_flags = kResponseFlagRateLimited;
    reply.headers = rateLimitHeaders(denial);
    ctx.respond(std::move(reply));
    return filter_api::FilterStatus::Respond;
  }
  if (headers_from != nullptr) {
    forEachRateLimitHeader(headers_decision, [&](std::string_view name, std::string_view value) {
      ctx.addResponseHeader(name, value);
    });
  }
  return filter_api::FilterStatus::Continue;
}

}  // namespace meshgate::filters::rate_limit
