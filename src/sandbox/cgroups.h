// SPDX-License-Identifier: Apache-2.0
// Control groups for one sandbox: memory, pids and cpu limits plus CPU-time
// accounting. Each controller is used where it lives: cgroup v2 when the
// unified hierarchy has it, v1 otherwise (hybrid hosts mix both). The
// supervisor creates, attaches and removes the groups; the child never writes
// to cgroupfs. Depends on base only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/profile.h"

namespace meshgate::sandbox {

/// One mounted cgroup hierarchy as /proc/self/mountinfo and /proc/self/cgroup
/// describe it.
struct CgroupHierarchy {
  int version = 1;
  std::string mount_point;               // "/sys/fs/cgroup/memory"
  std::vector<std::string> controllers;  // v1: from the mount options; v2: cgroup.controllers
  std::string own_path;                  // this process's cgroup in it, "/a/b"
};

/// Parses the two proc files (exposed for tests).
std::vector<CgroupHierarchy> parseCgroupHierarchies(const std::string& mountinfo,
                                                    const std::string& self_cgroup);

struct CgroupStats {
  std::optional<uint64_t> memory_peak_bytes;
  std::optional<uint64_t> cpu_nanos;
  uint64_t oom_kills = 0;
};

class CgroupSet {
 public:
  /// Creates "<parent>/<name>" in every hierarchy a limit needs and writes the
  /// limits. `parent` is relative to each hierarchy's root ("" = this
  /// process's own cgroup). Returns nullptr when the limits need no cgroup.
  static base::Result<std::unique_ptr<CgroupSet>> create(const LimitsSpec& limits,
                                                         const std::string& parent,
                                                         const std::string& name);
  ~CgroupSet();
  CgroupSet(const CgroupSet&) = delete;
  CgroupSet& operator=(const CgroupSet&) = delete;

  /// A v2 directory fd for clone3's CLONE_INTO_CGROUP, or -1.
  int cloneIntoFd() const { return v2_dir_fd_; }
  /// Moves `pid` into every group it did not start in.
  base::Status attach(pid_t pid, bool cloned_into_v2);
  CgroupStats stats() const;
  /// "v1 memory,pids at /sys/fs/cgroup/{memory,pids}/...; v2 cpu-accounting at ...".
  std::string describe() const;
  /// Kills what is left (cgroup.kill on v2) and removes the directories.
  base::Status destroy();

 private:
  struct Group {
    int version;
    std::string dir;
    std::vector<std::string> controllers;  // those this group is used for
  };
  CgroupSet() = default;
  const Group* groupFor(const std::string& controller) const;

  std::vector<Group> groups_;
  int v2_dir_fd_ = -1;
  bool destroyed_ = false;
};

}  // namespace meshgate::sandbox
