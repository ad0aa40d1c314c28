// SPDX-License-Identifier: Apache-2.0
#include "proxy/router.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"
#include "base/strings.h"
#include "proxy/worker_context.h"

namespace meshgate::proxy {

namespace {
// Request body held while the upstream connection is being set up; past this,
// downstream reads pause (back-pressure instead of buffering the whole body).
constexpr size_t kPendingBodyLimit = 1024 * 1024;
// Bodies up to this size are kept for replay on retry (Envoy's default buffer
// limit); a longer body makes the request non-retriable.
constexpr size_t kReplayLimit = 1024 * 1024;

constexpr std::string_view kResetPrefix =
    "upstream connect error or disconnect/reset before headers. ";

constexpr uint32_t kOnConnectFailure = RetryPolicy::k5xx | RetryPolicy::kGatewayError |
                                       RetryPolicy::kReset | RetryPolicy::kConnectFailure;
constexpr uint32_t kOnReset = RetryPolicy::k5xx | RetryPolicy::kGatewayError | RetryPolicy::kReset;

}  // namespace

Router::Router(WorkerContext& worker, RouterCallbacks& callbacks)
    : worker_(worker),
      callbacks_(callbacks),
      timeout_timer_(worker.loop(), [this] { onTimeout(); }),
      per_try_timer_(worker.loop(), [this] { onPerTryTimeout(); }),
      backoff_timer_(worker.loop(), [this] { startAttempt(); }) {}

Router::~Router() {
  cancel();
}

void Router::start(const Request& request) {
  MG_ASSERT(!active(), "Router::start while active");
  request_ = request;
  endpoint_ = nullptr;
  previous_endpoint_ = nullptr;
  pool_ = nullptr;
  conn_ = nullptr;
  pending_body_.clear();
  replay_body_.clear();
  replayable_ = true;
  request_ended_ = false;
  body_paused_ = false;
  response_paused_ = false;
  retries_done_ = 0;
  retry_limit_hit_ = false;
  upstream_service_ms_ = -1;
  started_ = worker_.loop().now();
  limits::BackoffConfig backoff;
  if (request.retry) backoff.base_interval = request.retry->backoff_base;
  backoff_ = limits::ExponentialBackoff(backoff);

  const upstream::Cluster& cluster = *request.cluster;
  state_ = State::WaitingForConnection;
  // max requests breaker (Istio http2MaxRequests applies to HTTP/1.1 too).
  request_permit_ = cluster.breaker().tryStartRequest();
  if (!request_permit_) {
    worker_.metrics().inc(cluster.metrics().requests_overflow);
    failBeforeResponse(503, std::string(kResetPrefix) + "reset reason: overflow",
                       static_cast<uint32_t>(ResponseFlag::UpstreamOverflow),
                       "upstream_reset_before_response_started{overflow}");
    return;
  }
  startAttempt();
}

bool Router::pickEndpoint() {
  const upstream::Cluster& cluster = *request_.cluster;
  if (cluster.settings().lb == upstream::LbPolicy::Passthrough) {
    if (!request_.original_destination) {
      failBeforeResponse(503, "no healthy upstream",
                         static_cast<uint32_t>(ResponseFlag::NoHealthyUpstream),
                         "no_original_destination");
      return false;
    }
    passthrough_endpoint_.address = *request_.original_destination;
    passthrough_endpoint_.address_text = request_.original_destination->toString();
    if (!passthrough_endpoint_.health)
      passthrough_endpoint_.health = std::make_shared<upstream::EndpointHealth>();
    endpoint_ = &passthrough_endpoint_;
    pool_ = &worker_.clusters().passthroughPool(cluster, passthrough_endpoint_);
    return true;
  }
  upstream::LbContext ctx;
  ctx.now = worker_.loop().now();
  ctx.hash = request_.hash;
  // Istio's previous_hosts retry predicate: a retry goes elsewhere when it can.
  ctx.avoid = previous_endpoint_;
  endpoint_ = worker_.clusters().loadBalancer(cluster).pick(ctx);
  if (!endpoint_) {
    failBeforeResponse(503, "no healthy upstream",
                       static_cast<uint32_t>(ResponseFlag::NoHealthyUpstream),
                       "no_healthy_upstream");
    return false;
  }
  pool_ = &worker_.clusters().pool(cluster, *endpoint_);
  return true;
}

void Router::startAttempt() {
  state_ = State::WaitingForConnection;
  attempt_started_ = worker_.loop().updateTime();
  if (!pickEndpoint()) return;
  endpoint_->health->active_requests.fetch_add(1, std::memory_order_relaxed);
  endpoint_counted_ = true;
  pool_->newStream(*this, request_.head->method());
}

void Router::onPoolReady(upstream::UpstreamConnection& conn) {
  if (state_ != State::WaitingForConnection) return;
  conn_ = &conn;
  state_ = State::Streaming;
  sendHeadAndBody();
}

void Router::sendHeadAndBody() {
  conn_->sendHead(*request_.head, request_.body_mode);
  base::Buffer& body = retries_done_ > 0 ? replay_body_ : pending_body_;
  if (!body.empty()) conn_->sendBody(body.view());
  pending_body_.clear();
  pending_body_.releaseIfEmpty();
  if (request_ended_) {
    conn_->endRequest();
    if (request_.retry && request_.retry->per_try_timeout)
      per_try_timer_.arm(*request_.retry->per_try_timeout);
  }
  if (body_paused_ && conn_ && !conn_->aboveHighWatermark()) {
    body_paused_ = false;
    callbacks_.onRouterWantsBody();
  }
}

bool Router::sendBody(std::string_view data) {
  if (replayable_ && request_.retry && request_.retry->num_retries > 0) {
    if (replay_body_.size() + data.size() <= kReplayLimit) {
      replay_body_.append(data);
    } else {
      replayable_ = false;
      replay_body_.clear();
      replay_body_.releaseIfEmpty();
    }
  } else if (request_.retry && request_.retry->num_retries > 0) {
    replayable_ = false;
  }
  if (state_ == State::WaitingForConnection || state_ == State::BackingOff) {
    if (retries_done_ == 0) {
      pending_body_.append(data);
      if (pending_body_.size() >= kPendingBodyLimit) body_paused_ = true;
    } else if (!replayable_) {
      // A retry of a body that no longer fits cannot be completed.
      body_paused_ = true;
    }
    return !body_paused_;
  }
  if (!conn_) return true;  // response already complete or failed: drop
  conn_->sendBody(data);
  if (conn_->aboveHighWatermark()) body_paused_ = true;
  return !body_paused_;
}

void Router::endRequest() {
  request_ended_ = true;
  if (conn_ && state_ == State::Streaming) {
    conn_->endRequest();
    if (request_.retry && request_.retry->per_try_timeout)
      per_try_timer_.arm(*request_.retry->per_try_timeout);
  }
  if (request_.timeout.count() > 0 && active()) timeout_timer_.arm(request_.timeout);
}

void Router::onUpstreamWriteDrained() {
  if (body_paused_) {
    body_paused_ = false;
    callbacks_.onRouterWantsBody();
  }
}

void Router::record(upstream::AttemptOutcome outcome) {
  if (endpoint_ && endpoint_ != &passthrough_endpoint_) {
    upstream::recordOutcome(*request_.cluster, *endpoint_, outcome, worker_.loop().now(),
                            worker_.metrics());
  }
}

void Router::onPoolFailure(upstream::ResetReason reason, int err) {
  if (state_ != State::WaitingForConnection) return;
  if (reason == upstream::ResetReason::Overflow) {
    failBeforeResponse(503, std::string(kResetPrefix) + "reset reason: overflow",
                       static_cast<uint32_t>(ResponseFlag::UpstreamOverflow),
                       "upstream_reset_before_response_started{overflow}");
    return;
  }
  record(upstream::AttemptOutcome::LocalOriginFailure);
  if (maybeRetry(kOnConnectFailure)) return;
  std::string body = std::string(kResetPrefix) + (retries_done_ ? "retried and the latest " : "") +
                     "reset reason: " + upstream::resetReasonText(reason);
  if (err != 0) body += ", transport failure reason: " + std::string(std::strerror(err));
  failBeforeResponse(503, body, static_cast<uint32_t>(ResponseFlag::UpstreamConnectionFailure),
                     "upstream_reset_before_response_started{connection_failure}");
}

bool Router::retriableStatus(const http::ResponseHead& head) const {
  const RetryPolicy* p = request_.retry;
  if (!p) return false;
  const uint16_t status = head.status();
  if ((p->on & RetryPolicy::k5xx) && status >= 500) return true;
  if ((p->on & RetryPolicy::kGatewayError) && (status == 502 || status == 503 || status == 504))
    return true;
  if ((p->on & RetryPolicy::kRetriable4xx) && status == 409) return true;
  if ((p->on & RetryPolicy::kRetriableStatusCodes) &&
      std::find(p->retriable_status_codes.begin(), p->retriable_status_codes.end(), status) !=
          p->retriable_status_codes.end()) {
    return true;
  }
  if (p->on & RetryPolicy::kRetriableHeaders) {
    bool found = false;
    request_.head->headers().forEachValue("x-envoy-retriable-header-names",
                                          [&](std::string_view names) {
                                            for (std::string_view n : base::split(names, ',')) {
                                              n = base::trim(n);
                                              if (!n.empty() && head.headers().has(n)) found = true;
                                            }
                                          });
    if (found) return true;
  }
  return false;
}

void Router::onResponseHeaders(http::ResponseHead& head, const http1::Framing& framing) {
  if (state_ != State::Streaming) return;
  per_try_timer_.cancel();
  record(upstream::outcomeForStatus(head.status()));
  if (retriableStatus(head)) {
    uint32_t condition = RetryPolicy::kRetriableStatusCodes | RetryPolicy::kRetriable4xx |
                         RetryPolicy::kRetriableHeaders;
    if (head.status() >= 500) condition |= RetryPolicy::k5xx;
    if (head.status() == 502 || head.status() == 503 || head.status() == 504)
      condition |= RetryPolicy::kGatewayError;
    if (maybeRetry(condition)) return;
  }
  state_ = State::ResponseStarted;
  upstream_service_ms_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(worker_.loop().updateTime() - started_)
          .count();
  callbacks_.onUpstreamHeaders(head, framing);
}

void Router::onResponseData(std::string_view data) {
  if (state_ != State::ResponseStarted) return;
  callbacks_.onUpstreamData(data);
  if (conn_ && !response_paused_ && callbacks_.downstreamBackedUp()) {
    response_paused_ = true;
    conn_->readDisable(true);
  }
}

void Router::resumeResponse() {
  if (response_paused_ && conn_) {
    response_paused_ = false;
    conn_->readDisable(false);
  }
}

void Router::onResponseComplete() {
  if (state_ != State::ResponseStarted) return;
  // The connection went back to its pool (or closed) before this call.
  conn_ = nullptr;
  response_paused_ = false;
  finish();
  callbacks_.onUpstreamComplete();
}

void Router::onUpstreamReset(upstream::ResetReason reason, int err, std::string_view detail) {
  conn_ = nullptr;
  response_paused_ = false;
  if (state_ == State::ResponseStarted) {
    finish();
    callbacks_.onRouterAbort(ResponseFlag::UpstreamConnectionTermination,
                             "upstream_reset_after_response_started");
    return;
  }
  if (state_ != State::Streaming) return;
  per_try_timer_.cancel();
  record(upstream::AttemptOutcome::LocalOriginFailure);
  if (maybeRetry(kOnReset)) return;
  (void)err;
  if (reason == upstream::ResetReason::ProtocolError) {
    std::string details = "upstream_reset_before_response_started{protocol_error";
    if (!detail.empty()) details += ":" + std::string(detail);
    details += "}";
    failBeforeResponse(502, std::string(kResetPrefix) + "reset reason: protocol error",
                       static_cast<uint32_t>(ResponseFlag::UpstreamProtocolError), details);
    return;
  }
  failBeforeResponse(503,
                     std::string(kResetPrefix) + (retries_done_ ? "retried and the latest " : "") +
                         "reset reason: " + upstream::resetReasonText(reason),
                     static_cast<uint32_t>(ResponseFlag::UpstreamConnectionTermination),
                     "upstream_reset_before_response_started{connection_termination}");
}

void Router::onPerTryTimeout() {
  if (state_ != State::Streaming) return;
  if (conn_) {
    conn_->abort();
    conn_ = nullptr;
  }
  record(upstream::AttemptOutcome::LocalOriginFailure);
  if (maybeRetry(kOnReset)) return;
  failBeforeResponse(504, "upstream request timeout",
                     static_cast<uint32_t>(ResponseFlag::UpstreamRequestTimeout),
                     "upstream_per_try_timeout");
}

bool Router::maybeRetry(uint32_t condition) {
  const RetryPolicy* p = request_.retry;
  if (!p || !(p->on & condition)) return false;
  if (retries_done_ >= p->num_retries) {
    retry_limit_hit_ = retries_done_ > 0;
    return false;
  }
  if (!replayable_) return false;
  if (!http::isIdempotentMethod(request_.head->method()) && !p->retry_non_idempotent) return false;
  const upstream::Cluster& cluster = *request_.cluster;
  limits::Permit permit = cluster.breaker().tryStartRetry();
  if (!permit) {
    worker_.metrics().inc(cluster.metrics().retries_overflow);
    worker_.metrics().inc(cluster.metrics().retry_budget_exhausted);
    return false;
  }
  retry_permit_ = std::move(permit);
  worker_.metrics().inc(cluster.metrics().requests_retried);
  endAttempt();
  previous_endpoint_ = endpoint_;
  ++retries_done_;
  state_ = State::BackingOff;
  limits::SplitMix64 random(worker_.rng()());
  backoff_timer_.arm(backoff_.next(random));
  return true;
}

void Router::endAttempt() {
  per_try_timer_.cancel();
  if (state_ == State::WaitingForConnection && pool_) pool_->cancel(*this);
  if (conn_) {
    conn_->abort();
    conn_ = nullptr;
  }
  if (endpoint_counted_ && endpoint_) {
    endpoint_->health->active_requests.fetch_sub(1, std::memory_order_relaxed);
    endpoint_counted_ = false;
  }
}

void Router::onTimeout() {
  if (state_ == State::ResponseStarted) {
    if (conn_) conn_->abort();
    conn_ = nullptr;
    finish();
    callbacks_.onRouterAbort(ResponseFlag::UpstreamRequestTimeout, "response_timeout");
    return;
  }
  failBeforeResponse(504, "upstream request timeout",
                     static_cast<uint32_t>(ResponseFlag::UpstreamRequestTimeout),
                     "response_timeout");
}

void Router::failBeforeResponse(uint16_t status, std::string_view body, ResponseFlags flags,
                                std::string_view details) {
  // Copy what the callback needs: `body`/`details` may point into our members.
  std::string b(body);
  std::string d(details);
  if (retry_limit_hit_) flags |= static_cast<uint32_t>(ResponseFlag::UpstreamRetryLimitExceeded);
  finish();
  callbacks_.onRouterLocalReply(status, b, flags, d);
}

void Router::finish() {
  if (state_ == State::Done || state_ == State::Idle) return;
  endAttempt();
  state_ = State::Done;
  timeout_timer_.cancel();
  backoff_timer_.cancel();
  request_permit_.release();
  retry_permit_.release();
  pending_body_.clear();
  replay_body_.clear();
  replay_body_.releaseIfEmpty();
}

void Router::cancel() {
  if (state_ == State::Idle || state_ == State::Done) return;
  finish();
}

}  // namespace meshgate::proxy
