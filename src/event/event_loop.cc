// SPDX-License-Identifier: Apache-2.0
#include "event/event_loop.h"

#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/assert.h"
#include "base/log.h"

namespace meshgate::event {

class EventLoop::WakeHandler final : public FdHandler {
 public:
  explicit WakeHandler(EventLoop& loop) : loop_(loop) {}
  void onFdEvent(uint32_t) override {
    uint64_t v;
    while (::read(loop_.wake_fd_, &v, sizeof v) > 0) {
    }
    loop_.drainPosted();
  }

 private:
  EventLoop& loop_;
};

EventLoop::EventLoop(const base::Clock& clock) : clock_(clock), now_(clock.monotonicNow()) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  MG_ASSERT(epoll_fd_ >= 0, "epoll_create1 failed");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  MG_ASSERT(wake_fd_ >= 0, "eventfd failed");
  wake_handler_ = std::make_unique<WakeHandler>(*this);
  MG_ASSERT(addFd(wake_fd_, EPOLLIN, wake_handler_.get()).ok(), "cannot watch eventfd");
}

EventLoop::~EventLoop() {
  // Timers still armed belong to objects being torn down with the loop.
  for (Timer* t : timers_)
    t->heap_index_ = Timer::kNotArmed;
  timers_.clear();
  destroyDeferred();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

base::Status EventLoop::addFd(int fd, uint32_t events, FdHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return base::errnoError("epoll_ctl ADD");
  return base::okStatus();
}

base::Status EventLoop::modifyFd(int fd, uint32_t events, FdHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) return base::errnoError("epoll_ctl MOD");
  return base::okStatus();
}

void EventLoop::removeFd(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

base::MonoTime EventLoop::updateTime() {
  now_ = clock_.monotonicNow();
  return now_;
}

int EventLoop::nextTimeoutMs(std::chrono::milliseconds max_wait) const {
  if (!deferred_.empty() || stop_requested_.load(std::memory_order_relaxed)) return 0;
  auto wait = max_wait;
  if (!timers_.empty()) {
    auto until = std::chrono::ceil<std::chrono::milliseconds>(timers_[0]->deadline_ - now_);
    if (until.count() < 0) until = std::chrono::milliseconds(0);
    wait = std::min(wait, until);
  }
  return static_cast<int>(wait.count());
}

void EventLoop::runOnce(std::chrono::milliseconds max_wait) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  const bool polling = busy_poll_.count() > 0 && now_ < poll_until_;
  int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, polling ? 0 : nextTimeoutMs(max_wait));
  if (n < 0 && errno != EINTR) MG_LOG(Error) << "epoll_wait failed: " << errno;
  updateTime();
  if (n > 0) {
    poll_until_ = now_ + busy_poll_;
  } else if (polling) {
    // Nothing yet: let whatever else is runnable on this CPU (the peer this loop
    // waits for, often) run before the next poll.
    ++empty_polls_;
    ::sched_yield();
  }
  for (int i = 0; i < n; ++i) {
    static_cast<FdHandler*>(events[i].data.ptr)->onFdEvent(events[i].events);
  }
  fireTimers();
  runDeferred();
  // Objects may only die once no deferred task that could point at them is left.
  if (deferred_.empty()) destroyDeferred();
}

void EventLoop::destroyDeferred() {
  // Destructors may defer-delete more objects (a connection releasing the last
  // reference to a config generation): never mutate the vector being cleared.
  while (!to_delete_.empty()) {
    std::vector<std::unique_ptr<DeferredDeletable>> batch;
    batch.swap(to_delete_);
    batch.clear();
  }
}

