// SPDX-License-Identifier: Apache-2.0
#include "upstream/upstream_connection.h"

#include "base/assert.h"
#include "http/http1/buffer_serializer.h"
#include "upstream/connection_pool.h"

namespace meshgate::upstream {

const char* resetReasonText(ResetReason reason) {
  switch (reason) {
    case ResetReason::ConnectFailure:
      return "connection failure";
    case ResetReason::ConnectTimeout:
      return "connection timeout";
    case ResetReason::Overflow:
      return "overflow";
    case ResetReason::RemoteClose:
      return "connection termination";
    case ResetReason::ProtocolError:
      return "protocol error";
    case ResetReason::LocalReset:
      return "local reset";
  }
  return "unknown";
}

UpstreamConnection::UpstreamConnection(event::EventLoop& loop, int fd, ConnectionPool& pool)
    : loop_(loop),
      pool_(pool),
      conn_(loop, fd, /*connecting=*/true),
      timer_(loop,
             [this] {
               if (state_ == State::Connecting) connect_timed_out_ = true;
               if (state_ == State::Idle && idle_memory_pending_) {
                 // First phase of an idle spell: give the buffers back, then
                 // wait out the rest of the idle timeout.
                 idle_memory_pending_ = false;
                 conn_.releaseIdleMemory();
                 if (idle_rest_.count() > 0) {
                   timer_.arm(idle_rest_);
                   return;
                 }
               }
               conn_.close(net::Connection::CloseMode::Abort);
             }),
      created_(loop.now()) {
  conn_.setCallbacks(this);
  // A large response must not pile up in memory when the client reads slowly:
  // stop reading the upstream past 1 MiB buffered downstream (the router does that).
  conn_.setWatermarks(64 * 1024, 1024 * 1024);
}

UpstreamConnection::~UpstreamConnection() = default;

void UpstreamConnection::attach(UpstreamStreamCallbacks* stream, http::Method method) {
  MG_ASSERT(state_ == State::Idle, "attach to a connection that is not idle");
  state_ = State::Busy;
  idle_memory_pending_ = false;
  stream_ = stream;
  parser_.expectResponse(method);
  request_done_ = false;
  response_done_ = false;
  response_keep_alive_ = false;
  body_mode_ = BodyMode::None;
  ++requests_;
  timer_.cancel();
}

void UpstreamConnection::sendHead(const http::RequestHead& head, BodyMode mode) {
  body_mode_ = mode;
  http1::appendRequestHead(head, conn_.output());
  conn_.flush();
}

void UpstreamConnection::sendBody(std::string_view data) {
  if (body_mode_ == BodyMode::Chunked) {
    http1::appendChunk(data, conn_.output());
  } else {
    conn_.output().append(data);
  }
  conn_.flush();
}

void UpstreamConnection::endRequest() {
  if (body_mode_ == BodyMode::Chunked) {
    http1::appendLastChunk(nullptr, conn_.output());
    conn_.flush();
  }
  request_done_ = true;
}

void UpstreamConnection::abort() {
  stream_ = nullptr;
  conn_.close(net::Connection::CloseMode::Abort);
}

void UpstreamConnection::onConnected(net::Connection&) {
  state_ = State::Idle;
  timer_.cancel();
  pool_.onConnected(*this);
}

void UpstreamConnection::onWriteDrained(net::Connection&) {
  if (stream_) stream_->onUpstreamWriteDrained();
}

void UpstreamConnection::onData(net::Connection&, bool eof) {
  processResponse(eof);
}

void UpstreamConnection::processResponse(bool eof) {
  if (state_ == State::Idle) {
    // An idle keep-alive connection that says anything (or closes) is done.
    conn_.close(net::Connection::CloseMode::Abort);
    return;
  }
  if (state_ != State::Busy) return;
  base::Buffer& in = conn_.input();
  while (stream_ && !response_done_) {
    http1::Event ev = parser_.parse(in.view());
    switch (ev.type) {
      case http1::EventType::NeedMoreData:
      case http1::EventType::Paused:
        in.consume(ev.consumed);
        goto input_done;
      case http1::EventType::Headers:
        response_keep_alive_ = parser_.framing().keep_alive;
        stream_->onResponseHeaders(parser_.head(), parser_.framing());
        break;
      case http1::EventType::InterimHeaders:
        // 1xx interim responses are not forwarded: meshgate answers
        // Expect: 100-continue itself (Envoy's default).
        break;
      case http1::EventType::Body:
        stream_->onResponseData(ev.body);
        break;
      case http1::EventType::Trailers:
        break;
      case http1::EventType::MessageComplete: {
        in.consume(ev.consumed);
        response_done_ = true;
        UpstreamStreamCallbacks* s = stream_;
        // Reuse only a clean connection: request fully sent, keep-alive allowed,
        // and no stray bytes after the response (they would be taken for the next
        // response: a desync).
        finishExchange(request_done_ && response_keep_alive_ && in.empty() && !eof);
        s->onResponseComplete();
        return;
      }
      case http1::EventType::Error:
        fail(ResetReason::ProtocolError, 0, parser_.error().reason);
        return;
      case http1::EventType::Closed:
        in.consume(ev.consumed);
        goto input_done;
    }
    in.consume(ev.consumed);
  }
input_done:
  if (!eof || !stream_ || response_done_) return;
  http1::Event ev = parser_.finish();
  if (ev.type == http1::EventType::MessageComplete) {
    response_done_ = true;
    UpstreamStreamCallbacks* s = stream_;
    stream_ = nullptr;
    conn_.close(net::Connection::CloseMode::Abort);
    s->onResponseComplete();
    return;
  }
  fail(ResetReason::RemoteClose, 0, "upstream closed the connection");
}

void UpstreamConnection::finishExchange(bool reusable) {
  stream_ = nullptr;
  if (reusable && state_ == State::Busy && conn_.isOpen()) {
    state_ = State::Idle;
    pool_.onIdle(*this);
  } else {
    conn_.close(net::Connection::CloseMode::Abort);
  }
}

void UpstreamConnection::fail(ResetReason reason, int err, std::string_view detail) {
  UpstreamStreamCallbacks* s = stream_;
  stream_ = nullptr;
  conn_.close(net::Connection::CloseMode::Abort);
  if (s) s->onUpstreamReset(reason, err, detail);
}

void UpstreamConnection::onClose(net::Connection&, net::CloseReason reason, int err) {
  const State prev = state_;
  state_ = State::Closed;
  timer_.cancel();
  if (prev == State::Connecting) {
    pool_.onConnectFailed(
        *this, connect_timed_out_ ? ResetReason::ConnectTimeout : ResetReason::ConnectFailure,
        connect_timed_out_ ? ETIMEDOUT : err);
  } else if (prev == State::Busy && stream_) {
    UpstreamStreamCallbacks* s = stream_;
    stream_ = nullptr;
    s->onUpstreamReset(ResetReason::RemoteClose, err, net::closeReasonName(reason));
  }
  pool_.onClosed(*this);
}

}  // namespace meshgate::upstream
