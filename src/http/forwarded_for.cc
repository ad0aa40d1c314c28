// SPDX-License-Identifier: Apache-2.0
#include "http/forwarded_for.h"

namespace meshgate::http {

namespace {

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> trustedClientFromXff(std::string_view xff, bool use_remote_address,
                                                     uint32_t trusted_hops) {
  // Position from the right, 1-based; 0 means the peer itself.
  const uint64_t position =
      use_remote_address ? uint64_t{trusted_hops} : uint64_t{trusted_hops} + 1;
  if (position == 0) return std::nullopt;
  // Walk elements from the right; each step is bounded by the header length.
  uint64_t seen = 0;
  size_t end = xff.size();
  while (true) {
    const size_t comma = end == 0 ? std::string_view::npos : xff.rfind(',', end - 1);
    const size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
    std::string_view element = trimOws(xff.substr(begin, end - begin));
    ++seen;
    if (seen == position) {
      if (element.empty()) return std::nullopt;
      return element;
    }
    if (comma == std::string_view::npos) return std::nullopt;
    end = comma;
  }
}

}  // namespace meshgate::http
