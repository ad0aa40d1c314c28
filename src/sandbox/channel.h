// SPDX-License-Identifier: Apache-2.0
// The supervisor <-> sandbox channel: a SOCK_SEQPACKET socketpair carrying
// fixed-size messages (and, once, the seccomp listener fd). Both ends are
// async-signal-safe: no allocation, single syscalls. Depends on std only.
#pragma once

#include <cstdint>

#include "sandbox/step.h"

namespace meshgate::sandbox {

enum class MessageKind : int32_t {
  Go = 1,    // supervisor -> child: ids mapped, cgroups attached; carry on
  Progress,  // child -> supervisor: `step` finished (verbose runs only)
  Failure,   // child -> supervisor: `step` failed with `err` (`detail` indexes its plan)
  Started,   // child -> supervisor: the command runs; `value` is its pid inside
  Exited,    // child -> supervisor: the command ended; `value` is its wait status,
             // `detail` kExitedAllReaped when every other process is dead and reaped
};

struct Message {
  MessageKind kind = MessageKind::Go;
  Step step = Step::None;
  int32_t err = 0;
  int32_t detail = -1;
  int32_t value = 0;
  int32_t padding = 0;
  int64_t nanos = 0;  // Progress, Exited: CLOCK_MONOTONIC when it happened
};

/// Exited's `detail` when pid 1 SIGKILLed and reaped every other process of
/// the sandbox before reporting (docs/adr/0206).
inline constexpr int32_t kExitedAllReaped = 1;

/// Sends `m`, and `fd` as SCM_RIGHTS when fd >= 0. Returns 0 or -errno.
int sendMessage(int sock, const Message& m, int fd = -1);
/// Receives one message; a passed fd lands in *fd (else -1). Returns 1 on a
/// message, 0 on EOF, -errno on failure. EINTR is retried.
int receiveMessage(int sock, Message* m, int* fd);

/// CLOCK_MONOTONIC in nanoseconds (the clock of Message::nanos).
int64_t monotonicNanos();
/// Sends a Progress message: `step` finished at `nanos` (best effort).
void sendProgress(int sock, Step step, int64_t nanos = monotonicNanos());

}  // namespace meshgate::sandbox
