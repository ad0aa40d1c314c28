// SPDX-License-Identifier: Apache-2.0
#include "event/signal_watcher.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/assert.h"

namespace meshgate::event {

SignalWatcher::SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Callback callback)
    : loop_(loop), callback_(std::move(callback)) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals)
    sigaddset(&set, s);
  MG_ASSERT(::pthread_sigmask(SIG_BLOCK, &set, nullptr) == 0, "pthread_sigmask failed");
  fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  MG_ASSERT(fd_ >= 0, "signalfd failed");
  MG_ASSERT(loop_.addFd(fd_, EPOLLIN, this).ok(), "cannot watch signalfd");
}

SignalWatcher::~SignalWatcher() {
  loop_.removeFd(fd_);
  ::close(fd_);
}

void SignalWatcher::onFdEvent(uint32_t) {
  signalfd_siginfo info;
  while (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    callback_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace meshgate::event
