// SPDX-License-Identifier: Apache-2.0
// The attacker: `sandbox_probe <attack> [args...]` tries one thing and prints
// one line, "<attack>: ok" or "<attack>: errno=<NAME>" (or a few values), so
// that a test can assert the exact outcome; a killed probe prints nothing.
// Deliberately plain: no sanitizers, no threads, nothing but the attempt.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

const char* g_attack = "";

int report(long rc) {
  if (rc >= 0) {
    std::printf("%s: ok\n", g_attack);
  } else {
    const char* name = strerrorname_np(errno);
    std::printf("%s: errno=%s\n", g_attack, name != nullptr ? name : "?");
  }
  std::fflush(stdout);
  return 0;
}

long writeFile(const char* path) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  long rc = ::write(fd, "pwned\n", 6);
  ::close(fd);
  return rc;
}

long readFile(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[64];
  long rc = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return rc;
}

long connectTcp(const char* host, int port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host, &sa.sin_addr);
  long rc = ::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = errno;
  ::close(s);
  errno = err;
  return rc;
}

long bindTcp(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long rc = ::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = errno;
  ::close(s);
  errno = err;
  return rc;
}

// A 32-bit syscall from 64-bit code: int 0x80 takes the i386 ABI.
long int80(long nr) {
  long ret;
  asm volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
  if (ret < 0 && ret > -4096) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}

int family(const char* name) {
  if (std::strcmp(name, "packet") == 0) return AF_PACKET;
  if (std::strcmp(name, "netlink") == 0) return AF_NETLINK;
  if (std::strcmp(name, "inet") == 0) return AF_INET;
  if (std::strcmp(name, "inet6") == 0) return AF_INET6;
  if (std::strcmp(name, "unix") == 0) return AF_UNIX;
  if (std::strcmp(name, "vsock") == 0) return AF_VSOCK;
  return std::atoi(name);
}

