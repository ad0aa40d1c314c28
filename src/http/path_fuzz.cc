// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for path normalization and request-target parsing. Invariants:
// normalization is idempotent, its output is an absolute path that the same options accept,
// each enabled step leaves no trace of what it removes, NONE is the identity, and
// request-target parsing agrees with its own reassembly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chars.h"
#include "http/message.h"
#include "http/path.h"

namespace {

using namespace meshgate::http;

void check(bool cond, const char* what) {
  if (!cond) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

PathNormalizationOptions optionsFor(uint8_t a, uint8_t b) {
  PathNormalizationOptions o;
  o.decode_unreserved = a & 1;
  o.backslash_to_slash = a & 2;
  o.resolve_dot_segments = a & 4;
  o.merge_slashes = a & 8;
  o.reject_above_root = a & 16;
  o.lowercase = a & 32;
  o.escaped_slashes = static_cast<EscapedSlashAction>(b & 3);
  o.path_params = static_cast<PathParamAction>((b >> 2) % 3);
  return o;
}

bool hasSegment(std::string_view path, std::string_view seg) {
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start + 1);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start + 1, end - start - 1) == seg) return true;
    start = end;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const PathNormalizationOptions o = optionsFor(data[0], data[1]);
  const std::string_view path(reinterpret_cast<const char*>(data) + 2, size - 2);

  std::string once;
  const PathNormalizeResult r = normalizePath(path, o, once);
  if (r.ok()) {
    check(!once.empty() && once[0] == '/', "output is absolute");
    check(once.size() <= path.size(), "output never grows");
    std::string twice;
    const PathNormalizeResult r2 = normalizePath(once, o, twice);
    check(r2.ok(), "output is accepted again");
    check(twice == once, "idempotent");
    check(!r2.redirect, "no second redirect");
    if (o.merge_slashes) check(once.find("//") == std::string::npos, "slashes merged");
    if (o.resolve_dot_segments) {
      check(!hasSegment(once, ".") && !hasSegment(once, ".."), "dot segments resolved");
    }
    if (o.backslash_to_slash) check(once.find('\\') == std::string::npos, "no backslash");
    if (o.escaped_slashes == EscapedSlashAction::Decode ||
        o.escaped_slashes == EscapedSlashAction::DecodeAndRedirect) {
      for (size_t i = 0; i + 2 < once.size(); ++i) {
        if (once[i] != '%') continue;
        const int v = kHexValue[static_cast<uint8_t>(once[i + 1])] << 4 |
                      kHexValue[static_cast<uint8_t>(once[i + 2])];
        check(v != '/' && v != '\\', "escaped slashes decoded");
      }
    }
    if (o.decode_unreserved && !o.lowercase) {
      for (size_t i = 0; i + 2 < once.size(); ++i) {
        if (once[i] != '%') continue;
        check(!(once[i + 1] >= 'a' && once[i + 1] <= 'f') &&
                  !(once[i + 2] >= 'a' && once[i + 2] <= 'f'),
              "escapes upper-cased");
        const int v = kHexValue[static_cast<uint8_t>(once[i + 1])] << 4 |
                      kHexValue[static_cast<uint8_t>(once[i + 2])];
        check(!kUnreservedChar[static_cast<uint8_t>(v)], "unreserved decoded");
      }
    }
    if (o.path_params == PathParamAction::Reject)
      check(once.find(';') == std::string::npos, "no ;");
    if (!o.decode_unreserved && !o.backslash_to_slash && !o.resolve_dot_segments &&
        !o.merge_slashes && !o.lowercase && o.escaped_slashes != EscapedSlashAction::Decode &&
        o.escaped_slashes != EscapedSlashAction::DecodeAndRedirect &&
        o.path_params != PathParamAction::Strip) {
      check(once == path, "no option: identity");
    }
    if (o.lowercase) {
      for (char c : once)
        check(!(c >= 'A' && c <= 'Z'), "lower-cased");
    }
  }

  // Request-target parsing: the parts reassemble into the input.
  for (Method m : {Method::Get, Method::Options, Method::Connect}) {
    const TargetParseResult t = parseRequestTarget(m, path);
    if (t.error != TargetError::None) continue;
    std::string rebuilt;
    switch (t.target.form) {
      case TargetForm::Origin:
        rebuilt = std::string(t.target.path);
        break;
      case TargetForm::Absolute:
        rebuilt = std::string(t.target.scheme) + "://" + std::string(t.target.authority) +
                  std::string(t.target.path);
        check(parseAuthority(t.target.authority).has_value(), "valid authority");
        break;
      case TargetForm::Authority:
        rebuilt = std::string(t.target.authority);
        check(m == Method::Connect, "authority-form only for CONNECT");
        break;
      case TargetForm::Asterisk:
        rebuilt = "*";
        check(m == Method::Options, "asterisk-form only for OPTIONS");
        break;
    }
    if (t.target.has_query) rebuilt += "?" + std::string(t.target.query);
    check(rebuilt == path, "target parts reassemble");
    RequestHead head;
    head.setMethod(m);
    check(head.setTarget(path) == TargetError::None, "RequestHead accepts a valid target");
    check(head.query() == t.target.query, "head query");
  }
  return 0;
}
