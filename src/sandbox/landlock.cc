// SPDX-License-Identifier: Apache-2.0
#include "sandbox/landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::sandbox {
namespace {

// The Landlock UAPI (include/uapi/linux/landlock.h), spelled out because the
// build host's headers may predate the ABI the running kernel offers.
constexpr uint64_t kFsExecute = 1ull << 0;
constexpr uint64_t kFsWriteFile = 1ull << 1;
constexpr uint64_t kFsReadFile = 1ull << 2;
constexpr uint64_t kFsReadDir = 1ull << 3;
constexpr uint64_t kFsRemoveDir = 1ull << 4;
constexpr uint64_t kFsRemoveFile = 1ull << 5;
constexpr uint64_t kFsMakeChar = 1ull << 6;
constexpr uint64_t kFsMakeDir = 1ull << 7;
constexpr uint64_t kFsMakeReg = 1ull << 8;
constexpr uint64_t kFsMakeSock = 1ull << 9;
constexpr uint64_t kFsMakeFifo = 1ull << 10;
constexpr uint64_t kFsMakeBlock = 1ull << 11;
constexpr uint64_t kFsMakeSym = 1ull << 12;
constexpr uint64_t kFsRefer = 1ull << 13;     // ABI 2
constexpr uint64_t kFsTruncate = 1ull << 14;  // ABI 3
constexpr uint64_t kFsIoctlDev = 1ull << 15;  // ABI 5
constexpr uint64_t kNetBindTcp = 1ull << 0;   // ABI 4
constexpr uint64_t kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnix = 1ull << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
constexpr unsigned kCreateRulesetVersion = 1u << 0;

// Rights that make sense on a file (not a directory) as a rule's anchor.
constexpr uint64_t kFileRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

constexpr uint64_t kRead = kFsReadFile | kFsReadDir;
// Device nodes are never granted: kWrite lacks these two.
static_assert((kFsMakeChar | kFsMakeBlock) == 0x840);
constexpr uint64_t kWrite = kFsWriteFile | kFsRemoveDir | kFsRemoveFile | kFsMakeDir | kFsMakeReg |
                            kFsMakeSock | kFsMakeFifo | kFsMakeSym | kFsRefer | kFsTruncate;

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};

uint64_t handledFsForAbi(int abi) {
  uint64_t fs = (kFsMakeSym << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) fs |= kFsRefer;
  if (abi >= 3) fs |= kFsTruncate;
  if (abi >= 5) fs |= kFsIoctlDev;
  return fs;
}

uint64_t toLandlock(uint32_t access) {
  uint64_t out = 0;
  if (access & kLandlockRead) out |= kRead;
  if (access & kLandlockWrite) out |= kWrite;
  if (access & kLandlockExecute) out |= kFsExecute;
  if (access & kLandlockIoctl) out |= kFsIoctlDev;
  return out;
}

int popcount(uint64_t v) {
  return __builtin_popcountll(v);
}

}  // namespace

int landlockAbi() {
  // A property of the running kernel: asked once.
  static const int abi = [] {
    long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return v < 0 ? 0 : static_cast<int>(v);
  }();
  return abi;
}

std::string LandlockPlan::describe() const {
  if (!enabled) {
    return abi == 0 ? "off (the kernel has no Landlock)" : "off (disabled by the profile)";
  }
  std::string out = "ABI " + std::to_string(abi) + ": " + std::to_string(rules.size()) +
                    " path rules over " + std::to_string(popcount(handled_fs)) +
                    " file-system rights";
  if (handled_net != 0) {
    out += ", TCP";
    if (handled_net & kNetBindTcp) out += " bind (" + std::to_string(bind_ports.size()) + " ports)";
    if (handled_net & kNetConnectTcp) {
      out += " connect (" + std::to_string(connect_ports.size()) + " ports)";
    }
  }
  if (scoped != 0) {
    out += ", scoped:";
    if (scoped & kScopeSignal) out += " signals";
    if (scoped & kScopeAbstractUnix) out += " abstract-unix-sockets";
  }
  for (const std::string& n : not_enforced)
    out += "; not enforced: " + n;
  return out;
}

