// SPDX-License-Identifier: Apache-2.0
// SandboxProfile validation and the name tables shared by the parsers.
#include "sandbox/profile.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::ErrorSource;

Error configError(std::string message) {
  return Error{std::move(message), 0, ErrorSource::Config};
}

constexpr const char* kCapabilityNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

struct Named {
  const char* name;
  int value;
};

constexpr Named kFamilies[] = {
    {"unix", AF_UNIX},
    {"inet", AF_INET},
    {"ax25", AF_AX25},
    {"ipx", AF_IPX},
    {"appletalk", AF_APPLETALK},
    {"netrom", AF_NETROM},
    {"bridge", AF_BRIDGE},
    {"atmpvc", AF_ATMPVC},
    {"x25", AF_X25},
    {"inet6", AF_INET6},
    {"rose", AF_ROSE},
    {"decnet", AF_DECnet},
    {"netbeui", AF_NETBEUI},
    {"security", AF_SECURITY},
    {"key", AF_KEY},
    {"netlink", AF_NETLINK},
    {"packet", AF_PACKET},
    {"ash", AF_ASH},
    {"econet", AF_ECONET},
    {"atmsvc", AF_ATMSVC},
    {"rds", AF_RDS},
    {"sna", AF_SNA},
    {"irda", AF_IRDA},
    {"pppox", AF_PPPOX},
    {"wanpipe", AF_WANPIPE},
    {"llc", AF_LLC},
    {"ib", AF_IB},
    {"mpls", AF_MPLS},
    {"can", AF_CAN},
    {"tipc", AF_TIPC},
    {"bluetooth", AF_BLUETOOTH},
    {"iucv", AF_IUCV},
    {"rxrpc", AF_RXRPC},
    {"isdn", AF_ISDN},
    {"phonet", AF_PHONET},
    {"ieee802154", AF_IEEE802154},
    {"caif", AF_CAIF},
    {"alg", AF_ALG},
    {"nfc", AF_NFC},
    {"vsock", AF_VSOCK},
    {"kcm", AF_KCM},
    {"qipcrtr", AF_QIPCRTR},
    {"smc", AF_SMC},
    {"xdp", AF_XDP},
    {"mctp", 45},
};

constexpr Named kRlimits[] = {
    {"cpu", RLIMIT_CPU},           {"fsize", RLIMIT_FSIZE},
    {"data", RLIMIT_DATA},         {"stack", RLIMIT_STACK},
    {"core", RLIMIT_CORE},         {"rss", RLIMIT_RSS},
    {"nproc", RLIMIT_NPROC},       {"nofile", RLIMIT_NOFILE},
    {"memlock", RLIMIT_MEMLOCK},   {"as", RLIMIT_AS},
    {"locks", RLIMIT_LOCKS},       {"sigpending", RLIMIT_SIGPENDING},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"rtprio", RLIMIT_RTPRIO},     {"rttime", RLIMIT_RTTIME},
};

// Strips an optional upper/lower-case prefix such as "CAP_", "AF_", "RLIMIT_".
std::string stripPrefix(std::string_view name, std::string_view prefix) {
  std::string lower = base::toLower(name);
  std::string p = base::toLower(prefix);
  if (lower.rfind(p, 0) == 0) lower.erase(0, p.size());
  return lower;
}

bool isAbsoluteClean(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (std::string_view part : base::split(std::string_view(path).substr(1), '/')) {
    if (part == "." || part == "..") return false;
  }
  return path.find('\0') == std::string::npos;
}

}  // namespace

const char* actionName(SeccompActionKind kind) {
  switch (kind) {
    case SeccompActionKind::KillProcess:
      return "kill";
    case SeccompActionKind::KillThread:
      return "kill_thread";
    case SeccompActionKind::Trap:
      return "trap";
    case SeccompActionKind::Errno:
      return "errno";
    case SeccompActionKind::Trace:
      return "trace";
    case SeccompActionKind::Log:
      return "log";
    case SeccompActionKind::Allow:
      return "allow";
  }
  return "?";
}

const char* networkModeName(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::None:
      return "none";
    case NetworkMode::Loopback:
      return "loopback";
    case NetworkMode::Host:
      return "host";
  }
  return "?";
}

std::vector<int> Profile::effectiveSocketFamilies() const {
  if (network.socket_families) return *network.socket_families;
  if (network.mode == NetworkMode::None) return {AF_UNIX};
  return {AF_UNIX, AF_INET, AF_INET6};
}

void addBind(Profile& profile, std::string source, std::string target, bool read_only,
             bool optional) {
  MountSpec m;
  m.kind = MountKind::Bind;
  m.source = std::move(source);
  m.target = std::move(target);
  m.read_only = read_only;
  m.optional = optional;
  profile.filesystem.mounts.push_back(std::move(m));
}

