// SPDX-License-Identifier: Apache-2.0
// meshgate-init: the sandbox's pid 1 once the command runs (ADR 0205).
//
// Pid 1 starts as a copy-on-write fork of the supervisor. Once the command has
// exec'd, pid 1 execs this program from a sealed memfd (init_image.cc), so
// that it no longer shares the supervisor's pages: every page the supervisor
// writes afterwards would otherwise be copied, with a TLB shootdown on this
// VM, and pid 1's exit would tear down a copy of the whole meshgate address
// space. Everything else pid 1 was (namespaces, ids, capabilities,
// no_new_privs, Landlock domain, rlimits, session, signal mask, pending
// signals, parent-death signal) survives the exec.
//
// Freestanding: no libc, raw syscalls, no allocation; built at build time with
// -nostdlib -static (src/sandbox/CMakeLists.txt). argv:
//
//   meshgate-init CHANNEL_FD COMMAND_PID PDEATHSIG
//
// It does what init_process.cc's runInit does after "started": non-dumpable,
// its own seccomp filter (init_filter.h), then forward every signal but
// SIGCHLD to the command, reap, report the command's wait status on the
// channel and exit with it gone.
#include <linux/errno.h>
#include <linux/prctl.h>
#include <linux/wait.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "sandbox/channel.h"
#include "sandbox/init_filter.h"

namespace meshgate::sandbox {
namespace {

long sys(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  long ret;
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return ret;
}

[[noreturn]] void exitGroup(int code) {
  while (true)
    sys(SYS_exit_group, code);
}

// A non-negative decimal that fits an int, or -1.
int parseNumber(const char* s) {
  if (s == nullptr || *s == '\0') return -1;
  long v = 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > 0x7fffffff) return -1;
  }
  return static_cast<int>(v);
}

int send(int channel, const Message& m) {
  iovec iov{const_cast<Message*>(&m), sizeof m};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  long rc;
  do {
    rc = sys(SYS_sendmsg, channel, reinterpret_cast<long>(&msg), MSG_NOSIGNAL);
  } while (rc == -EINTR);
  return static_cast<int>(rc);
}

[[noreturn]] void fail(int channel, int command, int err, int detail) {
  sys(SYS_kill, command, SIGKILL);
  Message m;
  m.kind = MessageKind::Failure;
  m.step = Step::Init;
  m.err = err;
  m.detail = detail;
  (void)send(channel, m);
  exitGroup(125);
}

int64_t monotonicNanos() {
  timespec ts{};
  sys(SYS_clock_gettime, CLOCK_MONOTONIC, reinterpret_cast<long>(&ts));
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

[[noreturn]] void run(int argc, char** argv) {
  if (argc != 4) exitGroup(125);
  const int channel = parseNumber(argv[1]);
  const int command = parseNumber(argv[2]);
  const int pdeathsig = parseNumber(argv[3]);
  // Leaving pid 1 ends the sandbox: without a command to look after there is
  // nothing to do.
  if (channel < 0 || command <= 0 || pdeathsig < 0 || pdeathsig >= 65) exitGroup(125);

  // The exec made pid 1 dumpable again unless the image was unreadable to it
  // (init_image.cc makes it execute-only); either way, not from here on.
  if (long rc = sys(SYS_prctl, PR_SET_DUMPABLE, 0); rc != 0) fail(channel, command, -rc, 4);
  // Only an exec that raises privileges clears the parent-death signal, and
  // this one does not; checked all the same.
  if (pdeathsig != 0) {
    int current = 0;
    sys(SYS_prctl, PR_GET_PDEATHSIG, reinterpret_cast<long>(&current));
    if (current != pdeathsig) {
      if (long rc = sys(SYS_prctl, PR_SET_PDEATHSIG, pdeathsig); rc != 0) {
        fail(channel, command, -rc, 6);
      }
    }
  }
  sock_filter insns[kInitFilterLength];
  buildInitFilter(insns);
  sock_fprog prog{static_cast<unsigned short>(kInitFilterLength), insns};
  if (long rc = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog));
      rc != 0) {
    fail(channel, command, -rc, 5);
  }

  // The signal mask is runInit's, kept by the exec: everything but what
  // glibc's sigfillset leaves out (its two internal real-time signals), and
  // signals that arrived meanwhile are still pending.
  const uint64_t all = ~0ull & ~((1ull << (32 - 1)) | (1ull << (33 - 1)));
  while (true) {
    siginfo_t info;
    long sig = sys(SYS_rt_sigtimedwait, reinterpret_cast<long>(&all), reinterpret_cast<long>(&info),
                   0, sizeof all);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      sys(SYS_kill, command, sig);
      continue;
    }
    while (true) {
      int status = 0;
      long pid = sys(SYS_wait4, -1, reinterpret_cast<long>(&status), WNOHANG | __WALL, 0);
      if (pid <= 0) break;
      if (pid == command) {
        Message exited;
        exited.kind = MessageKind::Exited;
        exited.value = status;
        exited.nanos = monotonicNanos();
        (void)send(channel, exited);
        // Leaving pid 1 kills whatever the command left behind.
        exitGroup(0);
      }
    }
  }
}

}  // namespace
}  // namespace meshgate::sandbox

// The compiler may emit calls to these for struct copies and initialisation.
extern "C" void* memset(void* dest, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  for (size_t i = 0; i < n; ++i)
    d[i] = static_cast<unsigned char>(c);
  return dest;
}

extern "C" void* memcpy(void* dest, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i)
    d[i] = s[i];
  return dest;
}

extern "C" [[noreturn]] void meshgateInitStart(long* stack) {
  meshgate::sandbox::run(static_cast<int>(stack[0]), reinterpret_cast<char**>(stack + 1));
}

// The kernel enters with argc at (%rsp); the ABI wants a 16-byte aligned
// stack at the call.
asm(R"(
  .text
  .global _start
  .type _start, @function
_start:
  xor %ebp, %ebp
  mov %rsp, %rdi
  and $-16, %rsp
  call meshgateInitStart
  hlt
)");
