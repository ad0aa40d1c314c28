// SPDX-License-Identifier: Apache-2.0
// Where JWTs are read from (fromHeaders with a value prefix, fromParams, fromCookies) and how
// a verified token is taken out of the request again, with Envoy's extraction rules. Pure:
// request head in, tokens out. Depends on http/ only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/jwt_authn/small_list.h"
#include "http/header_map.h"
#include "http/message.h"

namespace meshgate::filters::jwt_authn {

enum class LocationKind : uint8_t { Header, Param, Cookie };

/// One place a token may be carried.
struct TokenLocation {
  LocationKind kind = LocationKind::Header;
  /// Lower-case header name, query parameter name, or cookie name.
  std::string name;
  /// Header value prefix, e.g. "Bearer " (headers only; may be empty).
  std::string prefix;

  bool operator==(const TokenLocation& o) const {
    return kind == o.kind && name == o.name && prefix == o.prefix;
  }
};

/// Istio's (and Envoy's) locations when a rule names none: "Authorization: Bearer <token>"
/// and the "access_token" query parameter.
std::vector<TokenLocation> defaultTokenLocations();

/// At most this many distinct locations per workload (their sets are 64-bit masks).
inline constexpr size_t kMaxLocations = 64;
using LocationMask = uint64_t;

/// A token found in a request.
struct ExtractedToken {
  /// Index in the LocationTable.
  uint16_t location = 0;
  /// The token text: a view into the request's header map (headers, cookies; header views
  /// stay valid until the map is cleared, even across removals), or into `owned`.
  std::string_view view;
  /// Query parameters are decoded into (and owned by) the token, since removing a parameter
  /// rewrites the request-target the raw bytes live in.
  std::string owned;
  bool is_owned = false;

  std::string_view text() const { return is_owned ? std::string_view(owned) : view; }
};

/// The tokens of one request: almost always one, so two are kept inline.
using TokenList = SmallList<ExtractedToken, 2>;

/// The distinct locations of every rule on a workload, in Envoy's extraction order: headers
/// sorted by name + prefix, then query parameters sorted by name, then cookies sorted by name.
/// Immutable after construction.
class LocationTable {
 public:
  LocationTable() = default;
  /// Sorts and deduplicates. Callers check size() <= kMaxLocations.
  explicit LocationTable(std::vector<TokenLocation> locations);

  size_t size() const { return locations_.size(); }
  const TokenLocation& at(size_t i) const { return locations_[i]; }
  /// The index of `location`, or -1.
  int indexOf(const TokenLocation& location) const;
  LocationMask maskOf(const std::vector<TokenLocation>& locations) const;

  /// Appends the tokens found at the locations in `mask`, in order; within a header
  /// location, one per field occurrence. Allocates nothing when there is no token.
  void extract(const http::RequestHead& head, LocationMask mask, TokenList& out) const;

 private:
  std::vector<TokenLocation> locations_;
  bool has_params_ = false;
  bool has_cookies_ = false;
};

/// Envoy's reading of a header value with a prefix: the prefix is searched anywhere in the
/// value (case-sensitively); the token starts at the first base64url character or dot after
/// it and runs to the end of the value. nullopt when the prefix does not occur. When nothing
/// token-like follows, the whole value is returned (so that it fails to parse and is
/// reported, as Envoy does).
std::optional<std::string_view> valueAfterPrefix(std::string_view value, std::string_view prefix);

/// The first value of query parameter `name` in `query` (without '?'), percent-decoded
/// ('+' is a space, as Envoy's query parameter decoding has it); nullopt when absent.
std::optional<std::string> queryParamValue(std::string_view query, std::string_view name);
/// `query` without any parameter whose decoded name is `name`; other bytes are kept as sent.
std::string removeQueryParam(std::string_view query, std::string_view name);
/// The first value of cookie `name` across the Cookie fields (Envoy's parseCookies: pairs
/// split on ';', leading spaces trimmed, surrounding double quotes removed).
std::optional<std::string_view> cookieValue(const http::HeaderMap& headers, std::string_view name);
/// Rewrites the Cookie fields without cookie `name` (fields left empty are dropped).
void removeCookie(http::HeaderMap& headers, std::string_view name);

/// Takes the token out of the request at `location` (forwardOriginalToken: false): the whole
/// header field, the query parameter, or the cookie.
void removeTokenAt(const TokenLocation& location, http::RequestHead& head);

}  // namespace meshgate::filters::jwt_authn