base::Status Profile::validate() const {
  // Ids: the inside range must hold the ids the command runs as, and the host
  // range must never reach uid/gid 0 (also when meshgate itself is root).
  if (user.count == 0) return configError("spec.user.count must be at least 1");
  if (user.count > 1 && (user.uid >= user.count || user.gid >= user.count)) {
    return configError("spec.user.uid and spec.user.gid must be below spec.user.count (" +
                       std::to_string(user.count) + ")");
  }
  if (user.host_uid == 0 || user.host_gid == 0) {
    return configError("spec.user: sandbox ids may not map onto host uid or gid 0");
  }
  if (uint64_t{user.host_uid} + user.count > 0xFFFFFFFFull ||
      uint64_t{user.host_gid} + user.count > 0xFFFFFFFFull) {
    return configError("spec.user: the host id range overflows");
  }
  if (!isAbsoluteClean(process.working_dir)) {
    return configError("spec.process.workingDir must be an absolute path without . or ..: '" +
                       process.working_dir + "'");
  }
  if (process.hostname.empty() || process.hostname.size() > 64) {
    return configError("spec.process.hostname must be 1 to 64 characters");
  }
  for (const EnvVar& e : process.env) {
    if (e.name.empty() || e.name.find('=') != std::string::npos ||
        e.name.find('\0') != std::string::npos) {
      return configError("spec.process.env: invalid variable name '" + e.name + "'");
    }
  }
  for (int fd : process.pass_fds) {
    if (fd < 3)
      return configError("spec.process.passFds: fds 0-2 are always passed; got " +
                         std::to_string(fd));
  }
  for (const MountSpec& m : filesystem.mounts) {
    if (!isAbsoluteClean(m.target)) {
      return configError(
          "spec.filesystem: mount target must be an absolute path without . or "
          "..: '" +
          m.target + "'");
    }
    if (m.target == "/") {
      return configError(
          "spec.filesystem: cannot mount over '/' (the root is the sandbox's own "
          "tmpfs; bind the directories you need)");
    }
    if (m.kind == MountKind::Bind && !isAbsoluteClean(m.source)) {
      return configError(
          "spec.filesystem: bind source must be an absolute path without . or "
          "..: '" +
          m.source + "'");
    }
    if ((filesystem.proc && (m.target == "/proc" || m.target.rfind("/proc/", 0) == 0)) ||
        (filesystem.dev && (m.target == "/dev" || m.target.rfind("/dev/", 0) == 0))) {
      return configError("spec.filesystem: '" + m.target +
                         "' lies under the sandbox's own /proc or /dev");
    }
  }
  if (limits.memory_bytes && *limits.memory_bytes < (1u << 20)) {
    return configError("spec.limits.memory must be at least 1Mi");
  }
  if (limits.pids && *limits.pids < 1) return configError("spec.limits.pids must be at least 1");
  if (limits.cpu_cores && !(*limits.cpu_cores >= 0.01 && *limits.cpu_cores <= 4096)) {
    return configError("spec.limits.cpu must be between 0.01 and 4096 cores");
  }
  if (limits.cpu_time && limits.cpu_time->count() < 1'000'000'000) {
    return configError("spec.limits.cpuTime must be at least 1s (RLIMIT_CPU counts seconds)");
  }
  if (limits.wall_time && limits.wall_time->count() <= 0) {
    return configError("spec.limits.wallTime must be positive");
  }
  for (const Rlimit& r : limits.rlimits) {
    if (r.soft > r.hard) {
      return configError("spec.limits.rlimits." + rlimitName(r.resource) +
                         ": soft limit above hard limit");
    }
  }
  for (int cap : capabilities) {
    if (cap < 0 || cap > 63) return configError("spec.capabilities: unknown capability");
  }
  if (landlock.paths) {
    for (const LandlockPathRule& r : *landlock.paths) {
      if (!isAbsoluteClean(r.path)) {
        return configError("spec.landlock.paths: path must be absolute without . or ..: '" +
                           r.path + "'");
      }
      if (r.access == 0) {
        return configError("spec.landlock.paths: '" + r.path + "' grants no access");
      }
    }
  }
  if (seccomp.architectures.empty() || seccomp.architectures[0] != SeccompArch::Native) {
    return configError("spec.seccomp.architectures must start with the native architecture");
  }
  for (const SyscallRule& r : seccomp.rules) {
    if (r.names.empty()) return configError("spec.seccomp.rules: a rule without names");
    for (const ArgCondition& c : r.args) {
      if (c.index > 5) return configError("spec.seccomp.rules: argument index above 5");
    }
  }
  return base::okStatus();
}

std::optional<int> capabilityFromName(std::string_view name) {
  std::string want = stripPrefix(name, "CAP_");
  for (size_t i = 0; i < std::size(kCapabilityNames); ++i) {
    if (stripPrefix(kCapabilityNames[i], "CAP_") == want) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string capabilityName(int cap) {
  if (cap >= 0 && static_cast<size_t>(cap) < std::size(kCapabilityNames)) {
    return kCapabilityNames[cap];
  }
  return "CAP_" + std::to_string(cap);
}

std::optional<int> socketFamilyFromName(std::string_view name) {
  std::string want = stripPrefix(name, "AF_");
  if (want == "local") want = "unix";
  for (const Named& f : kFamilies) {
    if (want == f.name) return f.value;
  }
  if (auto n = base::parseUint64(want); n && *n < 64) return static_cast<int>(*n);
  return std::nullopt;
}

std::string socketFamilyName(int family) {
  for (const Named& f : kFamilies) {
    if (f.value == family) return f.name;
  }
  return std::to_string(family);
}

std::optional<int> rlimitFromName(std::string_view name) {
  std::string want = stripPrefix(name, "RLIMIT_");
  for (const Named& r : kRlimits) {
    if (want == r.name) return r.value;
  }
  return std::nullopt;
}

std::string rlimitName(int resource) {
  for (const Named& r : kRlimits) {
    if (r.value == resource) return r.name;
  }
  return std::to_string(resource);
}

std::optional<int> errnoFromName(std::string_view name) {
  if (auto n = base::parseUint64(name); n && *n > 0 && *n < 4096) return static_cast<int>(*n);
  for (int e = 1; e < 4096; ++e) {
    const char* n = strerrorname_np(e);
    if (n != nullptr && name == n) return e;
  }
  return std::nullopt;
}

std::string errnoName(int err) {
  const char* n = strerrorname_np(err);
  return n != nullptr ? std::string(n) : std::to_string(err);
}

}  // namespace meshgate::sandbox
