// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/path_readings.h"

#include "http/path.h"

namespace meshgate::filters::authz {

namespace {

http::PathNormalizationOptions decodeAll(bool lowercase) {
  http::PathNormalizationOptions o;
  o.decode_unreserved = true;
  o.backslash_to_slash = true;
  o.merge_slashes = true;
  o.lowercase = lowercase;
  o.escaped_slashes = http::EscapedSlashAction::Decode;
  o.path_params = http::PathParamAction::Strip;
  return o;
}

}  // namespace

bool canonicalReadings(std::string_view path, bool lowercase, std::string& dots_first,
                       std::string& merge_first) {
  // normalizePath applies its steps in a fixed order: decoding, backslashes,
  // ;params, dot segments, then slash merging.
  http::PathNormalizationOptions all = decodeAll(lowercase);
  all.resolve_dot_segments = true;
  if (!http::normalizePath(path, all, dots_first).ok()) return false;

  // Merge first: one pass that decodes and merges without touching dots, then
  // one that resolves them. The second pass sees no escapes left to decode
  // (decoding happens once, so "%252F" stays data in both readings).
  http::PathNormalizationOptions merge = decodeAll(lowercase);
  std::string merged;
  if (!http::normalizePath(path, merge, merged).ok()) return false;
  http::PathNormalizationOptions dots;
  dots.resolve_dot_segments = true;
  dots.merge_slashes = true;
  return http::normalizePath(merged, dots, merge_first).ok();
}

bool mayHaveOtherReadings(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%' || c == '\\' || c == ';') return true;
    if (c == '/' && i + 1 < path.size() && (path[i + 1] == '/' || path[i + 1] == '.')) return true;
  }
  return false;
}

}  // namespace meshgate::filters::authz
