// SPDX-License-Identifier: Apache-2.0
#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace meshgate::base {
namespace {
std::atomic<uint64_t> g_bugs{0};
}

void assertFailed(const char* expr, const char* msg, const char* file, int line) {
  std::fprintf(stderr, "meshgate: assertion failed at %s:%d: %s (%s)\n", file, line, msg, expr);
  std::fflush(stderr);
  std::abort();
}

void bugReported(const char* msg, const char* file, int line) {
  g_bugs.fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr, "meshgate: BUG at %s:%d: %s\n", file, line, msg);
}

uint64_t bugCount() {
  return g_bugs.load(std::memory_order_relaxed);
}

}  // namespace meshgate::base
