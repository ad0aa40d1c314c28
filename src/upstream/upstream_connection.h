// SPDX-License-Identifier: Apache-2.0
// One pooled HTTP/1.1 connection to an upstream endpoint: serializes one request
// at a time and parses its response, then goes back to its pool when both sides
// finished cleanly and the response allows keep-alive. Depends on base, event,
// net, http, http1.
#pragma once

#include <cstdint>
#include <string_view>

#include "event/event_loop.h"
#include "http/http1/parser.h"
#include "http/message.h"
#include "limits/concurrency_limit.h"
#include "net/connection.h"

namespace meshgate::upstream {

class ConnectionPool;
class UpstreamConnection;

/// Why an upstream stream ended without a complete response.
enum class ResetReason {
  ConnectFailure,  // connect refused, unreachable, or timed out
  ConnectTimeout,  // the connect timeout fired
  Overflow,        // a circuit breaker refused the request
  RemoteClose,     // the upstream closed or reset mid-exchange
  ProtocolError,   // the upstream's response was malformed
  LocalReset,      // we gave up (timeout, downstream went away)
};

const char* resetReasonText(ResetReason reason);

/// The router's side of one exchange. Called on the worker's loop.
class UpstreamStreamCallbacks {
 public:
  virtual ~UpstreamStreamCallbacks() = default;
  /// The pool assigned `conn`; start writing the request.
  virtual void onPoolReady(UpstreamConnection& conn) = 0;
  /// No connection: the request never reached the upstream.
  virtual void onPoolFailure(ResetReason reason, int err) = 0;
  virtual void onResponseHeaders(http::ResponseHead& head, const http1::Framing& framing) = 0;
  virtual void onResponseData(std::string_view data) = 0;
  virtual void onResponseComplete() = 0;
  /// The exchange failed after onPoolReady; the connection is gone.
  virtual void onUpstreamReset(ResetReason reason, int err, std::string_view detail) = 0;
  /// The upstream's output buffer drained: request body may flow again.
  virtual void onUpstreamWriteDrained() {}
};

class UpstreamConnection final : public net::ConnectionCallbacks, public event::DeferredDeletable {
 public:
  UpstreamConnection(event::EventLoop& loop, int fd, ConnectionPool& pool);
  ~UpstreamConnection() override;

  /// How the request body is framed on this connection.
  enum class BodyMode { None, ContentLength, Chunked };

  /// Writes the request head. Call once per exchange, after onPoolReady.
  void sendHead(const http::RequestHead& head, BodyMode mode);
  /// Writes request body bytes.
  void sendBody(std::string_view data);
  /// Ends the request (the last chunk for chunked bodies).
  void endRequest();
  /// Abandons the exchange: closes the connection (it is not reused) and detaches
  /// the stream without calling it back.
  void abort();
  bool aboveHighWatermark() const { return conn_.aboveHighWatermark(); }
  /// Stops/resumes reading the response (downstream back-pressure).
  void readDisable(bool disable) { conn_.readDisable(disable); }

  net::Connection& connection() { return conn_; }
  uint32_t requestsServed() const { return requests_; }

  // net::ConnectionCallbacks
  void onData(net::Connection& conn, bool eof) override;
  void onConnected(net::Connection& conn) override;
  void onWriteDrained(net::Connection& conn) override;
  void onClose(net::Connection& conn, net::CloseReason reason, int err) override;

 private:
  friend class ConnectionPool;
  enum class State { Connecting, Idle, Busy, Closed };

  void attach(UpstreamStreamCallbacks* stream, http::Method method);
  void processResponse(bool eof);
  /// Detaches the stream; back to the pool when `reusable`, closed otherwise.
  void finishExchange(bool reusable);
  void fail(ResetReason reason, int err, std::string_view detail);

  event::EventLoop& loop_;
  ConnectionPool& pool_;
  net::Connection conn_;
  http1::ResponseParser parser_;
  UpstreamStreamCallbacks* stream_ = nullptr;
  State state_ = State::Connecting;
  BodyMode body_mode_ = BodyMode::None;
  bool request_done_ = false;
  bool response_done_ = false;
  bool response_keep_alive_ = false;
  uint32_t requests_ = 0;
  event::Timer timer_;  // connect timeout, then idle timeout
  base::MonoTime created_;
  bool connect_timed_out_ = false;
  bool idle_memory_pending_ = false;       // buffers not yet released in this idle spell
  std::chrono::nanoseconds idle_rest_{0};  // idle timeout left after the release
  limits::Permit permit_;                  // a slot of the max-connections breaker
};

}  // namespace meshgate::upstream
