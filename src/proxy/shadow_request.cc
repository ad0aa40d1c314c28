// SPDX-License-Identifier: Apache-2.0
#include "proxy/shadow_request.h"

#include "proxy/worker_context.h"

namespace meshgate::proxy {

namespace {
// Mirrors carry bodies up to this size; larger requests are not mirrored
// (Envoy also buffers the shadowed body within its buffer limit).
constexpr size_t kMirrorBodyLimit = 64 * 1024;
// A shadow never lives longer than this, whatever the mirror does.
constexpr auto kShadowTimeout = std::chrono::seconds(30);
}  // namespace

ShadowRequest* ShadowRequest::create(WorkerContext& worker, Generation* generation,
                                     const upstream::Cluster& cluster,
                                     const http::RequestHead& head, bool has_body) {
  limits::Permit permit = cluster.breaker().tryStartRequest();
  if (!permit) return nullptr;
  upstream::LbContext ctx;
  ctx.now = worker.loop().now();
  const upstream::Endpoint* endpoint = worker.clusters().loadBalancer(cluster).pick(ctx);
  if (!endpoint) return nullptr;
  auto* shadow = new ShadowRequest(worker, generation);
  shadow->permit_ = std::move(permit);
  shadow->head_ = head;
  http::HeaderMap& h = shadow->head_.headers();
  if (auto host = h.get(http::HeaderId::Host)) {
    std::string shadowed(*host);
    // "-shadow" goes after the host name, before any port (Envoy).
    auto colon = shadowed.rfind(':');
    if (colon != std::string::npos && shadowed.find(']') == std::string::npos) {
      shadowed.insert(colon, "-shadow");
    } else {
      shadowed += "-shadow";
    }
    h.set(http::HeaderId::Host, shadowed);
  }
  if (has_body) {
    // The body is sent whole, so it goes with a Content-Length.
    h.remove(http::HeaderId::TransferEncoding);
    shadow->body_mode_ = upstream::UpstreamConnection::BodyMode::ContentLength;
  }
  shadow->pool_ = &worker.clusters().pool(cluster, *endpoint);
  return shadow;
}

ShadowRequest::ShadowRequest(WorkerContext& worker, Generation* generation)
    : worker_(worker), generation_(generation), timeout_(worker.loop(), [this] {
        if (conn_) conn_->abort();
        conn_ = nullptr;
        if (!sent_ && pool_) pool_->cancel(*this);
        done();
      }) {
  worker_.acquire(generation_);
}

ShadowRequest::~ShadowRequest() {
  worker_.release(generation_);
}

void ShadowRequest::addBody(std::string_view data) {
  if (too_large_) return;
  if (body_.size() + data.size() > kMirrorBodyLimit) {
    // Too big to mirror; the caller still owns us until send() or abandon().
    too_large_ = true;
    body_.clear();
    body_.releaseIfEmpty();
    return;
  }
  body_.append(data);
}

void ShadowRequest::send() {
  if (finished_ || sent_) return;
  if (too_large_) {
    done();
    return;
  }
  sent_ = true;
  if (body_mode_ == upstream::UpstreamConnection::BodyMode::ContentLength) {
    head_.headers().set(http::HeaderId::ContentLength, std::to_string(body_.size()));
  }
  timeout_.arm(kShadowTimeout);
  pool_->newStream(*this, head_.method());
}

void ShadowRequest::abandon() {
  if (sent_) return;
  done();
}

void ShadowRequest::onPoolReady(upstream::UpstreamConnection& conn) {
  conn_ = &conn;
  conn.sendHead(head_, body_mode_);
  if (!body_.empty()) conn.sendBody(body_.view());
  conn.endRequest();
}

void ShadowRequest::onPoolFailure(upstream::ResetReason, int) {
  done();
}
void ShadowRequest::onResponseHeaders(http::ResponseHead&, const http1::Framing&) {}
void ShadowRequest::onResponseData(std::string_view) {}
void ShadowRequest::onResponseComplete() {
  conn_ = nullptr;
  done();
}
void ShadowRequest::onUpstreamReset(upstream::ResetReason, int, std::string_view) {
  conn_ = nullptr;
  done();
}

void ShadowRequest::done() {
  if (finished_) return;
  finished_ = true;
  timeout_.cancel();
  permit_.release();
  worker_.loop().deferDelete(std::unique_ptr<event::DeferredDeletable>(this));
}

}  // namespace meshgate::proxy
