// SPDX-License-Identifier: Apache-2.0
// xxHash64 (the algorithm Envoy uses for ring-hash and Maglev load balancing), so
// that a key hashes to the same endpoint in every process and release.
// Depends on std only.
#pragma once

#include <cstdint>
#include <string_view>

namespace meshgate::base {

uint64_t xxHash64(std::string_view data, uint64_t seed = 0);

}  // namespace meshgate::base
