// SPDX-License-Identifier: Apache-2.0
// The typed model of a SandboxProfile (meshgate.io/v1): what a sandboxed process
// may see and do. Plain data with defaults that are safe on their own; parsed
// from YAML by profile_yaml.h. Depends on base only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/seccomp_policy.h"

namespace meshgate::sandbox {

/// The ids the command runs as inside the sandbox, and the host ids that back
/// them. With count 1 (the default) the one inside id maps onto host_uid
/// (host_gid); with a larger count the inside range [0, count) maps onto
/// [host_uid, host_uid + count). validate() refuses any mapping that would
/// make host uid or gid 0 reachable.
struct UserSpec {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t host_uid = 65534;
  uint32_t host_gid = 65534;
  uint32_t count = 1;
  bool operator==(const UserSpec&) const = default;
};

struct EnvVar {
  std::string name;
  /// Unset: copied from the caller's environment when present there.
  std::optional<std::string> value;
  bool operator==(const EnvVar&) const = default;
};

struct ProcessSpec {
  /// A pid-1 reaper that forwards signals and reports violations; when false
  /// the command itself is pid 1 (bubblewrap's --as-pid-1).
  bool init = true;
  std::string working_dir = "/";
  std::string hostname = "sandbox";
  /// The complete environment: nothing else from the caller leaks in.
  std::vector<EnvVar> env = {{"PATH", std::string("/usr/local/bin:/usr/bin:/bin")}};
  /// Caller fds kept open at the same number (0, 1, 2 are always kept).
  std::vector<int> pass_fds;
  bool operator==(const ProcessSpec&) const = default;
};

enum class MountKind { Bind, Tmpfs };

struct MountSpec {
  MountKind kind = MountKind::Bind;
  /// Host path (Bind only).
  std::string source;
  /// Absolute path inside the sandbox.
  std::string target;
  bool read_only = true;
  /// Bind only: a missing source is skipped instead of failing.
  bool optional = false;
  /// Tmpfs only: size in bytes (0: the kernel default, half of RAM) and mode.
  uint64_t size_bytes = 0;
  uint32_t mode = 01777;
  bool operator==(const MountSpec&) const = default;
};

/// A tmpfs at `target` (mode 1777), `size_bytes` large (0: the kernel default).
inline MountSpec tmpfsMount(std::string target, uint64_t size_bytes) {
  MountSpec m;
  m.kind = MountKind::Tmpfs;
  m.target = std::move(target);
  m.read_only = false;
  m.size_bytes = size_bytes;
  return m;
}

struct FilesystemSpec {
  /// Applied parents first (by target depth, then in order). A root tmpfs,
  /// read-only once built, sits under all of them. Default: a 64 MiB /tmp.
  std::vector<MountSpec> mounts = {tmpfsMount("/tmp", 64ull << 20)};
  /// A private /proc for the sandbox's pid namespace; /proc/sys,
  /// /proc/sysrq-trigger, /proc/irq and /proc/bus are read-only.
  bool proc = true;
  /// /dev with null, zero, random, urandom, tty, and fd/stdin/stdout/stderr links.
  bool dev = true;
  bool operator==(const FilesystemSpec&) const = default;
};

enum class NetworkMode { None, Loopback, Host };
const char* networkModeName(NetworkMode mode);

struct NetworkSpec {
  NetworkMode mode = NetworkMode::None;
  /// Address families socket(2) and socketpair(2) may use. Unset: AF_UNIX,
  /// plus AF_INET and AF_INET6 unless the mode is None. Others fail with
  /// EAFNOSUPPORT, by a filter of their own (see docs/sandbox.md).
  std::optional<std::vector<int>> socket_families;
  bool operator==(const NetworkSpec&) const = default;
};

struct Rlimit {
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0;
  uint64_t hard = 0;  // RLIM_INFINITY for unlimited
  bool operator==(const Rlimit&) const = default;
};

struct LimitsSpec {
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> pids;
  /// CPU bandwidth in cores (0.5 = half a core), via the cgroup cpu controller.
  std::optional<double> cpu_cores;
  /// CPU time: RLIMIT_CPU for each process, and the sandbox's total when a
  /// cgroup accounts for it.
  std::optional<std::chrono::nanoseconds> cpu_time;
  /// Wall-clock time from start to kill, enforced by the supervisor.
  std::optional<std::chrono::nanoseconds> wall_time;
  std::vector<Rlimit> rlimits = {{4 /*RLIMIT_CORE*/, 0, 0}};
  bool operator==(const LimitsSpec&) const = default;
};

enum class LandlockMode { Off, BestEffort, Required };

/// Landlock access groups a path rule grants.
enum LandlockAccess : uint32_t {
  kLandlockRead = 1u << 0,     // read files, list directories
  kLandlockWrite = 1u << 1,    // write, truncate, create, remove, rename
  kLandlockExecute = 1u << 2,  // execute files
  kLandlockIoctl = 1u << 3,    // ioctl on device files (ABI 5)
};

struct LandlockPathRule {
  std::string path;
  uint32_t access = 0;  // LandlockAccess bits
  bool operator==(const LandlockPathRule&) const = default;
};

struct LandlockSpec {
  LandlockMode mode = LandlockMode::BestEffort;
  /// Unset: derived from the filesystem (read-only binds: read+execute;
  /// read-write binds and tmpfs: read+write; /dev: read+write+ioctl; /proc:
  /// read; "/" itself: directory listing).
  std::optional<std::vector<LandlockPathRule>> paths;
  /// TCP ports bind(2)/connect(2) may use (ABI 4). Unset: not restricted.
  std::optional<std::vector<uint16_t>> bind_tcp;
  std::optional<std::vector<uint16_t>> connect_tcp;
  /// ABI 6 scopes: no signals to, and no abstract unix sockets of, processes
  /// outside the sandbox.
  bool scope_signals = true;
  bool scope_abstract_unix = true;
  bool operator==(const LandlockSpec&) const = default;
};

struct Profile {
  std::string name;
  UserSpec user;
  ProcessSpec process;
  FilesystemSpec filesystem;
  NetworkSpec network;
  LimitsSpec limits;
  /// Capabilities kept (CAP_* numbers); every other one is dropped from all sets.
  std::vector<int> capabilities;
  LandlockSpec landlock;
  SeccompPolicy seccomp;

  /// Structural checks that do not touch the host: id mapping, absolute
  /// paths, limits in range, a seccomp policy that lets execve through.
  base::Status validate() const;
  /// The socket families in effect (explicit, or derived from the network mode).
  std::vector<int> effectiveSocketFamilies() const;
  bool operator==(const Profile&) const = default;
};

/// Adds a read-only (or read-write) bind of `path` onto the same path.
void addBind(Profile& profile, std::string source, std::string target, bool read_only,
             bool optional = false);

/// Capability names ("CAP_NET_ADMIN" or "net_admin") <-> numbers.
std::optional<int> capabilityFromName(std::string_view name);
std::string capabilityName(int cap);
/// Socket family names ("unix", "inet", "AF_NETLINK", ...) <-> numbers.
std::optional<int> socketFamilyFromName(std::string_view name);
std::string socketFamilyName(int family);
/// RLIMIT names ("nofile", "RLIMIT_NOFILE") <-> numbers.
std::optional<int> rlimitFromName(std::string_view name);
std::string rlimitName(int resource);
/// errno names ("EPERM") <-> numbers.
std::optional<int> errnoFromName(std::string_view name);
std::string errnoName(int err);

}  // namespace meshgate::sandbox
