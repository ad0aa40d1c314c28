// SPDX-License-Identifier: Apache-2.0
// Fuzzes trustedClientFromXff: any header text and settings; the result must be
// a trimmed, non-empty view into the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/forwarded_for.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool use_remote = data[0] & 1;
  const uint32_t hops = data[1];
  std::string_view xff(reinterpret_cast<const char*>(data + 2), size - 2);
  auto r = meshgate::http::trustedClientFromXff(xff, use_remote, hops);
  if (r) {
    if (r->empty() || r->data() < xff.data() || r->data() + r->size() > xff.data() + xff.size())
      abort();
    if (r->front() == ' ' || r->back() == ' ' || r->find(',') != std::string_view::npos) abort();
  }
  return 0;
}
