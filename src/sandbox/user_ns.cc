// SPDX-License-Identifier: Apache-2.0
#include "sandbox/user_ns.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::sandbox {
namespace {

base::Status writeProcFile(pid_t pid, const char* name, const std::string& content) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return base::errnoError("user namespace: open " + path);
  ssize_t n = ::write(fd, content.data(), content.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    return base::errnoError(
        "user namespace: write '" + content.substr(0, content.size() - 1) + "' to " + path,
        n < 0 ? err : EIO);
  }
  return base::okStatus();
}

}  // namespace

base::Result<UserPlan> planUser(const UserSpec& spec) {
  UserPlan plan;
  plan.uid = spec.uid;
  plan.gid = spec.gid;
  uid_t host_uid = spec.host_uid;
  gid_t host_gid = spec.host_gid;
  uint32_t count = spec.count;
  if (::geteuid() != 0) {
    // Without CAP_SETUID in the parent namespace only one's own ids can be
    // mapped, and gid_map needs setgroups denied first. Never host 0 either:
    // the caller is not root.
    host_uid = ::geteuid();
    host_gid = ::getegid();
    count = 1;
    plan.drop_groups = false;
  }
  if (host_uid == 0 || host_gid == 0) {
    return base::Error{"user namespace: refusing to map sandbox ids onto host uid/gid 0", 0,
                       base::ErrorSource::Config};
  }
  // One id: the inside id itself. A range: inside ids from 0.
  const uid_t uid_base = count == 1 ? spec.uid : 0;
  const gid_t gid_base = count == 1 ? spec.gid : 0;
  plan.uid_map = std::to_string(uid_base) + " " + std::to_string(host_uid) + " " +
                 std::to_string(count) + "\n";
  plan.gid_map = std::to_string(gid_base) + " " + std::to_string(host_gid) + " " +
                 std::to_string(count) + "\n";
  return plan;
}

base::Status writeIdMaps(pid_t pid, const UserPlan& plan) {
  MG_RETURN_IF_ERROR(writeProcFile(pid, "setgroups", plan.drop_groups ? "allow\n" : "deny\n"));
  MG_RETURN_IF_ERROR(writeProcFile(pid, "gid_map", plan.gid_map));
  return writeProcFile(pid, "uid_map", plan.uid_map);
}

StepResult enterIds(const UserPlan& plan) {
  // Keep the capabilities of the namespace's creator across the uid change;
  // they are dropped for good in the capabilities step.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return stepFail(errno, 0);
  // Supplementary groups inherited from the supervisor would otherwise follow
  // the sandbox (host root's group 0 included).
  // Raw syscalls: glibc's wrappers would try to broadcast the change to the
  // supervisor's other threads, which do not exist in this process.
  if (plan.drop_groups && ::syscall(SYS_setgroups, 0, nullptr) != 0) return stepFail(errno, 1);
  if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) return stepFail(errno, 2);
  if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) return stepFail(errno, 3);
  return stepOk();
}

}  // namespace meshgate::sandbox
