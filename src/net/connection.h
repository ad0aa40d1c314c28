// SPDX-License-Identifier: Apache-2.0
// A non-blocking TCP connection bound to one event loop: edge-triggered reads
// into an input buffer, buffered writes, read-disable for back-pressure, and a
// graceful close that flushes, half-closes and lingers so that a final response
// is not destroyed by an RST. Depends on base, event, net/socket.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/buffer.h"
#include "event/event_loop.h"
#include "net/address.h"

namespace meshgate::net {

enum class CloseReason {
  LocalClose,     // we closed it (after flushing, or aborting)
  RemoteClose,    // the peer closed (EOF or reset) while we still wanted it
  ConnectFailed,  // an outbound connect did not complete
  IoError,        // a read or write failed
};

const char* closeReasonName(CloseReason reason);

class Connection;

/// What the owner of a connection hears. Called on the loop thread only.
class ConnectionCallbacks {
 public:
  virtual ~ConnectionCallbacks() = default;
  /// New bytes were appended to conn.input(); consume what you process. `eof` is
  /// true when the peer has half-closed (no more bytes will come).
  virtual void onData(Connection& conn, bool eof) = 0;
  /// The output buffer drained below the low watermark after having been above
  /// the high watermark (resume producing).
  virtual void onWriteDrained(Connection& conn) { (void)conn; }
  /// An outbound connect completed.
  virtual void onConnected(Connection& conn) { (void)conn; }
  /// The connection is closed; the callbacks will not be called again. `err` is
  /// the errno when there was one.
  virtual void onClose(Connection& conn, CloseReason reason, int err) = 0;
};

/// Lifetime: the owner must not destroy a Connection synchronously inside one of
/// its callbacks or event handlers; destroy it through EventLoop::deferDelete
/// (usually by deferring the owner itself).
class Connection final : public event::FdHandler {
 public:
  enum class CloseMode {
    FlushWrite,  // send what is buffered, half-close, drain input briefly, close
    Abort,       // close now (RST if unread data)
  };

  /// Takes ownership of `fd` (non-blocking). When `connecting`, waits for the
  /// connect to complete before reporting onConnected().
  Connection(event::EventLoop& loop, int fd, bool connecting);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void setCallbacks(ConnectionCallbacks* callbacks) { callbacks_ = callbacks; }
  /// Starts watching the fd. Call once the callbacks are set.
  base::Status start();

  base::Buffer& input() { return in_; }
  base::Buffer& output() { return out_; }
  /// Appends and flushes (see flush()).
  void write(std::string_view data);
  /// Sends the output buffer (after appending to output() directly) at the end
  /// of the current batch of events, so that pieces written in one batch leave
  /// in one system call.
  void flush();
  size_t bufferedOutput() const { return out_.size(); }
  bool aboveHighWatermark() const { return out_.size() >= high_watermark_; }
  void setWatermarks(size_t low, size_t high) {
    low_watermark_ = low;
    high_watermark_ = high;
  }

  /// Stops (or resumes) reading from the socket; nested calls count.
  void readDisable(bool disable);
  bool readEnabled() const { return read_disable_count_ == 0; }

  void close(CloseMode mode);
  bool isOpen() const { return state_ == State::Open || state_ == State::Connecting; }
  bool isConnecting() const { return state_ == State::Connecting; }
  int fd() const { return fd_; }
  event::EventLoop& loop() { return loop_; }
  const Address& peer();
  const Address& local();

  /// Drops the input buffer's memory and shrinks output when both are empty
  /// (call when a keep-alive connection goes idle).
  void releaseIdleMemory();

  // event::FdHandler
  void onFdEvent(uint32_t events) override;

 private:
  enum class State { Connecting, Open, Flushing, Lingering, Closed };
  void doRead();
  void doWrite();
  void finishClose(CloseReason reason, int err);
  void startLinger();
  void scheduleRead();

  event::EventLoop& loop_;
  int fd_;
  State state_;
  ConnectionCallbacks* callbacks_ = nullptr;
  base::Buffer in_;
  base::Buffer out_;
  size_t low_watermark_ = 64 * 1024;
  size_t high_watermark_ = 1024 * 1024;
  bool above_high_ = false;
  bool write_blocked_ = false;
  bool readable_pending_ = false;  // an edge arrived while reads were disabled
  bool read_scheduled_ = false;
  bool flush_scheduled_ = false;  // a deferred doWrite() is queued
  bool deliver_pending_ = false;  // buffered input to hand over on resume
  bool peer_eof_ = false;
  bool peer_closing_ = false;  // epoll reported RDHUP/HUP/ERR: read to the EOF
  int read_disable_count_ = 0;
  event::Timer linger_timer_;
  Address peer_;
  Address local_;
};

}  // namespace meshgate::net
