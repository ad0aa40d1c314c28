// SPDX-License-Identifier: Apache-2.0
// A mirrored (shadow) copy of a request, sent fire-and-forget to a mirror
// destination (VirtualService mirror/mirrors): its response is read and
// discarded, and nothing about it can slow down or fail the original request.
// Owns itself; ends by deferred deletion. Loop thread only. Depends on upstream.
#pragma once

#include <string_view>

#include "base/buffer.h"
#include "event/event_loop.h"
#include "http/message.h"
#include "limits/concurrency_limit.h"
#include "upstream/cluster.h"
#include "upstream/upstream_connection.h"

namespace meshgate::proxy {

class WorkerContext;
struct Generation;

class ShadowRequest final : public upstream::UpstreamStreamCallbacks,
                            public event::DeferredDeletable {
 public:
  /// Copies `head` (the request as forwarded), appends "-shadow" to its Host as
  /// Envoy does, and starts it once the body is complete. Returns null when the
  /// mirror cannot be sent (no endpoint, circuit breaker). `generation` is held
  /// until the shadow ends.
  static ShadowRequest* create(WorkerContext& worker, Generation* generation,
                               const upstream::Cluster& cluster, const http::RequestHead& head,
                               bool has_body);

  /// Body bytes of the original request. Over the mirror limit the shadow is
  /// dropped at send() (the original is unaffected).
  void addBody(std::string_view data);
  /// The original request is complete: send the shadow. The caller must not use
  /// the pointer afterwards (the shadow deletes itself when done).
  void send();
  /// The original request was abandoned: drop the shadow. Same rule as send().
  void abandon();

  // upstream::UpstreamStreamCallbacks
  void onPoolReady(upstream::UpstreamConnection& conn) override;
  void onPoolFailure(upstream::ResetReason reason, int err) override;
  void onResponseHeaders(http::ResponseHead& head, const http1::Framing& framing) override;
  void onResponseData(std::string_view data) override;
  void onResponseComplete() override;
  void onUpstreamReset(upstream::ResetReason reason, int err, std::string_view detail) override;

  ~ShadowRequest() override;

 private:
  ShadowRequest(WorkerContext& worker, Generation* generation);
  void done();

  WorkerContext& worker_;
  Generation* generation_;
  http::RequestHead head_;
  base::Buffer body_;
  upstream::UpstreamConnection::BodyMode body_mode_ = upstream::UpstreamConnection::BodyMode::None;
  upstream::ConnectionPool* pool_ = nullptr;
  upstream::UpstreamConnection* conn_ = nullptr;
  limits::Permit permit_;
  event::Timer timeout_;
  bool sent_ = false;
  bool finished_ = false;
  bool too_large_ = false;
};

}  // namespace meshgate::proxy
