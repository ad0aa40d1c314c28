// SPDX-License-Identifier: Apache-2.0
// Strict base64url (RFC 4648 §5, as JWS uses it) and standard base64 (§4) codecs.
// Pure functions over bytes; depends on std only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace meshgate::jwt {

/// Whether '=' padding may end a base64url text. JWS (RFC 7515 §2) forbids it; some JWK
/// publishers pad key members anyway, so key material may opt in.
enum class Base64UrlPadding { Forbidden, Optional };

/// Decodes base64url. Rejects (returns nullopt): characters outside [A-Za-z0-9-_], padding
/// unless allowed (and then only the canonical amount), a length of 1 mod 4, and
/// non-canonical encodings whose unused trailing bits are not zero. An empty input decodes to
/// an empty string.
std::optional<std::string> base64UrlDecode(std::string_view in,
                                           Base64UrlPadding padding = Base64UrlPadding::Forbidden);

/// Encodes as base64url without padding.
std::string base64UrlEncode(std::string_view in);

/// Decodes standard base64 (alphabet [A-Za-z0-9+/], '=' padding required to a multiple of 4),
/// with the same canonical-bits rule. Whitespace is not skipped: callers that accept wrapped
/// text (PEM) strip it first.
std::optional<std::string> base64Decode(std::string_view in);

/// Encodes as standard base64 with padding.
std::string base64Encode(std::string_view in);

}  // namespace meshgate::jwt
