// SPDX-License-Identifier: Apache-2.0
// Fuzzes X-Forwarded-For entry selection: any header text, any hop count. The entry
// returned must be a non-empty, comma-free, trimmed slice of the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/forwarded_for.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint32_t skip = data[0] % 16;
  const std::string_view xff(reinterpret_cast<const char*>(data + 1), size - 1);
  for (bool use_remote : {false, true}) {
    auto entry = meshgate::http::trustedClientFromForwardedFor(xff, use_remote, skip);
    if (!entry) continue;
    const bool inside =
        entry->data() >= xff.data() && entry->data() + entry->size() <= xff.data() + xff.size();
    if (!inside || entry->empty() || entry->find(',') != std::string_view::npos ||
        entry->front() == ' ' || entry->back() == ' ' || entry->front() == '\t' ||
        entry->back() == '\t') {
      std::abort();
    }
  }
  return 0;
}
