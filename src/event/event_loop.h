// SPDX-License-Identifier: Apache-2.0
// A single-threaded epoll event loop with timers, deferred work, deferred
// deletion and a thread-safe post(). One per worker (thread-per-core: a
// connection never leaves the loop that accepted it). Depends on base only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace meshgate::event {

class Timer;

/// Receives readiness events for one file descriptor. The handler must outlive
/// its registration; remove the fd (or deferDelete the handler) before freeing it.
class FdHandler {
 public:
  virtual ~FdHandler() = default;
  /// `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
  virtual void onFdEvent(uint32_t events) = 0;
};

/// An object whose destruction must wait until the current event batch is done,
/// because later events in the batch may still point at it.
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

class EventLoop {
 public:
  /// Uses `clock` for timers; the clock must outlive the loop.
  explicit EventLoop(const base::Clock& clock = base::RealClock::instance());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Registers `fd`. Use EPOLLET for edge-triggered sockets.
  base::Status addFd(int fd, uint32_t events, FdHandler* handler);
  base::Status modifyFd(int fd, uint32_t events, FdHandler* handler);
  /// Unregisters `fd` (it need not be open any more).
  void removeFd(int fd);

  /// Runs until stop(). Must be called on the loop's thread.
  void run();
  /// Runs one iteration, waiting at most `max_wait` for events. For tests and for
  /// embedding.
  void runOnce(std::chrono::milliseconds max_wait);
  /// Thread-safe: makes run() return after the current iteration.
  void stop();

  /// Loop thread only: runs `fn` after the current batch of events, before the
  /// next wait. Cheap when `fn` fits std::function's small buffer.
  void defer(std::function<void()> fn);
  /// Thread-safe: runs `fn` on the loop thread soon (wakes the loop).
  void post(std::function<void()> fn);
  /// Loop thread only: destroys `obj` after the current batch.
  void deferDelete(std::unique_ptr<DeferredDeletable> obj);

  /// The time at the start of the current iteration (cheap; avoids a clock read
  /// per use). Timers and timeouts are measured against it.
  base::MonoTime now() const { return now_; }
  /// Refreshes now() from the clock.
  base::MonoTime updateTime();
  const base::Clock& clock() const { return clock_; }

  /// Busy polling (off when `window` is zero, the default): after a batch of fd
  /// events, the loop keeps polling epoll without blocking, yielding the CPU to
  /// any other runnable thread between polls, until `window` passes with no fd
  /// event. A loop that never blocks during a request's round trip avoids the
  /// wake-up a blocked one needs, which on virtual machines costs tens to hundreds of
  /// microseconds per event (waking a halted vCPU goes through the host). The
  /// price is CPU: up to `window` of polling after every burst of traffic. An
  /// idle loop does not poll. Loop thread, or before run().
  void setBusyPoll(base::Duration window) { busy_poll_ = window; }
  /// Polls that found no event (for tests and metrics).
  uint64_t emptyPolls() const { return empty_polls_; }

  /// Number of armed timers (for tests and metrics).
  size_t armedTimers() const { return timers_.size(); }

 private:
  friend class Timer;
  void armTimer(Timer* t);
  void disarmTimer(Timer* t);
  void siftUp(size_t i);
  void siftDown(size_t i);
  void swapTimers(size_t a, size_t b);
  static bool timerBefore(const Timer& a, const Timer& b);
  void fireTimers();
  void runDeferred();
  void destroyDeferred();
  void drainPosted();
  int nextTimeoutMs(std::chrono::milliseconds max_wait) const;

  class WakeHandler;

  const base::Clock& clock_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unique_ptr<WakeHandler> wake_handler_;
  base::MonoTime now_;
  uint64_t timer_sequence_ = 0;
  std::vector<Timer*> timers_;  // min-heap on deadline
  std::vector<std::function<void()>> deferred_;
  std::vector<std::function<void()>> running_deferred_;
  std::vector<std::unique_ptr<DeferredDeletable>> to_delete_;
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> stop_requested_{false};
  base::Duration busy_poll_{0};
  base::MonoTime poll_until_{};
  uint64_t empty_polls_ = 0;
};

/// A one-shot timer owned by its user; re-arm to repeat. The callback is set
/// once at construction, so arming and cancelling never allocate. Loop thread only.
class Timer {
 public:
  Timer(EventLoop& loop, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Fires after `delay` from loop.now(). Re-arming moves the deadline.
  void arm(base::Duration delay);
  void armAt(base::MonoTime deadline);
  void cancel();
  bool armed() const { return heap_index_ != kNotArmed; }
  base::MonoTime deadline() const { return deadline_; }

 private:
  friend class EventLoop;
  static constexpr size_t kNotArmed = static_cast<size_t>(-1);
  EventLoop& loop_;
  std::function<void()> callback_;
  base::MonoTime deadline_{};
  uint64_t sequence_ = 0;  // FIFO order among equal deadlines
  size_t heap_index_ = kNotArmed;
};

}  // namespace meshgate::event
