// SPDX-License-Identifier: Apache-2.0
// SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed 64-bit hash, so that clients who choose
// rate-limit keys (header values, paths) cannot aim them at one table slot. Depends on std.
#pragma once

#include <cstdint>
#include <string_view>

namespace meshgate::limits {

struct SipHashKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;

  /// A key from the OS random source (std::random_device).
  static SipHashKey random();
};

uint64_t sipHash24(const SipHashKey& key, std::string_view data);

}  // namespace meshgate::limits
