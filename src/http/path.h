// SPDX-License-Identifier: Apache-2.0
// Request-target parsing (RFC 9112 §3.2), authority checks, query-string parsing and path
// normalization with explicit, Envoy/Istio-compatible options (see docs/http.md).
// Pure functions over bytes; depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::http {

enum class Method : uint8_t;

/// The four forms of request-target (RFC 9112 §3.2).
enum class TargetForm : uint8_t {
  Origin,     // "/path?query"
  Absolute,   // "http://authority/path?query"
  Authority,  // "host:port", CONNECT only
  Asterisk,   // "*", OPTIONS only
};

/// Why a request-target was rejected.
enum class TargetError : uint8_t {
  None,
  Empty,
  InvalidCharacter,         // control, SP, DEL, non-ASCII, or '#'
  AsteriskNotOptions,       // "*" with a method other than OPTIONS
  AuthorityFormNotConnect,  // "host:port" with a method other than CONNECT
  ConnectNeedsAuthority,    // CONNECT with another form
  UnsupportedScheme,        // absolute-form with a scheme other than http/https
  UserInfo,                 // "user@host" in the authority (RFC 9110 §4.2.4)
  InvalidAuthority,         // bad host or port
  NotAbsolutePath,          // neither "/...", "*", a URI nor an authority
};

/// A short text for logs and local replies.
std::string_view targetErrorMessage(TargetError e);

/// A parsed request-target. The views point into the parsed text.
struct RequestTarget {
  TargetForm form = TargetForm::Origin;
  std::string_view scheme;     // absolute-form only, as received ("http", "HTTPS")
  std::string_view authority;  // absolute-form and authority-form
  std::string_view path;       // origin/absolute-form; empty for absolute-form "http://h"
  std::string_view query;      // after '?', without it
  bool has_query = false;
};

struct TargetParseResult {
  TargetError error = TargetError::None;
  RequestTarget target;
};

/// Parses `target` for a request with `method`. Asterisk-form is accepted only for OPTIONS,
/// authority-form only (and required) for CONNECT; absolute-form only for http and https.
TargetParseResult parseRequestTarget(Method method, std::string_view target);

/// An authority split into host and port. IP-literals keep their brackets ("[::1]").
struct HostPort {
  std::string_view host;
  std::optional<uint16_t> port;
};

/// Validates `authority` = host [ ":" port ] (RFC 3986 §3.2.2 reg-name, IPv4 or IP-literal;
/// no userinfo; a present port is 1-5 digits <= 65535). Returns nullopt when invalid or
/// when the host is empty.
std::optional<HostPort> parseAuthority(std::string_view authority);

/// True when two authorities name the same host and port: hosts compare
/// case-insensitively and an absent port equals the scheme's default (80 for http,
/// 443 for https; `https` selects which).
bool sameAuthority(std::string_view a, std::string_view b, bool https);

// ----------------------------------------------------------------------------------------
// Query strings

/// How '+' in a query is decoded. RFC 3986 gives it no meaning (Plus keeps it);
/// application/x-www-form-urlencoded makes it a space.
enum class PlusDecoding : uint8_t { Plus, Space };

/// One decoded key/value pair; the views point into the owning QueryParams.
struct QueryParam {
  std::string_view key;
  std::string_view value;  // "" for "key" without '='
};

/// Ordered (key, value) pairs of a query string, percent-decoded. Invalid escapes ("%zz",
/// a trailing "%") are kept literally, as browsers and Envoy do. Empty pairs ("a=1&&b=2")
/// are skipped. Storage is reused across parse() calls.
class QueryParams {
 public:
  /// Replaces the content with the pairs of `query` (without the leading '?').
  void parse(std::string_view query, PlusDecoding plus = PlusDecoding::Plus);

  size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  const QueryParam& operator[](size_t i) const { return params_[i]; }
  std::vector<QueryParam>::const_iterator begin() const { return params_.begin(); }
  std::vector<QueryParam>::const_iterator end() const { return params_.end(); }
  /// The value of the first pair with `key` (compared after decoding, case-sensitively).
  std::optional<std::string_view> get(std::string_view key) const;
  size_t count(std::string_view key) const;

 private:
  std::string storage_;
  std::vector<QueryParam> params_;
};

/// Percent-decodes `in` into `out` (appended). Invalid escapes are copied literally.
void percentDecode(std::string_view in, std::string& out, PlusDecoding plus = PlusDecoding::Plus);

