// SPDX-License-Identifier: Apache-2.0
// The HTTP/1.1 connection manager: one per downstream connection. It feeds bytes
// to the request parser, answers pipelined requests strictly in order, routes
// each request, applies the route's rewrites and header operations, hands the
// request to the router and streams the response back with back-pressure both
// ways. It owns the downstream timeouts, the access log line and the request
// metrics. Loop thread only. Depends on net, http, http1, proxy/*.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "event/event_loop.h"
#include "filter_api/filter.h"
#include "http/http1/parser.h"
#include "net/connection.h"
#include "proxy/response_flags.h"
#include "proxy/router.h"
#include "proxy/snapshot.h"

namespace meshgate::proxy {

class WorkerContext;
class ShadowRequest;
struct Generation;

class ConnectionManager final : public net::ConnectionCallbacks,
                                public event::DeferredDeletable,
                                public RouterCallbacks,
                                public filter_api::FilterContext {
 public:
  /// Takes ownership of the accepted `fd`, which arrived on `listener` of the
  /// worker's current generation. The parser limits are the listener's at accept
  /// time; routes and other settings follow reloads request by request.
  ConnectionManager(WorkerContext& worker, int fd, const ListenerSpec& listener);
  ~ConnectionManager() override;

  void start();
  /// Graceful drain: close now if idle, else after the current response.
  void drain();
  /// Closes at once (shutdown deadline passed).
  void abort();

  // net::ConnectionCallbacks
  void onData(net::Connection& conn, bool eof) override;
  void onWriteDrained(net::Connection& conn) override;
  void onClose(net::Connection& conn, net::CloseReason reason, int err) override;

  // RouterCallbacks
  void onUpstreamHeaders(http::ResponseHead& head, const http1::Framing& framing) override;
  void onUpstreamData(std::string_view data) override;
  void onUpstreamComplete() override;
  void onRouterLocalReply(uint16_t status, std::string_view body, ResponseFlags flags,
                          std::string_view details) override;
  void onRouterAbort(ResponseFlag flag, std::string_view details) override;
  void onRouterWantsBody() override;
  bool downstreamBackedUp() override;

  // filter_api::FilterContext
  http::RequestHead& requestHead() override { return parser_.head(); }
  http::ResponseHead* responseHead() override { return response_head_; }
  const filter_api::StreamInfo& stream() const override { return stream_info_; }
  const filter_api::RequestIdentity* identity() const override {
    return identity_ ? &*identity_ : nullptr;
  }
  void setIdentity(filter_api::RequestIdentity identity) override {
    identity_ = std::move(identity);
  }
  void respond(filter_api::LocalReply reply) override;
  void resume() override;
  void bufferRequestBody(size_t max_bytes) override;
  const base::Buffer& bufferedRequestBody() const override { return buffered_body_; }
  void addResponseFlags(uint32_t flags) override { flags_ |= flags; }
  void addResponseHeader(std::string_view name, std::string_view value) override;
  void addAccessLogField(std::string_view key, std::string_view json_value) override;
  event::EventLoop& loop() override;
  metrics::Shard& metrics() override;
  const base::Clock& clock() const override;
  uint64_t random() override;

 private:
  /// Where the current request is.
  enum class Stage {
    Idle,           // between requests
    ReceivingHead,  // bytes of a head arrived, the head is not complete
    Active,         // head parsed; request and/or response in progress
  };

  void processInput();
  bool handleParseError();
  void onRequestHeaders();
  void onRequestBody(std::string_view data);
  void onRequestComplete();
  void prepareRequest();
  void routeRequest();
  void decodeHeadersFrom(size_t index);
  void routeAction();
  void runBodyFilter(std::string_view data, bool end_stream);
  void replyFromFilter(size_t index);
  void runResponseFilters(http::ResponseHead& head, bool end_stream);
  void completeFilters();
  void forwardRequest(const RouteEntry& route);
  void startMirrors(const RouteEntry& route);
  void finishMirrors(bool send);
  void sendLocalReply(uint16_t status, std::string_view body, ResponseFlags flags,
                      std::string_view details, bool close_connection = false);
  void sendRedirect(const RouteEntry& route);
  void encodeHeaders(http::ResponseHead& head, bool body_expected,
                     const http1::Framing* upstream_framing);
  void encodeData(std::string_view data);
  void encodeEnd();
  void maybeFinish();
  void finishRequest();
  void resetRequestState();
  void logAndCount();
  bool refreshListener();
  static http1::ParserOptions parserOptions(const ListenerSpec& listener);
  void armIdleTimer();
  void onIdleTimer();
  void onHeadersTimer();
  void onStreamIdleTimer();
  void touchStream();

  WorkerContext& worker_;
  net::Connection conn_;
  std::string listener_name_;
  http1::RequestParser parser_;
  Router router_;
  const ListenerSpec* listener_ = nullptr;     // in generation_ (or the last one seen)
  Generation* listener_generation_ = nullptr;  // generation listener_ belongs to
  Stage stage_ = Stage::Idle;
  bool closing_ = false;  // close after the current response
  bool closed_ = false;
  bool draining_ = false;
  bool peer_eof_ = false;
  bool body_paused_ = false;  // downstream reads paused for the upstream
  bool in_process_input_ = false;

  // Per-request state (reset between requests; storage reused).
  const RouteEntry* route_ = nullptr;
  const WeightedDestination* destination_ = nullptr;
  bool request_complete_ = false;
  bool response_started_ = false;
  bool response_complete_ = false;
  bool local_reply_ = false;
  bool head_request_ = false;
  bool downstream_chunked_ = false;  // response body re-framed as chunked
  bool close_delimited_ = false;     // response body ends with the connection
  bool expect_continue_ = false;
  bool client_keep_alive_ = true;
  bool router_started_ = false;
  http::Version request_version_ = http::Version::Http11;
  uint16_t status_ = 0;
  ResponseFlags flags_ = 0;
  std::string details_;
  uint64_t bytes_received_ = 0;
  uint64_t bytes_sent_ = 0;
  base::MonoTime start_mono_;
  base::SystemTime start_system_;
  std::string original_path_;
  std::string normalized_path_;
  std::string request_id_;
  std::string authority_;
  std::string xff_;
  /// The trusted client address of the current request (StreamInfo::client).
  net::Address client_;
  std::string user_agent_;
  http::ResponseHead local_head_;

  // Filter chain state of the current request.
  std::vector<std::unique_ptr<filter_api::Filter>> filters_;
  filter_api::StreamInfo stream_info_;
  std::optional<filter_api::RequestIdentity> identity_;
  std::optional<filter_api::LocalReply> pending_reply_;
  std::vector<std::pair<std::string, std::string>> extra_response_headers_;
  std::string extra_log_fields_;
  http::ResponseHead* response_head_ = nullptr;
  base::Buffer buffered_body_;      // held for a filter that decides on the body
  base::Buffer overflow_body_;      // read past the filter's limit, forwarded after it continues
  size_t decode_index_ = 0;         // the filter the request phase stopped at
  size_t encode_limit_ = SIZE_MAX;  // response phases run on filters [0, limit)
  size_t buffer_body_limit_ = 0;
  bool filter_waiting_ = false;
  bool filter_paused_reading_ = false;
  bool chain_passed_ = false;
  bool resume_requested_ = false;
  bool in_filter_call_ = false;
  bool buffer_body_requested_ = false;
  std::vector<ShadowRequest*> shadows_;  // mirrors waiting for the body

  std::string peer_text_;
  std::string local_text_;
  event::Timer idle_timer_;
  bool idle_memory_released_ = false;
  event::Timer headers_timer_;
  event::Timer stream_idle_timer_;
};

}  // namespace meshgate::proxy
