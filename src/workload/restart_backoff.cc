// SPDX-License-Identifier: Apache-2.0
#include "workload/restart_backoff.h"

#include <algorithm>

namespace meshgate::workload {

namespace {
constexpr Duration kMinResetAfter = std::chrono::seconds(10);
}  // namespace

bool shouldRestart(config::Workload::RestartPolicy policy, const sandbox::Outcome& outcome) {
  using Policy = config::Workload::RestartPolicy;
  switch (policy) {
    case Policy::Always:
      return true;
    case Policy::OnFailure:
      return !(outcome.kind == sandbox::Outcome::Kind::Exited && outcome.exit_code == 0);
    case Policy::Never:
      return false;
  }
  return false;
}

RestartBackoff::RestartBackoff(Duration initial, Duration max)
    : initial_(std::max(initial, Duration(std::chrono::milliseconds(1)))),
      max_(std::max(max, initial_)),
      current_(initial_) {}

Duration RestartBackoff::resetAfter() const {
  return std::max(max_, kMinResetAfter);
}

Duration RestartBackoff::next(Duration uptime) {
  if (uptime >= resetAfter()) {
    current_ = initial_;
    failures_ = 0;
  }
  const Duration delay = current_;
  ++failures_;
  // Doubling saturates at max; no overflow since max_ is a parsed duration.
  current_ = current_ >= max_ / 2 ? max_ : current_ * 2;
  return delay;
}

}  // namespace meshgate::workload
