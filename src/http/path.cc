// SPDX-License-Identifier: Apache-2.0
// Request-target parsing, authority checks, query strings and path normalization.
// Depends on std only.
#include "http/path.h"

#include <cstring>

#include "http/chars.h"
#include "http/message.h"

namespace meshgate::http {

std::string_view targetErrorMessage(TargetError e) {
  switch (e) {
    case TargetError::None:
      return "ok";
    case TargetError::Empty:
      return "empty request-target";
    case TargetError::InvalidCharacter:
      return "request-target contains a control, space, non-ASCII byte or '#'";
    case TargetError::AsteriskNotOptions:
      return "asterisk-form target is only valid for OPTIONS";
    case TargetError::AuthorityFormNotConnect:
      return "authority-form target is only valid for CONNECT";
    case TargetError::ConnectNeedsAuthority:
      return "CONNECT requires an authority-form target";
    case TargetError::UnsupportedScheme:
      return "absolute-form target with a scheme other than http(s)";
    case TargetError::UserInfo:
      return "userinfo in the request-target authority";
    case TargetError::InvalidAuthority:
      return "invalid authority in the request-target";
    case TargetError::NotAbsolutePath:
      return "request-target is not an absolute path or URI";
  }
  return "invalid request-target";
}

// ---------------------------------------------------------------------------------------
// Authority

namespace {

bool isHostChar(char c) {
  // Stricter than RFC 3986 reg-name: sub-delims and pct-encoded never appear in a real host
  // name, and a ',' or ';' in Host is a smuggling/routing-confusion vector.
  return kUnreservedChar[static_cast<uint8_t>(c)];
}

std::optional<uint16_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace

std::optional<HostPort> parseAuthority(std::string_view a) {
  if (a.empty()) return std::nullopt;
  HostPort hp;
  std::string_view rest;
  if (a[0] == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    bool colon = false;
    for (char c : a.substr(1, close - 1)) {
      if (c == ':') {
        colon = true;
      } else if (!isHexDigit(c) && c != '.') {
        return std::nullopt;  // no zone ids, no IPvFuture
      }
    }
    if (!colon) return std::nullopt;
    hp.host = a.substr(0, close + 1);
    rest = a.substr(close + 1);
  } else {
    const size_t colon = a.find(':');
    hp.host = a.substr(0, colon);
    if (hp.host.empty()) return std::nullopt;
    for (char c : hp.host) {
      if (!isHostChar(c)) return std::nullopt;
    }
    rest = colon == std::string_view::npos ? std::string_view() : a.substr(colon);
  }
  if (!rest.empty()) {
    if (rest[0] != ':') return std::nullopt;
    hp.port = parsePort(rest.substr(1));
    if (!hp.port) return std::nullopt;
  }
  return hp;
}

bool sameAuthority(std::string_view a, std::string_view b, bool https) {
  auto pa = parseAuthority(a);
  auto pb = parseAuthority(b);
  if (!pa || !pb) return false;
  const uint16_t def = https ? 443 : 80;
  return equalsIgnoreCase(pa->host, pb->host) && pa->port.value_or(def) == pb->port.value_or(def);
}

// ---------------------------------------------------------------------------------------
// Request-target

namespace {

void splitPathQuery(std::string_view s, RequestTarget& t) {
  const size_t q = s.find('?');
  if (q == std::string_view::npos) {
    t.path = s;
    return;
  }
  t.path = s.substr(0, q);
  t.query = s.substr(q + 1);
  t.has_query = true;
}

bool isSchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

}  // namespace

TargetParseResult parseRequestTarget(Method method, std::string_view target) {
  TargetParseResult r;
  if (target.empty()) {
    r.error = TargetError::Empty;
    return r;
  }
  for (char c : target) {
    if (!kTargetChar[static_cast<uint8_t>(c)]) {
      r.error = TargetError::InvalidCharacter;
      return r;
    }
  }
  if (method == Method::Connect) {
    if (target.find('@') != std::string_view::npos) {
      r.error = TargetError::UserInfo;
    } else if (auto hp = parseAuthority(target); !hp || !hp->port) {
      // RFC 9112 §3.2.3: authority-form = uri-host ":" port
      r.error = TargetError::ConnectNeedsAuthority;
    } else {
      r.target.form = TargetForm::Authority;
      r.target.authority = target;
    }
    return r;
  }
  if (target[0] == '/') {
    r.target.form = TargetForm::Origin;
    splitPathQuery(target, r.target);
    return r;
  }
  if (target == "*") {
    if (method != Method::Options) {
      r.error = TargetError::AsteriskNotOptions;
    } else {
      r.target.form = TargetForm::Asterisk;
      r.target.path = target;
    }
    return r;
  }
  // absolute-form: scheme "://" authority path-abempty [ "?" query ]
  size_t i = 0;
  while (i < target.size() && isSchemeChar(target[i]))
    ++i;
  const bool has_scheme =
      i > 0 && i < target.size() && target[i] == ':' && (target[0] < '0' || target[0] > '9');
  if (has_scheme && target.substr(i, 3) == "://") {
    const std::string_view scheme = target.substr(0, i);
    if (!equalsIgnoreCase(scheme, "http") && !equalsIgnoreCase(scheme, "https")) {
      r.error = TargetError::UnsupportedScheme;
      return r;
    }
    const std::string_view rest = target.substr(i + 3);
    const size_t end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos) {
      r.error = TargetError::UserInfo;
      return r;
    }
    if (!parseAuthority(authority)) {
      r.error = TargetError::InvalidAuthority;
      return r;
    }
    r.target.form = TargetForm::Absolute;
    r.target.scheme = scheme;
    r.target.authority = authority;
    if (end != std::string_view::npos) splitPathQuery(rest.substr(end), r.target);
    return r;
  }
  if (parseAuthority(target)) {
    r.error = TargetError::AuthorityFormNotConnect;
  } else if (has_scheme && !parseAuthority(target)) {
    r.error = TargetError::UnsupportedScheme;
  } else {
    r.error = TargetError::NotAbsolutePath;
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// Query strings

void percentDecode(std::string_view in, std::string& out, PlusDecoding plus) {
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && isHexDigit(in[i + 1]) && isHexDigit(in[i + 2])) {
      out.push_back(static_cast<char>(kHexValue[static_cast<uint8_t>(in[i + 1])] << 4 |
                                      kHexValue[static_cast<uint8_t>(in[i + 2])]));
      i += 2;
    } else if (c == '+' && plus == PlusDecoding::Space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

void QueryParams::parse(std::string_view query, PlusDecoding plus) {
  params_.clear();
  storage_.clear();
  // Decoding never grows the text, so the views below stay valid: no reallocation.
  storage_.reserve(query.size());
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const size_t key_at = storage_.size();
    percentDecode(pair.substr(0, eq), storage_, plus);
    const size_t value_at = storage_.size();
    if (eq != std::string_view::npos) percentDecode(pair.substr(eq + 1), storage_, plus);
    const std::string_view all(storage_);
    params_.push_back(QueryParam{all.substr(key_at, value_at - key_at), all.substr(value_at)});
  }
}

std::optional<std::string_view> QueryParams::get(std::string_view key) const {
  for (const QueryParam& p : params_) {
    if (p.key == key) return p.value;
  }
  return std::nullopt;
}

size_t QueryParams::count(std::string_view key) const {
  size_t n = 0;
  for (const QueryParam& p : params_)
    n += p.key == key ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------------------------------
// Path normalization

std::optional<IstioPathNormalization> parseIstioPathNormalization(std::string_view name) {
  if (name == "NONE") return IstioPathNormalization::None;
  if (name == "BASE") return IstioPathNormalization::Base;
  if (name == "MERGE_SLASHES") return IstioPathNormalization::MergeSlashes;
  if (name == "DECODE_AND_MERGE_SLASHES") return IstioPathNormalization::DecodeAndMergeSlashes;
  return std::nullopt;
}

PathNormalizationOptions PathNormalizationOptions::fromIstio(IstioPathNormalization mode) {
  PathNormalizationOptions o;
  if (mode == IstioPathNormalization::None) return o;
  o.decode_unreserved = true;
  o.backslash_to_slash = true;
  o.resolve_dot_segments = true;
  if (mode == IstioPathNormalization::Base) return o;
  o.merge_slashes = true;
  if (mode == IstioPathNormalization::MergeSlashes) return o;
  o.escaped_slashes = EscapedSlashAction::Decode;
  return o;
}

std::string_view pathErrorReason(PathError e) {
  switch (e) {
    case PathError::None:
      return "";
    case PathError::NotAbsolutePath:
      return "path.not_absolute";
    case PathError::InvalidCharacter:
      return "path.invalid_character";
    case PathError::InvalidPercentEncoding:
      return "path.invalid_percent_encoding";
    case PathError::EncodedNul:
      return "path.encoded_nul";
    case PathError::EscapedSlash:
      return "path.escaped_slash";
    case PathError::PathParameter:
      return "path.path_parameter";
    case PathError::AboveRoot:
      return "path.above_root";
  }
  return "path.invalid";
}

std::string_view pathErrorMessage(PathError e) {
  switch (e) {
    case PathError::None:
      return "ok";
    case PathError::NotAbsolutePath:
      return "path does not start with '/'";
    case PathError::InvalidCharacter:
      return "path contains a byte that must be percent-encoded";
    case PathError::InvalidPercentEncoding:
      return "path has a '%' not followed by two hex digits";
    case PathError::EncodedNul:
      return "path contains %00";
    case PathError::EscapedSlash:
      return "path contains an encoded slash or backslash (%2F, %5C)";
    case PathError::PathParameter:
      return "path contains a ';' parameter";
    case PathError::AboveRoot:
      return "path climbs above the root with '..'";
  }
  return "invalid path";
}

namespace {

// Step 1-5 input pass: validates and decodes into `out`. After this pass '/' in `out` is
// exactly a segment separator, and '%' only starts a kept escape.
PathError decodePass(std::string_view in, const PathNormalizationOptions& o, std::string& out,
                     bool& redirect) {
  const bool decode_slashes = o.escaped_slashes == EscapedSlashAction::Decode ||
                              o.escaped_slashes == EscapedSlashAction::DecodeAndRedirect;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return PathError::InvalidPercentEncoding;
      const uint8_t hi = kHexValue[static_cast<uint8_t>(in[i + 1])];
      const uint8_t lo = kHexValue[static_cast<uint8_t>(in[i + 2])];
      if (hi == 0xff || lo == 0xff) return PathError::InvalidPercentEncoding;
      const char v = static_cast<char>(hi << 4 | lo);
      i += 2;
      if (v == '\0') return PathError::EncodedNul;
      const bool slash = v == '/' || v == '\\';
      if (slash && o.escaped_slashes == EscapedSlashAction::Reject) return PathError::EscapedSlash;
      if (slash && decode_slashes) {
        // A decoded slash is a separator from here on: handled as a raw byte below.
        redirect = redirect || o.escaped_slashes == EscapedSlashAction::DecodeAndRedirect;
        c = v;
      } else if (!slash && o.decode_unreserved && kUnreservedChar[static_cast<uint8_t>(v)]) {
        out.push_back(v);
        continue;
      } else {
        out.push_back('%');
        out.push_back(o.decode_unreserved ? kUpperHexDigits[hi] : in[i - 1]);
        out.push_back(o.decode_unreserved ? kUpperHexDigits[lo] : in[i]);
        continue;
      }
    } else if (!kTargetChar[static_cast<uint8_t>(c)] || c == '?') {
      return PathError::InvalidCharacter;
    }
    if (c == '\\' && o.backslash_to_slash) c = '/';
    if (c == ';' && o.path_params == PathParamAction::Reject) return PathError::PathParameter;
    out.push_back(c);
  }
  return PathError::None;
}

// Steps 5-6 in place: strips ";params" and resolves dot segments. `s` starts with '/'.
PathError segmentPass(std::string& s, const PathNormalizationOptions& o) {
  const size_t n = s.size();
  char* d = s.data();
  size_t w = 0;  // write position (always <= r)
  size_t r = 0;  // read position, at a '/'
  while (r < n) {
    size_t end = r + 1;
    while (end < n && d[end] != '/')
      ++end;
    size_t seg_len = end - (r + 1);
    if (o.path_params == PathParamAction::Strip) {
      const void* semi = std::memchr(d + r + 1, ';', seg_len);
      if (semi != nullptr)
        seg_len = static_cast<size_t>(static_cast<const char*>(semi) - (d + r + 1));
    }
    const bool last = end == n;
    const std::string_view seg(d + r + 1, seg_len);
    if (o.resolve_dot_segments && (seg == "." || seg == "..")) {
      if (seg == "..") {
        if (w == 0) {
          if (o.reject_above_root) return PathError::AboveRoot;
        } else {
          // Drop the last output segment and its leading '/'.
          while (w > 0 && d[w - 1] != '/')
            --w;
          --w;
        }
      }
      if (last) d[w++] = '/';
    } else {
      d[w++] = '/';
      std::memmove(d + w, d + r + 1, seg_len);
      w += seg_len;
    }
    r = end;
  }
  s.resize(w);
  return PathError::None;
}

void mergeSlashes(std::string& s) {
  size_t w = 0;
  for (size_t r = 0; r < s.size(); ++r) {
    if (s[r] == '/' && w > 0 && s[w - 1] == '/') continue;
    s[w++] = s[r];
  }
  s.resize(w);
}

}  // namespace

PathNormalizeResult normalizePath(std::string_view path, const PathNormalizationOptions& o,
                                  std::string& out) {
  PathNormalizeResult r;
  out.clear();
  if (path.empty() || path[0] != '/') {
    r.error = PathError::NotAbsolutePath;
    return r;
  }
  out.reserve(path.size());
  r.error = decodePass(path, o, out, r.redirect);
  if (r.error != PathError::None) return r;
  if (o.resolve_dot_segments || o.path_params == PathParamAction::Strip) {
    r.error = segmentPass(out, o);
    if (r.error != PathError::None) return r;
  }
  if (o.merge_slashes) mergeSlashes(out);
  if (o.lowercase) {
    for (char& c : out)
      c = lowerAscii(c);
  }
  return r;
}

}  // namespace meshgate::http
