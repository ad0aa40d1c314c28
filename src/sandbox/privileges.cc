// SPDX-License-Identifier: Apache-2.0
#include "sandbox/privileges.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace meshgate::sandbox {

namespace {

// The highest capability the running kernel knows (read once: it cannot change).
int lastCapability() {
  static const int last = [] {
    int fd = ::open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 40;
    char buf[16] = {};
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    int value = n > 0 ? std::atoi(buf) : 0;
    return value > 0 && value < 64 ? value : 40;
  }();
  return last;
}

}  // namespace

CapabilityPlan planCapabilities(const int* caps, size_t count) {
  CapabilityPlan plan;
  for (size_t i = 0; i < count; ++i) {
    if (caps[i] >= 0 && caps[i] < 64) plan.keep |= uint64_t{1} << caps[i];
  }
  plan.last_cap = lastCapability();
  return plan;
}

StepResult dropCapabilities(const CapabilityPlan& plan) {
  // The bounding set first, while CAP_SETPCAP is still ours.
  for (int cap = 0; cap <= plan.last_cap; ++cap) {
    if (plan.keep & (uint64_t{1} << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return stepFail(errno, 0);
  }
  // Root inside gets nothing from exec, and nothing can undo that.
  const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                             SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
  if (::prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) return stepFail(errno, 1);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<uint32_t>(plan.keep >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = word;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return stepFail(errno, 2);
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return stepFail(errno, 3);
  for (int cap = 0; cap <= plan.last_cap; ++cap) {
    if (!(plan.keep & (uint64_t{1} << cap))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return stepFail(errno, 4);
  }
  return stepOk();
}

StepResult setNoNewPrivs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return stepFail(errno);
  return stepOk();
}

}  // namespace meshgate::sandbox
