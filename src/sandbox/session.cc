// SPDX-License-Identifier: Apache-2.0
#include "sandbox/session.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::sandbox {

StepResult resetSignals() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
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
