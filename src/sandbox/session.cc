// SPDX-License-Identifier: Apache-2.0
#include "sandbox/session.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace meshgate::sandbox {

uint64_t ignoredSignals() {
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ~uint64_t{0};  // unknown: reset them all
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return ~uint64_t{0};
  buf[n] = '\0';
  const char* line = std::strstr(buf, "\nSigIgn:");
  if (line == nullptr) return ~uint64_t{0};
  return std::strtoull(line + 8, nullptr, 16);
}

StepResult resetSignals(uint64_t ignored, bool all) {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    // Handled signals were reset by clone3(CLONE_CLEAR_SIGHAND) and would be by
    // exec; ignored ones would survive exec.
    if (!all && (ignored & (uint64_t{1} << (sig - 1))) == 0) continue;
    // glibc reserves 32 and 33 for itself and refuses them; the kernel
    // resets them on exec anyway.
    if (::sigaction(sig, &sa, nullptr) != 0 && errno != EINVAL) return stepFail(errno, sig);
  }
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return stepFail(errno, 0);
  return stepOk();
}

StepResult newSession() {
  if (::setsid() < 0) return stepFail(errno);
  return stepOk();
}

}  // namespace meshgate::sandbox
