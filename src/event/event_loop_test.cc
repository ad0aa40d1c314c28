// SPDX-License-Identifier: Apache-2.0
#include "event/event_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "event/signal_watcher.h"

namespace meshgate::event {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, TimersFireInDeadlineOrder) {
  base::ManualClock clock;
  EventLoop loop(clock);
  std::vector<int> fired;
  Timer a(loop, [&] { fired.push_back(1); });
  Timer b(loop, [&] { fired.push_back(2); });
  Timer c(loop, [&] { fired.push_back(3); });
  a.arm(30ms);
  b.arm(10ms);
  c.arm(20ms);
  clock.advance(25ms);
  loop.runOnce(0ms);
  EXPECT_EQ(fired, (std::vector<int>{2, 3}));
  EXPECT_TRUE(a.armed());
  clock.advance(10ms);
  loop.runOnce(0ms);
  EXPECT_EQ(fired, (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(loop.armedTimers(), 0u);
}

TEST(EventLoop, CancelAndRearm) {
  base::ManualClock clock;
  EventLoop loop(clock);
  int fired = 0;
  Timer t(loop, [&] { ++fired; });
  t.arm(10ms);
  t.cancel();
  EXPECT_FALSE(t.armed());
  clock.advance(20ms);
  loop.runOnce(0ms);
  EXPECT_EQ(fired, 0);
  t.arm(10ms);
  t.arm(50ms);  // moves the deadline
  clock.advance(20ms);
  loop.runOnce(0ms);
  EXPECT_EQ(fired, 0);
  clock.advance(40ms);
  loop.runOnce(0ms);
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, HeapStaysConsistentUnderRandomOperations) {
  base::ManualClock clock;
  EventLoop loop(clock);
  std::mt19937 rng(42);
  constexpr int kTimers = 200;
  std::vector<base::MonoTime> fired_at(kTimers);
  std::vector<std::unique_ptr<Timer>> timers;
  for (int i = 0; i < kTimers; ++i) {
    timers.push_back(std::make_unique<Timer>(loop, [&, i] { fired_at[i] = clock.monotonicNow(); }));
  }
  std::vector<base::MonoTime> expected(kTimers);
  for (int round = 0; round < 2000; ++round) {
    int i = static_cast<int>(rng() % kTimers);
    if (rng() % 3 == 0) {
      timers[i]->cancel();
      expected[i] = {};
    } else {
      auto d = std::chrono::milliseconds(1 + rng() % 1000);
      timers[i]->arm(d);
      expected[i] = loop.now() + d;
    }
  }
  for (int step = 0; step < 1100; ++step) {
    clock.advance(1ms);
    loop.runOnce(0ms);
  }
  for (int i = 0; i < kTimers; ++i) {
    EXPECT_EQ(fired_at[i], expected[i]) << "timer " << i;
  }
}

TEST(EventLoop, DeferRunsAfterBatchAndPostCrossesThreads) {
  EventLoop loop;
  std::vector<std::string> order;
  std::thread::id posted_on;
  loop.defer([&] {
    order.push_back("deferred");
    loop.defer([&] { order.push_back("nested"); });
  });
  std::thread t([&] {
    loop.post([&] {
      posted_on = std::this_thread::get_id();
      order.push_back("posted");
      loop.stop();
    });
  });
  loop.run();
  t.join();
  // The post may land before or after the deferred work; nested deferred work
  // always follows the work that deferred it, and posted work runs on the loop.
  ASSERT_EQ(order.size(), 3u);
  auto pos = [&](const std::string& s) {
    return std::find(order.begin(), order.end(), s) - order.begin();
  };
  EXPECT_LT(pos("deferred"), pos("nested"));
  EXPECT_LT(pos("posted"), 3);
  EXPECT_EQ(posted_on, std::this_thread::get_id());
}

class PipeReader : public FdHandler {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  void onFdEvent(uint32_t events) override {
    if (events & EPOLLIN) {
      char buf[64];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) data.append(buf, static_cast<size_t>(n));
    }
  }
  std::string data;

 private:
  int fd_;
};

// A pipe whose read end `loop` watches with a PipeReader; closed on destruction.
class WatchedPipe {
 public:
  explicit WatchedPipe(EventLoop& loop) : loop_(loop) {
    if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
    reader_ = std::make_unique<PipeReader>(fds_[0]);
    EXPECT_TRUE(loop_.addFd(fds_[0], EPOLLIN, reader_.get()).ok());
  }
  ~WatchedPipe() {
    loop_.removeFd(fds_[0]);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  bool write(const std::string& s) {
    return ::write(fds_[1], s.data(), s.size()) == static_cast<ssize_t>(s.size());
  }
  const std::string& data() const { return reader_->data; }

 private:
  EventLoop& loop_;
  int fds_[2] = {-1, -1};
  std::unique_ptr<PipeReader> reader_;
};

TEST(EventLoop, DeliversFdReadiness) {
  EventLoop loop;
  WatchedPipe pipe(loop);
  ASSERT_TRUE(pipe.write("hello"));
  for (int i = 0; i < 10 && pipe.data().size() < 5; ++i)
    loop.runOnce(100ms);
  EXPECT_EQ(pipe.data(), "hello");
}

// Busy polling, on a clock that only moves when the test says: whether runOnce
// polled (counted in emptyPolls) or blocked tells the two states apart.
TEST(EventLoop, BusyPollsOnlyWithinTheWindowAfterAnEvent) {
  base::ManualClock clock;
  EventLoop loop(clock);
  loop.setBusyPoll(5ms);
  WatchedPipe pipe(loop);

  // An idle loop never polls: it blocks until max_wait.
  loop.runOnce(1ms);
  EXPECT_EQ(loop.emptyPolls(), 0u);

  ASSERT_TRUE(pipe.write("a"));
  loop.runOnce(1000ms);
  ASSERT_EQ(pipe.data(), "a");
  // Within the window: every iteration polls and returns at once, however long
  // max_wait is (a blocked loop would wait 2 s here and leave the count alone).
  for (int i = 0; i < 3; ++i)
    loop.runOnce(2000ms);
  EXPECT_EQ(loop.emptyPolls(), 3u);

  // An event in the window starts it again from its own time.
  clock.advance(4ms);
  ASSERT_TRUE(pipe.write("b"));
  loop.runOnce(0ms);
  EXPECT_EQ(pipe.data(), "ab");
  clock.advance(4ms);  // 8 ms after the first event, 4 ms after the second
  loop.runOnce(2000ms);
  EXPECT_EQ(loop.emptyPolls(), 4u);

  // Past the window with no event: the loop blocks again.
  clock.advance(2ms);
  loop.runOnce(2000ms);  // still polls once: its time was read before this advance
  loop.runOnce(1ms);
  loop.runOnce(1ms);
  EXPECT_EQ(loop.emptyPolls(), 5u);
}

TEST(EventLoop, DoesNotPollWhenBusyPollIsOff) {
  base::ManualClock clock;
  EventLoop loop(clock);
  WatchedPipe pipe(loop);
  ASSERT_TRUE(pipe.write("a"));
  loop.runOnce(1000ms);
  loop.runOnce(1ms);
  EXPECT_EQ(pipe.data(), "a");
  EXPECT_EQ(loop.emptyPolls(), 0u);
}

TEST(SignalWatcher, DeliversSignalsOnTheLoop) {
  EventLoop loop;
  int got = 0;
  SignalWatcher w(loop, {SIGUSR1}, [&](int s) {
    got = s;
    loop.stop();
  });
  ::kill(::getpid(), SIGUSR1);
  loop.run();
  EXPECT_EQ(got, SIGUSR1);
}

}  // namespace
}  // namespace meshgate::event

namespace meshgate::event {
namespace {

// A destructor that defer-deletes another object (as a connection releasing the
// last reference to a config generation does) must not corrupt the loop.
struct Chain : DeferredDeletable {
  Chain(EventLoop& loop, int depth, int* destroyed)
      : loop(loop), depth(depth), destroyed(destroyed) {}
  ~Chain() override {
    ++*destroyed;
    if (depth > 0) loop.deferDelete(std::make_unique<Chain>(loop, depth - 1, destroyed));
  }
  EventLoop& loop;
  int depth;
  int* destroyed;
};

TEST(EventLoop, DeferredDeleteFromADestructor) {
  EventLoop loop;
  int destroyed = 0;
  for (int i = 0; i < 10; ++i)
    loop.deferDelete(std::make_unique<Chain>(loop, 3, &destroyed));
  loop.runOnce(std::chrono::milliseconds(0));
  EXPECT_EQ(destroyed, 40);
}

}  // namespace
}  // namespace meshgate::event
