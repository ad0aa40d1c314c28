// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/jwt_authn_filter.h"

#include <span>

#include "base/json_writer.h"
#include "filters/jwt_authn/claims_view.h"
#include "jwt/claims.h"

namespace meshgate::filters::jwt_authn {

using filter_api::FilterStatus;
using jwt::JwtStatus;

namespace {

void count(filter_api::FilterContext& ctx, metrics::SeriesId id, uint64_t n = 1) {
  if (id.valid() && n != 0) ctx.metrics().inc(id, n);
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  base::appendJsonEscaped(out, s);
  out += '"';
  return out;
}

// Envoy's CORS preflight test (bypass_cors_preflight, which Istio sets): the preflight
// carries no credentials, so the filter does not look at it.
bool isCorsPreflight(const http::RequestHead& head) {
  if (head.method() != http::Method::Options) return false;
  auto origin = head.headers().get("origin");
  auto method = head.headers().get("access-control-request-method");
  return origin && !origin->empty() && method && !method->empty();
}

// Envoy's realm: the original URI, <x-forwarded-proto>://<host><path>.
std::string requestUri(const http::RequestHead& head) {
  auto proto = head.headers().get(http::HeaderId::XForwardedProto);
  std::string uri(proto && !proto->empty() ? *proto : "http");
  uri += "://";
  uri += head.authority();
  uri += head.path();
  if (head.hasQuery()) {
    uri += '?';
    uri += head.query();
  }
  return uri;
}

// Envoy's response code details: jwt_authn_access_denied{<message, spaces as _>}.
std::string details(JwtStatus status) {
  std::string d = "jwt_authn_access_denied{";
  for (char c : jwt::statusMessage(status))
    d += c == ' ' ? '_' : c;
  d += '}';
  return d;
}

}  // namespace

JwtAuthnFilter::JwtAuthnFilter(std::shared_ptr<const FilterConfig> config)
    : config_(std::move(config)) {}

JwtAuthnFilter::~JwtAuthnFilter() {
  cancelWait();
}

FilterStatus JwtAuthnFilter::onRequestHeaders(filter_api::FilterContext& ctx, bool) {
  const AuthnPolicy& policy = config_->policy;
  http::RequestHead& head = ctx.requestHead();
  for (const std::string& h : policy.sanitize_headers)
    head.headers().remove(h);
  if (isCorsPreflight(head)) {
    count(ctx, config_->metrics.cors_bypassed);
    return FilterStatus::Continue;
  }
  policy.locations.extract(head, policy.all_locations, tokens_);
  if (tokens_.empty()) {
    // Istio: no token, no identity; authorization decides.
    count(ctx, config_->metrics.missing);
    ctx.addAccessLogField("jwt_status", "\"JwtMissed\"");
    return FilterStatus::Continue;
  }
  return decide(ctx);
}

FilterStatus JwtAuthnFilter::decide(filter_api::FilterContext& ctx) {
  const AuthnPolicy& policy = config_->policy;
  // Each pass either finishes or waits; a pass repeats only when a rule's first fetch settled
  // between the check and the registration, which happens at most once per rule.
  for (size_t pass = 0; pass <= policy.rules.size(); ++pass) {
    Authenticator authenticator(policy,
                                std::span<const ExtractedToken>(tokens_.data(), tokens_.size()),
                                ctx.clock().systemNow());
    AuthnOutcome out = authenticator.run();
    count(ctx, config_->metrics.cache_hits, out.cache_hits);
    count(ctx, config_->metrics.cache_misses, out.cache_misses);
    if (out.waiting_for_rule) {
      const CompiledRule& rule = *policy.rules[*out.waiting_for_rule];
      auto handle = std::make_shared<WaitHandle>();
      handle->filter = this;
      const bool waiting = rule.keys->notifyWhenSettled(ctx.loop(), [handle] {
        if (handle->filter != nullptr) handle->filter->onKeysSettled();
      });
      if (!waiting) continue;
      wait_ = std::move(handle);
      waiting_ctx_ = &ctx;
      if (!counted_wait_) {
        counted_wait_ = true;
        count(ctx, config_->metrics.waits);
      }
      return FilterStatus::Wait;
    }
    if (out.status == JwtStatus::Ok) {
      allow(ctx, authenticator, out);
      return FilterStatus::Continue;
    }
    deny(ctx, out.status);
    return FilterStatus::Respond;
  }
  deny(ctx, JwtStatus::JwksFetchFail);
  return FilterStatus::Respond;
}

void JwtAuthnFilter::onKeysSettled() {
  filter_api::FilterContext* ctx = waiting_ctx_;
  wait_.reset();
  waiting_ctx_ = nullptr;
  if (ctx == nullptr) return;
  // Continue or Respond (the reply is set): either way the chain goes on from here.
  if (decide(*ctx) != FilterStatus::Wait) ctx->resume();
}

void JwtAuthnFilter::allow(filter_api::FilterContext& ctx, Authenticator& authenticator,
                           const AuthnOutcome& outcome) {
  const AuthnPolicy& policy = config_->policy;
  http::RequestHead& head = ctx.requestHead();
  // The request principal comes from the first rule, in issuer order, with a good token
  // (Istio's authn origins), and the first such token found.
  const GoodToken* principal = nullptr;
  for (const GoodToken& g : outcome.good) {
    if (principal == nullptr || g.rule < principal->rule ||
        (g.rule == principal->rule && g.token < principal->token)) {
      principal = &g;
    }
  }
  if (principal == nullptr) {
    // Tokens were present but none was checked (they were at no rule's location for this
    // requirement): as with no token.
    count(ctx, config_->metrics.missing);
    ctx.addAccessLogField("jwt_status", "\"JwtMissed\"");
    return;
  }
  std::shared_ptr<const jwt::Jwt> identity_jwt = authenticator.jwtOf(principal->token);

  // Envoy's handleGoodJwt for every token that verified: outputs, then the token's removal.
  LocationMask removed = 0;
  for (const GoodToken& g : outcome.good) {
    const CompiledRule& rule = *policy.rules[g.rule];
    const std::shared_ptr<const jwt::Jwt>& jwt = authenticator.jwtOf(g.token);
    if (!jwt) continue;
    if (!rule.output_payload_to_header.empty()) {
      head.headers().add(rule.output_payload_to_header, jwt->payloadBase64Url());
    }
    for (const ClaimHeader& c : rule.output_claim_to_headers) {
      if (auto v = jwt->claims().findDotted(c.claim)) {
        if (auto text = jwt::claimHeaderValue(*v)) head.headers().add(c.header, *text);
      }
    }
    const uint16_t loc = tokens_[g.token].location;
    const LocationMask bit = LocationMask{1} << loc;
    if (!rule.forward_original_token && (removed & bit) == 0) {
      removed |= bit;
      removeTokenAt(policy.locations.at(loc), head);
    }
  }

  filter_api::RequestIdentity id;
  id.request_principal = identity_jwt->principal();
  id.audiences = identity_jwt->audiences();
  id.presenter = std::string(identity_jwt->presenter());
  id.token = std::string(identity_jwt->token());
  id.claims = std::make_shared<JwtClaimsView>(identity_jwt);
  ctx.addAccessLogField("jwt_status", "\"Ok\"");
  ctx.addAccessLogField("request_principal", jsonString(id.request_principal));
  ctx.setIdentity(std::move(id));
  count(ctx, config_->metrics.allowed);
}

void JwtAuthnFilter::deny(filter_api::FilterContext& ctx, JwtStatus status) {
  filter_api::LocalReply reply;
  reply.status = static_cast<uint16_t>(jwt::httpStatusFor(status));
  reply.body = std::string(jwt::statusMessage(status));
  reply.headers.emplace_back("www-authenticate",
                             jwt::bearerChallenge(requestUri(ctx.requestHead()), status));
  reply.details = details(status);
  ctx.addAccessLogField("jwt_status", jsonString(jwt::statusName(status)));
  count(ctx, config_->metrics.denied[static_cast<size_t>(status)]);
  ctx.respond(std::move(reply));
}

void JwtAuthnFilter::onComplete(filter_api::FilterContext&) {
  cancelWait();
}

void JwtAuthnFilter::cancelWait() {
  if (wait_) wait_->filter = nullptr;
  wait_.reset();
  waiting_ctx_ = nullptr;
}

}  // namespace meshgate::filters::jwt_authn
