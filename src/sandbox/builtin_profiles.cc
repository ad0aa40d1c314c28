// SPDX-License-Identifier: Apache-2.0
#include "sandbox/builtin_profiles.h"

#include "sandbox/builtin_data.h"
#include "sandbox/profile_yaml.h"

namespace meshgate::sandbox {
namespace {

// The file-system view shared by all three: /usr read-only, the merged-/usr
// links (/bin -> usr/bin, ...) as links, the loader cache, a 64 MiB /tmp,
// a private /proc and a minimal /dev.
#define MG_SYSTEM_BINDS                        \
  "    readOnly: [/usr]\n"                     \
  "    binds:\n"                               \
  "      - {source: /bin, optional: true}\n"   \
  "      - {source: /sbin, optional: true}\n"  \
  "      - {source: /lib, optional: true}\n"   \
  "      - {source: /lib64, optional: true}\n" \
  "      - {source: /etc/ld.so.cache, optional: true}\n"

constexpr std::string_view kStrict =
    R"(# strict: compute and stdio. Enough for a dynamically linked program such as
# /bin/true or /bin/echo to load, read its input and write its output; any
# other syscall kills the sandbox. No network, no writable path but /tmp.
apiVersion: meshgate.io/v1
kind: SandboxProfile
metadata:
  name: strict
spec:
  filesystem:
)" MG_SYSTEM_BINDS R"(    tmpfs:
      - {path: /tmp, size: 16Mi}
  network:
    mode: none
  limits:
    rlimits:
      core: 0
      nofile: 256
  seccomp:
    defaultAction: kill
    allow:
      # program loading (ld.so) and process start-up
      - execve
      - brk
      - mmap
      - munmap
      - mprotect
      - arch_prctl
      - set_tid_address
      - set_robust_list
      - rseq
      - prlimit64
      - access
      - openat
      - newfstatat
      - fstat
      - pread64
      - getrandom
      - futex
      # stdio
      - read
      - write
      - lseek
      - close
      # time and the end
      - clock_gettime
      - rt_sigreturn
      - exit
      - exit_group
)";

constexpr std::string_view kHttpService =
    R"(# http-service: a network server (python3 -m http.server and the like) in 40
# syscalls. It listens on the host's network (the proxy in front of it must
# reach it); add landlock.bindTcp in a derived profile to pin its port.
# Harmless start-up probes get a quiet errno; anything else kills the sandbox.
apiVersion: meshgate.io/v1
kind: SandboxProfile
metadata:
  name: http-service
spec:
  filesystem:
)" MG_SYSTEM_BINDS R"(      - {source: /etc/mime.types, optional: true}
      - {source: /etc/ssl, optional: true}
      - {source: /etc/localtime, optional: true}
    tmpfs:
      - {path: /tmp, size: 64Mi}
  network:
    mode: host
    socketFamilies: [unix, inet, inet6]
  limits:
    rlimits:
      core: 0
  seccomp:
    defaultAction: kill
    allow:
      # process, memory, threads (16)
      - execve
      - exit
      - exit_group
      - brk
      - mmap
      - munmap
      - mprotect
      - arch_prctl
      - set_tid_address
      - set_robust_list
      - rseq
      - futex
      - rt_sigaction
      - rt_sigprocmask
      - rt_sigreturn
      - getrandom
      # files (12)
      - read
      - write
      - openat
      - close
      - newfstatat
      - lseek
      - pread64
      - getdents64
      - fcntl
      - ioctl
      - getcwd
      - poll
      # network (11)
      - socket
      - bind
      - listen
      - accept
      - accept4
      - connect
      - setsockopt
      - getsockname
      - recvfrom
      - sendto
      - shutdown
    rules:
      # threads and worker processes, but no new namespaces (1)
      - names: [clone]
        action: allow
        args:
          - {index: 0, op: maskedEq, value: 0x7e020000, valueTwo: 0}
      # glibc falls back to clone, newfstatat, ...
      - names: [clone3, statx, faccessat2]
        action: errno
        errno: ENOSYS
      # the loader's /etc/ld.so.preload probe
      - names: [access]
        action: errno
        errno: ENOENT
      # start-up probes whose failure programs shrug off
      - names: [uname, sysinfo, prlimit64, madvise, gettid, getpid, getuid, geteuid, getgid,
                getegid, readlink, sched_getaffinity, sendfile, epoll_create1, prctl, alarm]
        action: errno
        errno: EPERM
)";

constexpr std::string_view kShell =
    R"(# shell: sh and the coreutils. Reads the system's /usr and /etc, writes only
# /tmp, no network. Syscalls outside the list fail with EPERM and are
# reported as violations.
apiVersion: meshgate.io/v1
kind: SandboxProfile
metadata:
  name: shell
