// SPDX-License-Identifier: Apache-2.0
#include "proxy/router.h"

#include <cstring>

#include "base/assert.h"
#include "proxy/worker_context.h"

namespace meshgate::proxy {

namespace {
// Request body held while the upstream connection is being set up; past this,
// downstream reads pause (back-pressure instead of buffering the whole body).
constexpr size_t kPendingBodyLimit = 1024 * 1024;

constexpr std::string_view kResetPrefix =
    "upstream connect error or disconnect/reset before headers. reset reason: ";
}  // namespace

Router::Router(WorkerContext& worker, RouterCallbacks& callbacks)
    : worker_(worker),
      callbacks_(callbacks),
      timeout_timer_(worker.loop(), [this] { onTimeout(); }) {}

Router::~Router() {
  cancel();
}

void Router::start(const Request& request) {
  MG_ASSERT(state_ == State::Idle || state_ == State::Done, "Router::start while active");
  request_ = request;
  state_ = State::WaitingForConnection;
  endpoint_ = nullptr;
  pool_ = nullptr;
  conn_ = nullptr;
  pending_body_.clear();
  request_ended_ = false;
  body_paused_ = false;
  response_paused_ = false;
  upstream_service_ms_ = -1;
  started_ = worker_.loop().now();

  const upstream::Cluster& cluster = *request.cluster;
  // max requests breaker (Istio http2MaxRequests applies to HTTP/1.1 too).
  if (!upstream::ClusterCounters::tryAcquire(cluster.counters().active_requests,
                                             cluster.settings().limits.max_requests)) {
    worker_.metrics().inc(cluster.metrics().requests_overflow);
    failBeforeResponse(503, std::string(kResetPrefix) + "overflow", ResponseFlag::UpstreamOverflow,
                       "upstream_reset_before_response_started{overflow}");
    return;
  }
  holds_request_slot_ = true;

  if (cluster.settings().lb == upstream::LbPolicy::Passthrough) {
    if (!request.original_destination) {
      failBeforeResponse(503, "no healthy upstream", ResponseFlag::NoHealthyUpstream,
                         "no_original_destination");
      return;
    }
    passthrough_endpoint_.address = *request.original_destination;
    passthrough_endpoint_.address_text = request.original_destination->toString();
    if (!passthrough_endpoint_.health)
      passthrough_endpoint_.health = std::make_shared<upstream::EndpointHealth>();
    endpoint_ = &passthrough_endpoint_;
    pool_ = &worker_.clusters().passthroughPool(cluster, passthrough_endpoint_);
  } else {
    upstream::LbContext ctx;
    ctx.now = worker_.loop().now();
    ctx.hash = request.hash;
    endpoint_ = worker_.clusters().loadBalancer(cluster).pick(ctx);
    if (!endpoint_) {
      failBeforeResponse(503, "no healthy upstream", ResponseFlag::NoHealthyUpstream,
                         "no_healthy_upstream");
      return;
    }
    pool_ = &worker_.clusters().pool(cluster, *endpoint_);
  }
  endpoint_->health->active_requests.fetch_add(1, std::memory_order_relaxed);
  pool_->newStream(*this, request.head->method());
}

void Router::onPoolReady(upstream::UpstreamConnection& conn) {
  if (state_ != State::WaitingForConnection) return;
  conn_ = &conn;
  state_ = State::Streaming;
  conn.sendHead(*request_.head, request_.body_mode);
  if (!pending_body_.empty()) {
    conn.sendBody(pending_body_.view());
    pending_body_.clear();
    pending_body_.releaseIfEmpty();
  }
  if (request_ended_) conn.endRequest();
  if (body_paused_ && conn_ && !conn_->aboveHighWatermark()) {
    body_paused_ = false;
    callbacks_.onRouterWantsBody();
  }
}

bool Router::sendBody(std::string_view data) {
  if (state_ == State::WaitingForConnection) {
    pending_body_.append(data);
    if (pending_body_.size() >= kPendingBodyLimit) body_paused_ = true;
    return !body_paused_;
  }
  if (!conn_) return true;  // response already complete or failed: drop
  conn_->sendBody(data);
  if (conn_->aboveHighWatermark()) body_paused_ = true;
  return !body_paused_;
}

void Router::endRequest() {
  request_ended_ = true;
  if (conn_) conn_->endRequest();
  if (request_.timeout.count() > 0 &&
      (state_ == State::WaitingForConnection || state_ == State::Streaming ||
       state_ == State::ResponseStarted)) {
    timeout_timer_.arm(request_.timeout);
  }
}

void Router::onUpstreamWriteDrained() {
  if (body_paused_) {
    body_paused_ = false;
    callbacks_.onRouterWantsBody();
  }
}

void Router::onPoolFailure(upstream::ResetReason reason, int err) {
  if (state_ != State::WaitingForConnection) return;
  if (reason == upstream::ResetReason::Overflow) {
    failBeforeResponse(503, std::string(kResetPrefix) + "overflow", ResponseFlag::UpstreamOverflow,
                       "upstream_reset_before_response_started{overflow}");
    return;
  }
  std::string body = std::string(kResetPrefix) + upstream::resetReasonText(reason);
  if (err != 0) body += ", transport failure reason: " + std::string(std::strerror(err));
  failBeforeResponse(503, body, ResponseFlag::UpstreamConnectionFailure,
                     "upstream_reset_before_response_started{connection_failure}");
}

void Router::onResponseHeaders(http::ResponseHead& head, const http1::Framing& framing) {
  if (state_ != State::Streaming) return;
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
  if (reason == upstream::ResetReason::ProtocolError) {
    detail_ = "upstream_reset_before_response_started{protocol_error}";
    if (!detail.empty())
      detail_ =
          "upstream_reset_before_response_started{protocol_error:" + std::string(detail) + "}";
    failBeforeResponse(502, std::string(kResetPrefix) + "protocol error",
                       ResponseFlag::UpstreamProtocolError, detail_);
    return;
  }
  std::string body = std::string(kResetPrefix) + upstream::resetReasonText(reason);
  (void)err;
  failBeforeResponse(503, body, ResponseFlag::UpstreamConnectionTermination,
                     "upstream_reset_before_response_started{connection_termination}");
}

void Router::onTimeout() {
  if (state_ == State::ResponseStarted) {
    if (conn_) conn_->abort();
    conn_ = nullptr;
    finish();
    callbacks_.onRouterAbort(ResponseFlag::UpstreamRequestTimeout, "response_timeout");
    return;
  }
  if (state_ == State::WaitingForConnection) {
    if (pool_) pool_->cancel(*this);
  } else if (conn_) {
    conn_->abort();
    conn_ = nullptr;
  }
  failBeforeResponse(504, "upstream request timeout", ResponseFlag::UpstreamRequestTimeout,
                     "response_timeout");
}

void Router::failBeforeResponse(uint16_t status, std::string_view body, ResponseFlag flag,
                                std::string_view details) {
  // Copy what the callback needs: `body`/`details` may point into our members.
  std::string b(body);
  std::string d(details);
  finish();
  callbacks_.onRouterLocalReply(status, b, flag, d);
}

void Router::releaseEndpoint() {
  // endpoint_ stays set for the access log's upstream_host.
  if (endpoint_) endpoint_->health->active_requests.fetch_sub(1, std::memory_order_relaxed);
  if (holds_request_slot_) {
    upstream::ClusterCounters::release(request_.cluster->counters().active_requests);
    holds_request_slot_ = false;
  }
}

void Router::finish() {
  if (state_ == State::Done || state_ == State::Idle) return;
  state_ = State::Done;
  timeout_timer_.cancel();
  releaseEndpoint();
  pending_body_.clear();
}

void Router::cancel() {
  if (state_ == State::Idle || state_ == State::Done) return;
  if (state_ == State::WaitingForConnection && pool_) pool_->cancel(*this);
  if (conn_) {
    conn_->abort();
    conn_ = nullptr;
  }
  finish();
}

}  // namespace meshgate::proxy
