// SPDX-License-Identifier: Apache-2.0
#include "sandbox/rlimits.h"

#include <sys/resource.h>

#include <cerrno>

namespace meshgate::sandbox {

std::vector<Rlimit> planRlimits(const LimitsSpec& limits) {
  std::vector<Rlimit> out;
  for (const Rlimit& r : limits.rlimits) {
    if (limits.cpu_time && r.resource == RLIMIT_CPU) continue;
    out.push_back(r);
  }
  if (limits.cpu_time) {
    uint64_t secs = static_cast<uint64_t>((limits.cpu_time->count() + 999'999'999) / 1'000'000'000);
    out.push_back(Rlimit{RLIMIT_CPU, secs, secs + 1});
  }
  return out;
}

StepResult applyRlimits(const std::vector<Rlimit>& rlimits) {
  for (size_t i = 0; i < rlimits.size(); ++i) {
    rlimit rl{};
    rl.rlim_cur = rlimits[i].soft;
    rl.rlim_max = rlimits[i].hard;
    if (::setrlimit(static_cast<__rlimit_resource>(rlimits[i].resource), &rl) != 0) {
      return stepFail(errno, static_cast<int>(i));
    }
  }
  return stepOk();
}

}  // namespace meshgate::sandbox