// ----------------------------------------------------------------------------------------
// Path normalization

/// What to do with %2F and %5C (encoded '/' and '\') in a path; Envoy's
/// path_with_escaped_slashes_action.
enum class EscapedSlashAction : uint8_t {
  Keep,               // leave them encoded (upper-cased hex); they never separate segments
  Reject,             // the request is invalid (400)
  Decode,             // decode them before the other steps (Envoy UNESCAPE_AND_FORWARD)
  DecodeAndRedirect,  // as Decode, and report that the client should be redirected
};

/// What to do with ";params" in path segments ("/admin;x").
enum class PathParamAction : uint8_t {
  Keep,    // leave them (Envoy/Istio behaviour)
  Strip,   // remove ";..." up to the end of each segment, as Tomcat/Jetty interpret it
  Reject,  // a path with ';' is invalid (400)
};

/// Istio MeshConfig.ProxyPathNormalization.NormalizationType.
enum class IstioPathNormalization : uint8_t { None, Base, MergeSlashes, DecodeAndMergeSlashes };

/// Parses "NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES".
std::optional<IstioPathNormalization> parseIstioPathNormalization(std::string_view name);

/// Every step is explicit. The order of application is fixed (docs/http.md):
///   1. validate bytes and percent-encoding (always; %00 is always rejected);
///   2. escaped slashes per `escaped_slashes`;
///   3. decode percent-encoded unreserved characters and upper-case remaining escapes;
///   4. backslash to slash;
///   5. per segment: `path_params`;
///   6. resolve dot segments; 7. merge slashes (Envoy's order: normalize_path, then
///      merge_slashes); 8. lower-case.
struct PathNormalizationOptions {
  /// RFC 3986 §6.2.2: decode %41 → "A" etc. (ALPHA, DIGIT, "-", ".", "_", "~"), so that
  /// "/%61dmin" is "/admin" and "%2e%2e" is a dot segment; upper-case other escapes.
  bool decode_unreserved = false;
  /// Treat '\' as '/' (Envoy normalize_path, Istio BASE).
  bool backslash_to_slash = false;
  /// RFC 3986 §5.2.4 remove_dot_segments ("/a/./b/../c" → "/a/c").
  bool resolve_dot_segments = false;
  /// "//a///b" → "/a/b" (Envoy merge_slashes).
  bool merge_slashes = false;
  /// Reject ".." that would climb above the root instead of stopping at "/" (RFC 3986).
  bool reject_above_root = false;
  /// ASCII lower-case the whole path (for case-insensitive matching, not for forwarding).
  bool lowercase = false;
  EscapedSlashAction escaped_slashes = EscapedSlashAction::Keep;
  PathParamAction path_params = PathParamAction::Keep;

  /// The exact set of steps Istio's MeshConfig pathNormalization selects.
  static PathNormalizationOptions fromIstio(IstioPathNormalization mode);
};

enum class PathError : uint8_t {
  None,
  NotAbsolutePath,         // empty or not starting with '/'
  InvalidCharacter,        // raw control, SP, DEL, '#', '?' or non-ASCII byte
  InvalidPercentEncoding,  // '%' not followed by two hex digits
  EncodedNul,              // %00
  EscapedSlash,            // %2F or %5C with EscapedSlashAction::Reject
  PathParameter,           // ';' with PathParamAction::Reject
  AboveRoot,               // ".." above "/" with reject_above_root
};

/// A machine-readable reason ("path.invalid_percent_encoding") and a human text.
std::string_view pathErrorReason(PathError e);
std::string_view pathErrorMessage(PathError e);

struct PathNormalizeResult {
  PathError error = PathError::None;
  /// With EscapedSlashAction::DecodeAndRedirect, true when an escaped slash was decoded:
  /// the caller should redirect the client to the normalized path instead of forwarding.
  bool redirect = false;

  bool ok() const { return error == PathError::None; }
};

/// Normalizes `path` (the path part only: no query) into `out` (cleared first; reusing its
/// capacity, so steady-state calls do not allocate). On error `out` is unspecified.
/// The result is idempotent: normalizing `out` again with the same options yields `out`.
PathNormalizeResult normalizePath(std::string_view path, const PathNormalizationOptions& options,
                                  std::string& out);

}  // namespace meshgate::http
