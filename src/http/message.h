// SPDX-License-Identifier: Apache-2.0
// The protocol-independent HTTP message model: methods, versions, request and response
// heads, status reason phrases and a cached Date formatter. Depends on base (clock) only;
// knows nothing about wire formats.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "http/header_map.h"
#include "http/path.h"

namespace meshgate::http {

enum class Version : uint8_t { Http10, Http11 };

/// "HTTP/1.0" or "HTTP/1.1".
std::string_view versionText(Version v);

/// The methods of RFC 9110 §9 plus PATCH (RFC 5789); anything else is Other, with its text
/// kept by RequestHead. Method names are case-sensitive: "get" is Other.
enum class Method : uint8_t { Get, Head, Post, Put, Delete, Connect, Options, Trace, Patch, Other };

/// The method for a token; Other when it is not one of the standard names.
Method methodFromToken(std::string_view token);
/// The standard name ("GET"), or "" for Other.
std::string_view methodName(Method m);
/// RFC 9110 §9.2.1 safe methods (GET, HEAD, OPTIONS, TRACE).
bool isSafeMethod(Method m);
/// RFC 9110 §9.2.2 idempotent methods (safe ones plus PUT and DELETE).
bool isIdempotentMethod(Method m);

/// A request head: method, target and the parts derived from it, version and fields.
/// Copyable. The views returned by accessors point into the head and stay valid until
/// the next setter call on it, clear() or destruction.
class RequestHead {
 public:
  RequestHead() = default;

  Method method() const { return method_; }
  /// The method token as received or set ("GET", "PROPFIND").
  std::string_view methodText() const { return method_text_; }
  /// Sets the method from a token. Returns false (nothing changed) when it is not a token.
  bool setMethod(std::string_view token);
  /// Sets a standard method; Method::Other is ignored (use the token overload).
  void setMethod(Method m);

  /// The request-target as received or set.
  std::string_view target() const { return target_; }
  TargetForm targetForm() const { return form_; }
  /// The path: "/" for an absolute-form target without one, "*" for asterisk-form,
  /// "" for authority-form. Never includes the query.
  std::string_view path() const;
  /// The query without '?' ("" when none; see hasQuery()).
  std::string_view query() const { return view(query_off_, query_len_); }
  bool hasQuery() const { return has_query_; }
  /// The authority of an absolute-form or authority-form target ("" otherwise).
  std::string_view targetAuthority() const { return view(authority_off_, authority_len_); }
  /// Where the request is going: the target's authority when it has one, otherwise the
  /// first Host field, otherwise "".
  std::string_view authority() const;
  /// The absolute-form scheme as received ("" otherwise).
  std::string_view targetScheme() const { return view(scheme_off_, scheme_len_); }

  /// Sets and parses the request-target for the current method. On error nothing changes.
  TargetError setTarget(std::string_view target);
  /// Replaces the path (and keeps the query), producing an origin-form target; for route
  /// rewrites. `path` must start with '/' and be a valid path (no '?', '#', controls).
  /// Returns false (nothing changed) otherwise.
  bool setPath(std::string_view path);
  /// Replaces path and query, producing an origin-form target ("path?query", or "path"
  /// when `has_query` is false). Same validation as setPath(); `query` must be made of
  /// request-target bytes without '#'.
  bool setPathAndQuery(std::string_view path, std::string_view query, bool has_query);

  Version version() const { return version_; }
  void setVersion(Version v) { version_ = v; }

  HeaderMap& headers() { return headers_; }
  const HeaderMap& headers() const { return headers_; }

  /// Resets to an empty GET / HTTP/1.1 head, keeping memory for reuse.
  void clear();
  /// Structural equality (method text, target, version, fields in order).
  bool operator==(const RequestHead& other) const;

 private:
  std::string_view view(uint32_t off, uint32_t len) const {
    return std::string_view(target_).substr(off, len);
  }
  void assignParsed(const RequestTarget& t);
  friend class RequestHeadCodecAccess;

  Method method_ = Method::Get;
  TargetForm form_ = TargetForm::Origin;
  Version version_ = Version::Http11;
  bool has_query_ = false;
  std::string method_text_ = "GET";
  std::string target_ = "/";
  std::string scratch_;
  uint32_t path_off_ = 0, path_len_ = 1;
  uint32_t query_off_ = 0, query_len_ = 0;
  uint32_t authority_off_ = 0, authority_len_ = 0;
  uint32_t scheme_off_ = 0, scheme_len_ = 0;
  HeaderMap headers_;
};

/// For codecs only: sets method and target that the codec has already validated, without
/// re-validating the bytes.
class RequestHeadCodecAccess {
 public:
  static void setMethod(RequestHead& head, std::string_view token) {
    head.method_text_.assign(token);
    head.method_ = methodFromToken(token);
  }
  /// `parsed` must have been produced by parseRequestTarget(head.method(), target).
  static void setTarget(RequestHead& head, std::string_view target, const RequestTarget& parsed);
};

/// A response head. Copyable.
class ResponseHead {
 public:
  ResponseHead() = default;

  uint16_t status() const { return status_; }
  /// A three-digit status (100-599 for anything meshgate sends; the parser enforces it).
  void setStatus(uint16_t status) { status_ = status; }
  /// The reason phrase as received or set ("" means: use the standard phrase when
  /// serializing).
  std::string_view reason() const { return reason_; }
  /// Returns false (nothing changed) when `reason` has CR, LF, NUL or other controls.
  bool setReason(std::string_view reason);

  Version version() const { return version_; }
  void setVersion(Version v) { version_ = v; }

  HeaderMap& headers() { return headers_; }
  const HeaderMap& headers() const { return headers_; }

  /// 1xx other than 101.
  bool isInterim() const { return status_ >= 100 && status_ < 200 && status_ != 101; }

  void clear();
  bool operator==(const ResponseHead& other) const;

 private:
  friend class ResponseHeadCodecAccess;
  uint16_t status_ = 200;
  Version version_ = Version::Http11;
  std::string reason_;
  HeaderMap headers_;
};

class ResponseHeadCodecAccess {
 public:
  static void setReason(ResponseHead& head, std::string_view reason) {
    head.reason_.assign(reason);
  }
};

/// The standard reason phrase for `status` ("Not Found"), or "" when unknown.
std::string_view reasonPhrase(uint16_t status);

/// Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
/// Writes exactly kImfFixdateLength bytes to `out`.
inline constexpr size_t kImfFixdateLength = 29;
void formatImfFixdate(std::time_t t, char* out);

/// The current IMF-fixdate, formatted at most once per second. One per worker: not
/// thread-safe. The returned view stays valid until the next call.
class DateCache {
 public:
  explicit DateCache(const base::Clock& clock) : clock_(clock) {}
  std::string_view now();

 private:
  const base::Clock& clock_;
  std::time_t second_ = -1;
  char buf_[kImfFixdateLength] = {};
};

}  // namespace meshgate::http
