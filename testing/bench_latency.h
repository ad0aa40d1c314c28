// SPDX-License-Identifier: Apache-2.0
// Per-sample latency for Google Benchmark harnesses that time each iteration
// themselves (rego_bench, policy_bench): the clocks, the cost of reading them,
// and p50/p99/p99.9 reported as counters. Depends on std and benchmark only.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace meshgate::testing {

inline int64_t threadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// The thread CPU clock is a system call: on a virtual machine its own cost
/// and jitter rival a decision. MG_BENCH_WALL_ONLY=1 reads only the (vDSO)
/// wall clock, for tails without that noise.
inline bool useCpuClock() {
  return std::getenv("MG_BENCH_WALL_ONLY") == nullptr;
}

/// The median cost of a timer pair (an empty interval), subtracted from every
/// sample.
struct TimerOverhead {
  int64_t wall = 0;
  int64_t cpu = 0;
};

inline TimerOverhead measureTimerOverhead(bool cpu_clock) {
  std::vector<int64_t> wall, cpu;
  for (int i = 0; i < 20001; ++i) {
    int64_t c0 = cpu_clock ? threadCpuNs() : 0;
    auto w0 = std::chrono::steady_clock::now();
    auto w1 = std::chrono::steady_clock::now();
    int64_t c1 = cpu_clock ? threadCpuNs() : 0;
    wall.push_back((w1 - w0).count());
    cpu.push_back(c1 - c0);
  }
  std::nth_element(wall.begin(), wall.begin() + 10000, wall.end());
  std::nth_element(cpu.begin(), cpu.begin() + 10000, cpu.end());
  return {wall[10000], cpu[10000]};
}

/// Wall-clock and thread-CPU samples of one benchmark, in nanoseconds.
class LatencySamples {
 public:
  LatencySamples()
      : cpu_clock_(useCpuClock()), keep_starts_(std::getenv("MG_BENCH_SAMPLES") != nullptr) {
    wall_.reserve(1 << 20);
    cpu_.reserve(1 << 20);
    if (keep_starts_) starts_.reserve(1 << 20);
  }

  /// Starts one sample (read the clocks last, right before the timed work).
  void start() {
    cpu_start_ = cpu_clock_ ? threadCpuNs() : 0;
    wall_start_ = std::chrono::steady_clock::now();
  }
  /// Ends the sample (read the clocks first, right after the timed work).
  void stop() {
    auto wall_end = std::chrono::steady_clock::now();
    int64_t cpu_end = cpu_clock_ ? threadCpuNs() : 0;
    if (wall_.size() < wall_.capacity()) {
      wall_.push_back((wall_end - wall_start_).count());
      cpu_.push_back(cpu_end - cpu_start_);
      if (keep_starts_) starts_.push_back(wall_start_.time_since_epoch().count());
    }
  }

  /// Reports p50/p99/p999 (wall) and cpu_p50/... (thread CPU; 0 under
  /// MG_BENCH_WALL_ONLY), the timer overhead subtracted. Wall-clock
  /// percentiles include preemption on a busy host; thread CPU time shows the
  /// work's own cost.
  void report(benchmark::State& state) {
    TimerOverhead overhead = measureTimerOverhead(cpu_clock_);
    dump(overhead);
    reportOne(state, wall_, overhead.wall, "");
    reportOne(state, cpu_, overhead.cpu, "cpu_");
    // What was subtracted from each sample, per clock (cpu_ is 0 under
    // MG_BENCH_WALL_ONLY, where that clock is not read).
    state.counters["timer_overhead_ns"] = static_cast<double>(overhead.wall);
    state.counters["cpu_timer_overhead_ns"] = static_cast<double>(overhead.cpu);
  }

 private:
  /// MG_BENCH_SAMPLES=DIR writes every sample, in the order taken, to
  /// DIR/<n>.samples, n counting the runs of the process (one line per sample:
  /// wall ns, thread-CPU ns, timer overhead subtracted, and the start in ns
  /// since the first sample; each file named on stderr), for histograms and
  /// for finding out whether slow samples are periodic.
  void dump(const TimerOverhead& overhead) const {
    const char* dir = std::getenv("MG_BENCH_SAMPLES");
    if (dir == nullptr || *dir == '\0') return;
    static int runs = 0;
    std::string file = std::string(dir) + "/" + std::to_string(runs++) + ".samples";
    std::FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr) return;
    for (size_t i = 0; i < wall_.size(); ++i) {
      std::fprintf(f, "%lld %lld %lld\n", static_cast<long long>(wall_[i] - overhead.wall),
                   static_cast<long long>(cpu_[i] - overhead.cpu),
                   static_cast<long long>(starts_[i] - starts_[0]));
    }
    std::fclose(f);
    std::fprintf(stderr, "samples: %s (%zu)\n", file.c_str(), wall_.size());
  }

  static void reportOne(benchmark::State& state, std::vector<int64_t>& ns, int64_t overhead,
                        const std::string& prefix) {
    if (ns.empty()) return;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) {
      int64_t v =
          ns[std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())))] -
          overhead;
      return static_cast<double>(std::max<int64_t>(v, 0));
    };
    state.counters[prefix + "p50_ns"] = at(0.50);
    state.counters[prefix + "p99_ns"] = at(0.99);
    state.counters[prefix + "p999_ns"] = at(0.999);
  }

  bool cpu_clock_;
  bool keep_starts_;
  std::vector<int64_t> wall_, cpu_, starts_;
  int64_t cpu_start_ = 0;
  std::chrono::steady_clock::time_point wall_start_;
};

}  // namespace meshgate::testing
