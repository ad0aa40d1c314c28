// SPDX-License-Identifier: Apache-2.0
// Claims: the JSON payload of a JWT, with Istio-style lookups (nested paths, string lists,
// space-delimited claims). Depends on base and jwt/json_value.h.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwt/json_value.h"

namespace meshgate::jwt {

/// Whether a string claim is also read as a space-separated list (OAuth 2.0 `scope`,
/// RFC 8693 §4.2), as Istio does for its `spaceDelimitedClaims`.
enum class SpaceDelimited { No, Yes };

/// The claims Istio always treats as space-delimited (RequestAuthentication
/// `spaceDelimitedClaims` adds to these).
inline constexpr std::string_view kDefaultSpaceDelimitedClaims[] = {"scope", "permission"};

/// The payload object of a JWT. Immutable and cheap to copy (one shared_ptr); every view it
/// returns lives as long as any copy of it (or of a JsonValue taken from it).
class Claims {
 public:
  /// No claims: every lookup misses.
  Claims() = default;
  /// `payload` must be a JSON object.
  explicit Claims(JsonValue payload);

  const JsonValue& json() const { return payload_; }

  /// The top-level claim `name`.
  std::optional<JsonValue> find(std::string_view name) const;
  /// The claim at `path`, one object member per segment: {"a", "b"} is payload.a.b, which is
  /// what Istio's `request.auth.claims[a][b]` names. An empty path is the payload itself.
  std::optional<JsonValue> findPath(std::span<const std::string_view> path) const;
  std::optional<JsonValue> findPath(std::initializer_list<std::string_view> path) const {
    return findPath(std::span<const std::string_view>(path.begin(), path.size()));
  }
  /// Envoy's dotted claim names ("a.b.c"): a top-level claim whose whole name is `dotted` wins,
  /// so that URL-like names ("https://example.com/roles") still work; otherwise the name is
  /// split on '.' and walked as a path.
  std::optional<JsonValue> findDotted(std::string_view dotted) const;

  /// The top-level claim `name` when it is a string.
  std::optional<std::string_view> string(std::string_view name) const;

  /// The payload as compact JSON.
  std::string toJson() const { return payload_.toJson(); }

 private:
  JsonValue payload_;
};

/// A claim value read as a list of strings, as Istio's authorization matches it: a string is a
/// one-element list (or, with SpaceDelimited::Yes, its space-separated words, empty words
/// dropped); an array yields its string elements (other elements are skipped); anything else
/// is an empty list. The views point into `value`'s document.
std::vector<std::string_view> stringList(const JsonValue& value,
                                         SpaceDelimited split = SpaceDelimited::No);

/// Whether top-level claim `name` is space-delimited given the configured extra names
/// (kDefaultSpaceDelimitedClaims always are).
bool isSpaceDelimitedClaim(std::string_view name, std::span<const std::string> extra = {});

/// The text a claim puts in a request header (outputClaimToHeaders): strings as they are,
/// integers and other numbers as JSON numbers, booleans as "true"/"false", and arrays of such
/// scalars joined with ','. Objects, null, arrays holding them, and text with control
/// characters (which a header value cannot carry, RFC 9110 §5.5) give nullopt.
std::optional<std::string> claimHeaderValue(const JsonValue& value);

}  // namespace meshgate::jwt
