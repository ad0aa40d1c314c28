// SPDX-License-Identifier: Apache-2.0
// Invariant checks. MG_ASSERT aborts on a broken invariant in every build type;
// MG_BUG logs and counts an unexpected-but-survivable state and carries on.
// Depends on std only.
#pragma once

#include <atomic>
#include <cstdint>

namespace meshgate::base {

[[noreturn]] void assertFailed(const char* expr, const char* msg, const char* file, int line);
void bugReported(const char* msg, const char* file, int line);

/// How many MG_BUG sites fired since start (exported as meshgate_bugs_total).
uint64_t bugCount();

}  // namespace meshgate::base

#define MG_ASSERT(cond, msg)                                          \
  do {                                                                \
    if (__builtin_expect(!(cond), 0))                                 \
      ::meshgate::base::assertFailed(#cond, msg, __FILE__, __LINE__); \
  } while (0)

#define MG_BUG(msg) ::meshgate::base::bugReported(msg, __FILE__, __LINE__)