base::Result<LandlockPlan> planLandlock(const Profile& profile, int abi) {
  const LandlockSpec& spec = profile.landlock;
  LandlockPlan plan;
  plan.abi = abi;
  if (spec.mode == LandlockMode::Off) return plan;
  auto unavailable = [&](std::string what) -> base::Status {
    if (spec.mode == LandlockMode::Required) {
      return base::Error{"landlock: " + what + " (kernel ABI " + std::to_string(abi) +
                             ", and spec.landlock.mode is required)",
                         0, base::ErrorSource::Config};
    }
    plan.not_enforced.push_back(std::move(what));
    return base::okStatus();
  };
  if (abi < 1) {
    MG_RETURN_IF_ERROR(unavailable("Landlock is not available"));
    return plan;
  }
  plan.enabled = true;
  plan.handled_fs = handledFsForAbi(abi);

  if (spec.paths) {
    for (const LandlockPathRule& r : *spec.paths) {
      plan.rules.push_back({r.path, toLandlock(r.access), false});
    }
  } else {
    // Mirror the mount view: what is mounted read-only is readable and
    // executable; what is writable is not executable.
    plan.rules.push_back({"/", kFsReadDir, false});
    for (const MountSpec& m : profile.filesystem.mounts) {
      uint64_t access =
          m.kind == MountKind::Tmpfs || !m.read_only ? (kRead | kWrite) : (kRead | kFsExecute);
      plan.rules.push_back({m.target, access, true});
    }
    if (profile.filesystem.proc) plan.rules.push_back({"/proc", kRead, false});
    if (profile.filesystem.dev) {
      plan.rules.push_back({"/dev", kRead | kFsWriteFile | kFsTruncate | kFsIoctlDev, false});
    }
  }
  for (LandlockPlanRule& r : plan.rules)
    r.access &= plan.handled_fs;

  if (spec.bind_tcp || spec.connect_tcp) {
    if (abi < 4) {
      MG_RETURN_IF_ERROR(unavailable("TCP port rules need ABI 4"));
    } else {
      if (spec.bind_tcp) {
        plan.handled_net |= kNetBindTcp;
        plan.bind_ports = *spec.bind_tcp;
      }
      if (spec.connect_tcp) {
        plan.handled_net |= kNetConnectTcp;
        plan.connect_ports = *spec.connect_tcp;
      }
    }
  }
  if (spec.scope_signals || spec.scope_abstract_unix) {
    if (abi < 6) {
      MG_RETURN_IF_ERROR(unavailable("signal and abstract-socket scoping need ABI 6"));
    } else {
      if (spec.scope_signals) plan.scoped |= kScopeSignal;
      if (spec.scope_abstract_unix) plan.scoped |= kScopeAbstractUnix;
    }
  }
  return plan;
}

StepResult applyLandlock(const LandlockPlan& plan) {
  if (!plan.enabled) return stepOk();
  RulesetAttr attr{plan.handled_fs, plan.handled_net, plan.scoped};
  int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (ruleset < 0) return stepFail(errno, -1);
  auto fail = [&](int err, int detail) {
    ::close(ruleset);
    return stepFail(err, detail);
  };
  for (size_t i = 0; i < plan.rules.size(); ++i) {
    const LandlockPlanRule& r = plan.rules[i];
    int fd = ::open(r.path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      if (r.optional && (errno == ENOENT || errno == ENOTDIR)) continue;
      return fail(errno, static_cast<int>(i));
    }
    struct stat st {};
    uint64_t access = r.access;
    if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFileRights;
    if (access != 0) {
      PathBeneathAttr pb{access, fd};
      if (::syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &pb, 0) != 0) {
        int err = errno;
        ::close(fd);
        return fail(err, static_cast<int>(i));
      }
    }
    ::close(fd);
  }
  const size_t base = plan.rules.size();
  for (size_t i = 0; i < plan.bind_ports.size(); ++i) {
    NetPortAttr np{kNetBindTcp, plan.bind_ports[i]};
    if (::syscall(SYS_landlock_add_rule, ruleset, kRuleNetPort, &np, 0) != 0) {
      return fail(errno, static_cast<int>(base + i));
    }
  }
  for (size_t i = 0; i < plan.connect_ports.size(); ++i) {
    NetPortAttr np{kNetConnectTcp, plan.connect_ports[i]};
    if (::syscall(SYS_landlock_add_rule, ruleset, kRuleNetPort, &np, 0) != 0) {
      return fail(errno, static_cast<int>(base + plan.bind_ports.size() + i));
    }
  }
  if (::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) return fail(errno, -1);
  ::close(ruleset);
  return stepOk();
}

}  // namespace meshgate::sandbox
