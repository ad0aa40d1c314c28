// SPDX-License-Identifier: Apache-2.0
// Injectable clocks: production code takes a Clock&, tests pass a ManualClock.
// Depends on std only.
#pragma once

#include <chrono>

namespace meshgate::base {

using MonoTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time, for timeouts and rates.
  virtual MonoTime monotonicNow() const = 0;
  /// Wall time, for logs, token expiry and certificates.
  virtual SystemTime systemNow() const = 0;
};

class RealClock final : public Clock {
 public:
  MonoTime monotonicNow() const override { return std::chrono::steady_clock::now(); }
  SystemTime systemNow() const override { return std::chrono::system_clock::now(); }
  /// A process-wide instance.
  static const RealClock& instance();
};

/// A clock that only moves when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  MonoTime monotonicNow() const override { return mono_; }
  SystemTime systemNow() const override { return system_; }
  void advance(Duration d) {
    mono_ += d;
    system_ += std::chrono::duration_cast<SystemTime::duration>(d);
  }
  void setSystem(SystemTime t) { system_ = t; }

 private:
  MonoTime mono_{std::chrono::seconds(1000)};
  SystemTime system_{std::chrono::seconds(1'700'000'000)};
};

}  // namespace meshgate::base
