// SPDX-License-Identifier: Apache-2.0
// Accepts connections on a listening socket owned by one event loop. Each worker
// has its own SO_REUSEPORT socket, so the kernel spreads connections across
// workers and no accept lock is needed. Depends on base, event, net/socket.
#pragma once

#include <functional>

#include "event/event_loop.h"
#include "net/address.h"

namespace meshgate::net {

class Listener final : public event::FdHandler {
 public:
  /// Called with each accepted non-blocking fd; the callee owns it.
  using AcceptCallback = std::function<void(int fd)>;

  /// Takes ownership of the listening `fd`.
  Listener(event::EventLoop& loop, int fd, AcceptCallback on_accept);
  ~Listener() override;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  base::Status start();
  /// Stops accepting and closes the socket (connections already accepted live on).
  void close();
  int fd() const { return fd_; }

  void onFdEvent(uint32_t events) override;

 private:
  event::EventLoop& loop_;
  int fd_;
  AcceptCallback on_accept_;
  bool started_ = false;
};

}  // namespace meshgate::net
