// SPDX-License-Identifier: Apache-2.0
#include "http/forwarded_for.h"

namespace meshgate::http {

namespace {
bool isOws(char c) {
  return c == ' ' || c == '\t';
}
}  // namespace

std::optional<std::string_view> forwardedForEntry(std::string_view xff, uint32_t skip) {
  size_t end = xff.size();
  // Walk the comma-separated entries from the right; each loop consumes one entry.
  for (uint32_t i = 0;; ++i) {
    const size_t comma = end == 0 ? std::string_view::npos : xff.rfind(',', end - 1);
    const size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
    if (i == skip) {
      std::string_view entry = xff.substr(begin, end - begin);
      while (!entry.empty() && isOws(entry.front()))
        entry.remove_prefix(1);
      while (!entry.empty() && isOws(entry.back()))
        entry.remove_suffix(1);
      if (entry.empty()) return std::nullopt;
      return entry;
    }
    if (comma == std::string_view::npos) return std::nullopt;
    end = comma;
  }
}

std::optional<std::string_view> trustedClientFromForwardedFor(std::string_view xff,
                                                              bool use_remote_address,
                                                              uint32_t trusted_hops) {
  if (use_remote_address) {
    if (trusted_hops == 0) return std::nullopt;
    return forwardedForEntry(xff, trusted_hops - 1);
  }
  return forwardedForEntry(xff, trusted_hops);
}

}  // namespace meshgate::http
