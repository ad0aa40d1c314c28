// SPDX-License-Identifier: Apache-2.0
// The router: the last element of a request's chain. It picks the endpoint
// (load balancer, health, outlier ejection, circuit breakers), takes a pooled
// upstream connection, streams the request with back-pressure, retries what the
// route's policy allows (within the retry budget, with exponential backoff and
// jitter, never to the same endpoint when another exists), enforces the route
// and per-try timeouts, records outcomes for outlier detection, and turns
// upstream failures into Envoy's 502/503/504 local replies with response flags.
// One per active request; loop thread only. Depends on upstream, limits, proxy/route_table.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/buffer.h"
#include "event/event_loop.h"
#include "http/http1/parser.h"
#include "http/message.h"
#include "limits/backoff.h"
#include "limits/concurrency_limit.h"
#include "proxy/response_flags.h"
#include "proxy/route_table.h"
#include "upstream/outlier.h"
#include "upstream/upstream_connection.h"

namespace meshgate::proxy {

class WorkerContext;

/// How the router talks back to the downstream side.
class RouterCallbacks {
 public:
  virtual ~RouterCallbacks() = default;
  virtual void onUpstreamHeaders(http::ResponseHead& head, const http1::Framing& framing) = 0;
  virtual void onUpstreamData(std::string_view data) = 0;
  virtual void onUpstreamComplete() = 0;
  /// The request failed before any response byte went downstream: answer locally.
  virtual void onRouterLocalReply(uint16_t status, std::string_view body, ResponseFlags flags,
                                  std::string_view details) = 0;
  /// The request failed after the response started: the downstream connection
  /// must be reset (HTTP/1.1 has no other way to say it).
  virtual void onRouterAbort(ResponseFlag flag, std::string_view details) = 0;
  /// The upstream can take request body again (after back-pressure).
  virtual void onRouterWantsBody() = 0;
  /// True when the downstream output buffer is above its high watermark.
  virtual bool downstreamBackedUp() = 0;
};

class Router final : public upstream::UpstreamStreamCallbacks {
 public:
  Router(WorkerContext& worker, RouterCallbacks& callbacks);
  ~Router() override;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  struct Request {
    const upstream::Cluster* cluster = nullptr;
    /// The head to send (already rewritten); must stay valid until the router is done.
    const http::RequestHead* head = nullptr;
    upstream::UpstreamConnection::BodyMode body_mode = upstream::UpstreamConnection::BodyMode::None;
    /// VirtualService timeout (0: none), counted from the end of the request.
    std::chrono::nanoseconds timeout{0};
    /// Consistent-hash key, when the cluster hashes and the request had the input.
    std::optional<uint64_t> hash;
    /// Original destination for PASSTHROUGH clusters.
    std::optional<net::Address> original_destination;
    const RetryPolicy* retry = nullptr;
  };

  /// Starts the upstream exchange. May call back synchronously (e.g. a local reply
  /// when no endpoint is available).
  void start(const Request& request);
  /// Request body bytes from downstream. Returns false when the caller should stop
  /// reading downstream until onRouterWantsBody().
  bool sendBody(std::string_view data);
  /// The downstream request is complete.
  void endRequest();
  /// The downstream output drained: resume reading the upstream response.
  void resumeResponse();
  /// Abandons the exchange (downstream went away, or a filter replied). No callbacks follow.
  void cancel();
  /// True between start() and the end of the exchange.
  bool active() const { return state_ != State::Idle && state_ != State::Done; }

  const upstream::Endpoint* endpoint() const { return endpoint_; }
  /// Time from start() to the upstream response head, or -1 when none came.
  int64_t upstreamServiceTimeMs() const { return upstream_service_ms_; }
  /// Retries attempted for this request.
  uint32_t retries() const { return retries_done_; }
  /// Flags the forwarded response earned (URX when the last attempt was retriable
  /// but no retry was left).
  ResponseFlags responseFlags() const {
    return retry_limit_hit_ ? static_cast<uint32_t>(ResponseFlag::UpstreamRetryLimitExceeded) : 0;
  }

  // upstream::UpstreamStreamCallbacks
  void onPoolReady(upstream::UpstreamConnection& conn) override;
  void onPoolFailure(upstream::ResetReason reason, int err) override;
  void onResponseHeaders(http::ResponseHead& head, const http1::Framing& framing) override;
  void onResponseData(std::string_view data) override;
  void onResponseComplete() override;
  void onUpstreamReset(upstream::ResetReason reason, int err, std::string_view detail) override;
  void onUpstreamWriteDrained() override;

 private:
  enum class State {
    Idle,
    WaitingForConnection,  // an attempt waits for a pooled connection
    Streaming,             // the attempt's request is going out
    BackingOff,            // between attempts
    ResponseStarted,       // the response is being forwarded: no more retries
    Done,
  };
  /// What ended an attempt, for the retry decision.
  enum class Failure { ConnectFailure, Reset, PerTryTimeout, Overflow };

  void startAttempt();
  bool pickEndpoint();
  void sendHeadAndBody();
  /// Retries when the policy, the budget, the body and the route timeout allow;
  /// returns false otherwise (the caller then fails the request).
  bool maybeRetry(uint32_t condition);
  bool retriableStatus(const http::ResponseHead& head) const;
  void failBeforeResponse(uint16_t status, std::string_view body, ResponseFlags flags,
                          std::string_view details);
  void endAttempt();
  void onTimeout();
  void onPerTryTimeout();
  void finish();
  void record(upstream::AttemptOutcome outcome);

  WorkerContext& worker_;
  RouterCallbacks& callbacks_;
  State state_ = State::Idle;
  Request request_;
  const upstream::Endpoint* endpoint_ = nullptr;
  const upstream::Endpoint* previous_endpoint_ = nullptr;
  upstream::Endpoint passthrough_endpoint_;
  upstream::ConnectionPool* pool_ = nullptr;
  upstream::UpstreamConnection* conn_ = nullptr;
  base::Buffer pending_body_;  // body received before a connection was ready
  base::Buffer replay_body_;   // the whole body so far, while it fits, for retries
  bool replayable_ = true;
  bool request_ended_ = false;
  bool body_paused_ = false;      // we told downstream to stop
  bool response_paused_ = false;  // we stopped reading upstream
  bool endpoint_counted_ = false;
  uint32_t retries_done_ = 0;
  bool retry_limit_hit_ = false;
  limits::Permit request_permit_;
  limits::Permit retry_permit_;
  limits::ExponentialBackoff backoff_{limits::BackoffConfig{}};
  base::MonoTime started_;
  base::MonoTime attempt_started_;
  int64_t upstream_service_ms_ = -1;
  event::Timer timeout_timer_;
  event::Timer per_try_timer_;
  event::Timer backoff_timer_;
};

}  // namespace meshgate::proxy