int usage() {
  std::fprintf(stderr, "usage: sandbox_probe <attack> [args]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  g_attack = argv[1];
  const std::string_view a = argv[1];
  const char* arg1 = argc > 2 ? argv[2] : "";
  const char* arg2 = argc > 3 ? argv[3] : "";

  if (a == "noop") return report(0);
  if (a == "whoami") {
    uint32_t caps[4] = {};
    struct {
      uint32_t version;
      int pid;
    } header{0x20080522, 0};
    ::syscall(SYS_capget, &header, caps);
    std::printf("whoami: uid=%d euid=%d gid=%d egid=%d caps=%08x%08x nnp=%d\n", getuid(), geteuid(),
                getgid(), getegid(), caps[3], caps[0], ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    return 0;
  }
  if (a == "write-file") return report(writeFile(arg1));
  if (a == "read-file") return report(readFile(arg1));
  if (a == "ptrace") return report(::ptrace(PTRACE_ATTACH, std::atoi(arg1), nullptr, nullptr));
  if (a == "kill") return report(::kill(std::atoi(arg1), SIGTERM));
  if (a == "mount") return report(::mount("none", "/tmp", "tmpfs", 0, nullptr));
  if (a == "umount") return report(::umount2(arg1[0] ? arg1 : "/proc", MNT_DETACH));
  if (a == "pivot_root") return report(::syscall(SYS_pivot_root, "/tmp", "/tmp"));
  if (a == "unshare") return report(::unshare(CLONE_NEWUSER));
  if (a == "setns") {
    int fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return report(-1);
    return report(::setns(fd, CLONE_NEWNET));
  }
  if (a == "bpf") {
    union bpf_attr attr {};
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return report(::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
  }
  if (a == "keyctl") {
    return report(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  }
  if (a == "perf_event_open") {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    return report(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  }
  if (a == "userfaultfd") return report(::syscall(SYS_userfaultfd, O_CLOEXEC));
  if (a == "io_uring_setup") {
    io_uring_params params{};
    return report(::syscall(SYS_io_uring_setup, 4, &params));
  }
  if (a == "open_by_handle_at") {
    alignas(8) char buf[sizeof(file_handle) + 16] = {};
    auto* fh = reinterpret_cast<file_handle*>(buf);
    fh->handle_bytes = 8;
    fh->handle_type = 1;
    return report(::syscall(SYS_open_by_handle_at, AT_FDCWD, fh, O_RDONLY));
  }
  if (a == "socket") return report(::socket(family(arg1), SOCK_RAW, 0) >= 0 ? 0 : -1);
  if (a == "socket-stream") return report(::socket(family(arg1), SOCK_STREAM, 0) >= 0 ? 0 : -1);
  if (a == "connect-tcp") return report(connectTcp(arg1, std::atoi(arg2)));
  if (a == "bind-tcp") return report(bindTcp(std::atoi(arg1)));
  if (a == "mknod") return report(::mknod(arg1, S_IFCHR | 0666, makedev(1, 3)));
  if (a == "write-proc-sys") return report(writeFile("/proc/sys/kernel/hostname"));
  if (a == "clock_settime") {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return report(::clock_settime(CLOCK_REALTIME, &now));
  }
  if (a == "reboot") {
    // The harmless command (ctrl-alt-del handling), in case it got through.
    return report(::syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                            LINUX_REBOOT_CMD_CAD_OFF, nullptr));
  }
  if (a == "delete_module") {
    return report(::syscall(SYS_delete_module, "meshgate_no_such_module", O_NONBLOCK));
  }
  if (a == "finit_module") {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    return report(::syscall(SYS_finit_module, fd, "", 0));
  }
  if (a == "exec") {
    ::execv(arg1, argv + 2);
    return report(-1);
  }
  if (a == "x32") return report(::syscall(__X32_SYSCALL_BIT | SYS_getpid));
  if (a == "int80") return report(int80(20 /* i386 getpid */));
  if (a == "int80-socket") {
    // i386 socketcall(SYS_SOCKET, [AF_PACKET, SOCK_RAW, 0]) in low memory.
    void* low = ::mmap(reinterpret_cast<void*>(0x10000), 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (low == MAP_FAILED) return report(-1);
    auto* args = static_cast<uint32_t*>(low);
    args[0] = AF_PACKET;
    args[1] = SOCK_RAW;
    args[2] = 0;
    long ret;
    asm volatile("int $0x80"
                 : "=a"(ret)
                 : "a"(102L), "b"(1L), "c"(reinterpret_cast<long>(low))
                 : "memory", "r8", "r9", "r10", "r11");
    if (ret < 0 && ret > -4096) {
      errno = static_cast<int>(-ret);
      return report(-1);
    }
    return report(ret);
  }
  if (a == "tiocsti") {
    char c = 'x';
    return report(::ioctl(0, TIOCSTI, &c));
  }
  if (a == "tiocsti-high-bits") {
    // The classic bypass of 64-bit argument filters: the kernel truncates cmd.
    char c = 'x';
    return report(::syscall(SYS_ioctl, 0, 0xdead00000000ull | TIOCSTI, &c));
  }
  if (a == "fork-bomb") {
    long limit = std::atol(arg1);
    long forks = 0;
    while (forks < limit) {
      pid_t p = ::fork();
      if (p < 0) break;
      if (p == 0) {
        ::pause();
        ::_exit(0);
      }
      ++forks;
    }
    int err = errno;
    const char* name = forks < limit ? strerrorname_np(err) : "none";
    std::printf("fork-bomb: forks=%ld errno=%s\n", forks, name != nullptr ? name : "?");
    std::fflush(stdout);
    return 0;
  }
  if (a == "memory-hog") {
    // Touch every page through a volatile pointer, so that no compiler
    // elides the allocation.
    long mib = std::atol(arg1);
    for (long i = 0; i < mib; ++i) {
      volatile char* p = static_cast<volatile char*>(std::malloc(1 << 20));
      if (p == nullptr) return report(-1);
      for (size_t off = 0; off < (1u << 20); off += 4096)
        p[off] = 1;
    }
    return report(0);
  }
  if (a == "cpu-hog") {
    volatile unsigned long x = 0;
    while (true)
      x = x + 1;
  }
  if (a == "sleep") {
    ::sleep(static_cast<unsigned>(std::atoi(arg1)));
    return report(0);
  }
  if (a == "symlink-escape") {
    // arg1: a link to create in the allowed folder; arg2: what it points at.
    if (::symlink(arg2, arg1) != 0) return report(-1);
    return report(readFile(arg1));
  }
  if (a == "hardlink-escape") {
    // arg1: the link to create in the allowed folder; arg2: the file outside.
    if (::link(arg2, arg1) != 0) return report(-1);
    return report(readFile(arg1));
  }
  if (a == "rename-escape") {
    return report(::rename(arg2, arg1));
  }
  if (a == "signal-parent") return report(::kill(getppid(), 0));
  if (a == "list-fds") {
    // The open fds, but the directory's own.
    int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return report(-1);
    std::string fds;
    alignas(8) char buf[4096];
    long n;
    while ((n = ::syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        off += d->d_reclen;
        if (d->d_name[0] < '0' || d->d_name[0] > '9' || std::atoi(d->d_name) == dir) continue;
        fds += (fds.empty() ? "" : " ") + std::string(d->d_name);
      }
    }
    std::printf("list-fds: %s\n", fds.c_str());
    return 0;
  }
  if (a == "write-fd") {
    const char msg[] = "through a passed fd\n";
    return report(::write(std::atoi(arg1), msg, sizeof msg - 1));
  }
  return usage();
}
