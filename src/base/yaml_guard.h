// SPDX-License-Identifier: Apache-2.0
// A text pre-check run before YAML reaches yaml-cpp, for inputs on which
// yaml-cpp 0.7 (Debian 12) never returns. Depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshgate::base {

struct YamlHazard {
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based
  std::string message;
};

/// Finds text that is invalid YAML and that yaml-cpp 0.7 loops on forever.
/// Today that is one shape, found by fuzzing: a line whose first character is
/// a ',' (a flow-entry indicator) outside any flow collection, quoted scalar
/// or block scalar, e.g. "  - a\n,\n". YAML never allows a plain scalar to
/// start with ',', so rejecting such a line rejects nothing valid, except the
/// continuation line of a multi-line plain scalar, which may start with ','
/// in block context; quote such a scalar. Also any NUL byte, which YAML never
/// allows and which makes yaml-cpp decode the text as UTF-16 or UTF-32 (where
/// "\0," is that shape again). nullopt when no hazard is found.
std::optional<YamlHazard> findYamlHazard(std::string_view text);

}  // namespace meshgate::base
