// SPDX-License-Identifier: Apache-2.0
#include "net/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/assert.h"
#include "net/socket.h"

namespace meshgate::net {

namespace {
// How long a closing connection keeps draining unread input after its final
// write, so that the peer reads our last response before any RST.
constexpr auto kLingerTimeout = std::chrono::seconds(1);
// Reads per readiness event before yielding to other connections.
constexpr int kReadsPerEvent = 4;
constexpr size_t kReadSize = 64 * 1024;
}  // namespace

const char* closeReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::LocalClose:
      return "local_close";
    case CloseReason::RemoteClose:
      return "remote_close";
    case CloseReason::ConnectFailed:
      return "connect_failed";
    case CloseReason::IoError:
      return "io_error";
  }
  return "unknown";
}

Connection::Connection(event::EventLoop& loop, int fd, bool connecting)
    : loop_(loop),
      fd_(fd),
      state_(connecting ? State::Connecting : State::Open),
      linger_timer_(loop, [this] { finishClose(CloseReason::LocalClose, 0); }) {}

Connection::~Connection() {
  if (fd_ >= 0) {
    loop_.removeFd(fd_);
    ::close(fd_);
  }
}

base::Status Connection::start() {
  MG_ASSERT(callbacks_ != nullptr, "Connection::start without callbacks");
  return loop_.addFd(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
}

const Address& Connection::peer() {
  if (!peer_.valid() && fd_ >= 0) peer_ = peerAddress(fd_);
  return peer_;
}

const Address& Connection::local() {
  if (!local_.valid() && fd_ >= 0) local_ = localAddress(fd_);
  return local_;
}

void Connection::onFdEvent(uint32_t events) {
  if (state_ == State::Closed) return;
  if (state_ == State::Connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = connectError(fd_);
    if (err != 0) {
      finishClose(CloseReason::ConnectFailed, err);
      return;
    }
    state_ = State::Open;
    callbacks_->onConnected(*this);
    if (state_ == State::Closed) return;
    doWrite();
    if (state_ == State::Closed) return;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peer_closing_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    if (state_ == State::Lingering || readEnabled()) {
      doRead();
    } else {
      readable_pending_ = true;
    }
    if (state_ == State::Closed) return;
  }
  if (events & EPOLLOUT) {
    write_blocked_ = false;
    doWrite();
  }
}

void Connection::doRead() {
  for (int i = 0; i < kReadsPerEvent; ++i) {
    if (state_ == State::Lingering) {
      in_.clear();  // Discard everything while lingering.
    }
    IoResult r = readOnce(fd_, in_, kReadSize);
    if (r.status == IoStatus::WouldBlock) {
      readable_pending_ = false;
      return;
    }
    if (r.status == IoStatus::Error) {
      finishClose(r.err == ECONNRESET ? CloseReason::RemoteClose : CloseReason::IoError, r.err);
      return;
    }
    if (r.status == IoStatus::Eof) {
      readable_pending_ = false;
      if (state_ == State::Lingering) {
        finishClose(CloseReason::LocalClose, 0);
        return;
      }
      if (!peer_eof_) {
        peer_eof_ = true;
        callbacks_->onData(*this, true);
      }
      return;
    }
    // A short read drained the socket: with edge-triggered epoll the next bytes
    // bring a new event, so skip the recv that would only say EAGAIN (nginx does
    // the same). Once the peer signalled a close we read on to the EOF instead.
    const bool drained = r.bytes < kReadSize && !peer_closing_;
    if (state_ == State::Lingering) {
      if (drained) {
        readable_pending_ = false;
        return;
      }
      continue;
    }
    callbacks_->onData(*this, false);
    if (state_ != State::Open && state_ != State::Flushing) return;
    if (!readEnabled()) {
      readable_pending_ = !drained;
      return;
    }
    if (drained) {
      readable_pending_ = false;
      return;
    }
  }
  // Budget used up with data possibly left: edge-triggered epoll will not tell
  // us again, so come back after other connections had their turn.
  readable_pending_ = true;
  scheduleRead();
}

void Connection::scheduleRead() {
  if (read_scheduled_) return;
  read_scheduled_ = true;
  loop_.defer([this] {
    read_scheduled_ = false;
    if (state_ == State::Closed) return;
    if (state_ != State::Lingering && !readEnabled()) return;
    if (deliver_pending_) {
      // Bytes (or an EOF) that arrived while reading was disabled are still in the
      // input buffer: hand them over before reading more.
      deliver_pending_ = false;
      if (state_ != State::Lingering && (!in_.empty() || peer_eof_)) {
        callbacks_->onData(*this, peer_eof_);
        if (state_ == State::Closed || (state_ != State::Lingering && !readEnabled())) return;
      }
    }
    if (readable_pending_) doRead();
  });
}

void Connection::readDisable(bool disable) {
  if (disable) {
    ++read_disable_count_;
    return;
  }
  MG_ASSERT(read_disable_count_ > 0, "readDisable(false) without a matching disable");
  if (--read_disable_count_ == 0 && state_ != State::Closed) {
    if (!in_.empty() || peer_eof_) deliver_pending_ = true;
    if (deliver_pending_ || readable_pending_) scheduleRead();
  }
}

void Connection::write(std::string_view data) {
  out_.append(data);
  flush();
}

void Connection::flush() {
  if (out_.size() >= high_watermark_) above_high_ = true;
  if (state_ == State::Connecting || write_blocked_ || state_ == State::Closed) return;
  // Writes made while one batch of events is handled (a response head, then its
  // body, then a chunk terminator) leave in one send at the end of the batch,
  // as Envoy's write-event activation and h2o's deferred flush do: one system
  // call per response instead of one per piece.
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  loop_.defer([this] {
    flush_scheduled_ = false;
    if (state_ == State::Connecting || write_blocked_ || state_ == State::Closed) return;
    doWrite();
  });
}

void Connection::doWrite() {
  if (!out_.empty()) {
    IoResult r = writeFrom(fd_, out_);
    if (r.status == IoStatus::Error) {
      finishClose(
          r.err == EPIPE || r.err == ECONNRESET ? CloseReason::RemoteClose : CloseReason::IoError,
          r.err);
      return;
    }
    if (!out_.empty()) write_blocked_ = true;
  }
  if (above_high_ && out_.size() <= low_watermark_) {
    above_high_ = false;
    callbacks_->onWriteDrained(*this);
    if (state_ == State::Closed) return;
  }
  if (state_ == State::Flushing && out_.empty()) startLinger();
}

void Connection::close(CloseMode mode) {
  if (state_ == State::Closed || state_ == State::Lingering) return;
  if (mode == CloseMode::Abort || state_ == State::Connecting) {
    finishClose(CloseReason::LocalClose, 0);
    return;
  }
  state_ = State::Flushing;
  if (out_.empty()) startLinger();
}

void Connection::startLinger() {
  state_ = State::Lingering;
  ::shutdown(fd_, SHUT_WR);
  if (peer_eof_) {
    finishClose(CloseReason::LocalClose, 0);
    return;
  }
  linger_timer_.arm(kLingerTimeout);
  doRead();
}

void Connection::finishClose(CloseReason reason, int err) {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  linger_timer_.cancel();
  loop_.removeFd(fd_);
  ::close(fd_);
  fd_ = -1;
  callbacks_->onClose(*this, reason, err);
}

void Connection::releaseIdleMemory() {
  in_.releaseIfEmpty();
  out_.releaseIfEmpty();
}

}  // namespace meshgate::net
