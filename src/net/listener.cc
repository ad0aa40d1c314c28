// SPDX-License-Identifier: Apache-2.0
#include "net/listener.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "net/socket.h"

namespace meshgate::net {

namespace {
// Accepts per readiness event: enough to clear bursts, small enough that one busy
// listener cannot starve the connections this worker already serves.
constexpr int kAcceptsPerEvent = 64;
}  // namespace

Listener::Listener(event::EventLoop& loop, int fd, AcceptCallback on_accept)
    : loop_(loop), fd_(fd), on_accept_(std::move(on_accept)) {}

Listener::~Listener() {
  close();
}

base::Status Listener::start() {
  // Level-triggered: if we stop early (budget), the loop tells us again.
  MG_RETURN_IF_ERROR(loop_.addFd(fd_, EPOLLIN, this));
  started_ = true;
  return base::okStatus();
}

void Listener::close() {
  if (fd_ < 0) return;
  if (started_) loop_.removeFd(fd_);
  ::close(fd_);
  fd_ = -1;
}

void Listener::onFdEvent(uint32_t) {
  for (int i = 0; i < kAcceptsPerEvent && fd_ >= 0; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // EMFILE/ENFILE/ENOBUFS: log and let the next event retry.
        MG_LOG(Warn) << "accept failed: errno " << errno;
      }
      return;
    }
    setNoDelay(fd);
    on_accept_(fd);
  }
}

}  // namespace meshgate::net
