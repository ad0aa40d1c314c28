// SPDX-License-Identifier: Apache-2.0
// Delivers POSIX signals as loop events through signalfd. The signals are blocked
// in the calling thread (and inherited by threads it creates afterwards), so
// create it on the main thread before starting workers. Depends on base, event.
#pragma once

#include <functional>
#include <initializer_list>

#include "event/event_loop.h"

namespace meshgate::event {

class SignalWatcher final : public FdHandler {
 public:
  using Callback = std::function<void(int signo)>;
  SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Callback callback);
  ~SignalWatcher() override;
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void onFdEvent(uint32_t events) override;

 private:
  EventLoop& loop_;
  Callback callback_;
  int fd_ = -1;
};

}  // namespace meshgate::event