void EventLoop::run() {
  while (!stop_requested_.load(std::memory_order_acquire)) {
    runOnce(std::chrono::milliseconds(60'000));
  }
  stop_requested_.store(false, std::memory_order_relaxed);
  // Let work queued before stop() finish, so nothing posted is silently lost.
  drainPosted();
  runDeferred();
  destroyDeferred();
}

void EventLoop::stop() {
  stop_requested_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void EventLoop::defer(std::function<void()> fn) {
  deferred_.push_back(std::move(fn));
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void EventLoop::deferDelete(std::unique_ptr<DeferredDeletable> obj) {
  to_delete_.push_back(std::move(obj));
}

void EventLoop::drainPosted() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    work.swap(posted_);
  }
  for (auto& fn : work)
    fn();
}

void EventLoop::runDeferred() {
  // Deferred work may defer more work; bound the rounds so a task that always
  // re-defers itself cannot starve I/O (it runs again next iteration).
  for (int round = 0; round < 16 && !deferred_.empty(); ++round) {
    running_deferred_.swap(deferred_);
    for (auto& fn : running_deferred_)
      fn();
    running_deferred_.clear();
  }
}

// --- timers: a binary min-heap of Timer*, each knowing its index ---

void EventLoop::swapTimers(size_t a, size_t b) {
  std::swap(timers_[a], timers_[b]);
  timers_[a]->heap_index_ = a;
  timers_[b]->heap_index_ = b;
}

bool EventLoop::timerBefore(const Timer& a, const Timer& b) {
  return a.deadline_ < b.deadline_ || (a.deadline_ == b.deadline_ && a.sequence_ < b.sequence_);
}

void EventLoop::siftUp(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    Timer* c = timers_[i];
    Timer* p = timers_[parent];
    if (!timerBefore(*c, *p)) break;
    swapTimers(i, parent);
    i = parent;
  }
}

void EventLoop::siftDown(size_t i) {
  const size_t n = timers_.size();
  while (true) {
    size_t l = 2 * i + 1;
    size_t r = l + 1;
    size_t best = i;
    auto less = [&](size_t x, size_t y) { return timerBefore(*timers_[x], *timers_[y]); };
    if (l < n && less(l, best)) best = l;
    if (r < n && less(r, best)) best = r;
    if (best == i) return;
    swapTimers(i, best);
    i = best;
  }
}

void EventLoop::armTimer(Timer* t) {
  t->sequence_ = ++timer_sequence_;
  if (t->heap_index_ != Timer::kNotArmed) {
    size_t i = t->heap_index_;
    siftUp(i);
    siftDown(t->heap_index_);
    return;
  }
  t->heap_index_ = timers_.size();
  timers_.push_back(t);
  siftUp(t->heap_index_);
}

void EventLoop::disarmTimer(Timer* t) {
  size_t i = t->heap_index_;
  if (i == Timer::kNotArmed) return;
  size_t last = timers_.size() - 1;
  if (i != last) swapTimers(i, last);
  timers_.pop_back();
  t->heap_index_ = Timer::kNotArmed;
  if (i < timers_.size()) {
    Timer* moved = timers_[i];
    siftUp(i);
    siftDown(moved->heap_index_);
  }
}

void EventLoop::fireTimers() {
  // Fire only timers due at this iteration's time; timers armed by callbacks for
  // "now" fire next iteration, so a zero-delay re-arm cannot spin forever here.
  const base::MonoTime now = now_;
  size_t budget = timers_.size();
  while (!timers_.empty() && budget-- > 0 && timers_[0]->deadline_ <= now) {
    Timer* t = timers_[0];
    disarmTimer(t);
    t->callback_();
  }
}

// --- Timer ---

Timer::Timer(EventLoop& loop, std::function<void()> callback)
    : loop_(loop), callback_(std::move(callback)) {}

Timer::~Timer() {
  cancel();
}

void Timer::arm(base::Duration delay) {
  armAt(loop_.now() + delay);
}

void Timer::armAt(base::MonoTime deadline) {
  deadline_ = deadline;
  loop_.armTimer(this);
}

void Timer::cancel() {
  loop_.disarmTimer(this);
}

}  // namespace meshgate::event