spec:
  filesystem:
)" MG_SYSTEM_BINDS R"(      - {source: /etc, optional: false}
    tmpfs:
      - {path: /tmp, size: 64Mi}
  network:
    mode: none
  limits:
    rlimits:
      core: 0
  seccomp:
    defaultAction: errno
    defaultErrno: EPERM
    allow:
      # processes
      - execve
      - execveat
      - exit
      - exit_group
      - fork
      - vfork
      - wait4
      - waitid
      - kill
      - tgkill
      - tkill
      - getpid
      - getppid
      - gettid
      - getpgrp
      - getpgid
      - setpgid
      - getsid
      - getuid
      - geteuid
      - getgid
      - getegid
      - getresuid
      - getresgid
      - getgroups
      - prctl
      - prlimit64
      - getrlimit
      - getrusage
      - times
      - umask
      - uname
      - sysinfo
      - getrandom
      - sched_getaffinity
      - sched_yield
      - getpriority
      # memory
      - brk
      - mmap
      - munmap
      - mprotect
      - mremap
      - madvise
      - arch_prctl
      - set_tid_address
      - set_robust_list
      - rseq
      - futex
      # signals and time
      - rt_sigaction
      - rt_sigprocmask
      - rt_sigreturn
      - rt_sigsuspend
      - rt_sigtimedwait
      - rt_sigpending
      - sigaltstack
      - alarm
      - setitimer
      - getitimer
      - pause
      - nanosleep
      - clock_nanosleep
      - clock_gettime
      - clock_getres
      - gettimeofday
      - time
      # file descriptors and I/O
      - read
      - write
      - readv
      - writev
      - pread64
      - pwrite64
      - open
      - openat
      - creat
      - close
      - close_range
      - dup
      - dup2
      - dup3
      - pipe
      - pipe2
      - lseek
      - fcntl
      - ioctl
      - flock
      - fsync
      - fdatasync
      - ftruncate
      - truncate
      - fallocate
      - fadvise64
      - sendfile
      - copy_file_range
      - splice
      - poll
      - ppoll
      - select
      - pselect6
      - epoll_create1
      - epoll_ctl
      - epoll_wait
      - epoll_pwait
      # the file system
      - stat
      - fstat
      - lstat
      - newfstatat
      - statx
      - statfs
      - fstatfs
      - access
      - faccessat
      - faccessat2
      - readlink
      - readlinkat
      - getdents64
      - getcwd
      - chdir
      - fchdir
      - mkdir
      - mkdirat
      - rmdir
      - unlink
      - unlinkat
      - rename
      - renameat
      - renameat2
      - link
      - linkat
      - symlink
      - symlinkat
      - chmod
      - fchmod
      - fchmodat
      - fchown
      - fchownat
      - chown
      - lchown
      - utimensat
      - utimes
      - mknod
      - mknodat
      - getxattr
      - lgetxattr
      - fgetxattr
      - listxattr
      - llistxattr
      - flistxattr
      # local sockets (the network is none)
      - socket
      - socketpair
      - connect
      - getsockname
      - getpeername
      - sendto
      - recvfrom
      - sendmsg
      - recvmsg
      - shutdown
      - setsockopt
      - getsockopt
    rules:
      - names: [clone]
        action: allow
        args:
          - {index: 0, op: maskedEq, value: 0x7e020000, valueTwo: 0}
      - names: [clone3]
        action: errno
        errno: ENOSYS
)";

#undef MG_SYSTEM_BINDS

}  // namespace

std::vector<std::string> builtinProfileNames() {
  return {"strict", "http-service", "shell"};
}

std::string_view builtinProfileYaml(std::string_view name) {
  if (name == "strict") return kStrict;
  if (name == "http-service") return kHttpService;
  if (name == "shell") return kShell;
  return {};
}

base::Result<Profile> parseBuiltinProfileYaml(std::string_view name) {
  std::string_view yaml = builtinProfileYaml(name);
  if (yaml.empty()) {
    return base::Error{
        "unknown built-in profile '" + std::string(name) + "' (strict, http-service, shell)", 0,
        base::ErrorSource::Config};
  }
  ProfileParseOptions options;
  options.file_name = "builtin:" + std::string(name);
  return parseProfileYaml(yaml, options);
}

base::Result<Profile> builtinProfile(std::string_view name) {
  // The build-time table: what parseBuiltinProfileYaml yields, without
  // yaml-cpp's cost on every `sandbox run --builtin`. Only the generator's own
  // build (and an unknown name) parses.
  if (auto generated = generatedBuiltinProfile(name)) return std::move(*generated);
  return parseBuiltinProfileYaml(name);
}

SeccompPolicy defaultSeccompPolicy() {
  static const SeccompPolicy policy = [] {
    auto shell = builtinProfile("shell");
    MG_ASSERT(shell.ok(), "the built-in shell profile must parse");
    return shell.value().seccomp;
  }();
  return policy;
}

}  // namespace meshgate::sandbox
