// SPDX-License-Identifier: Apache-2.0
// Base64/hex/URL codecs with Go's exact acceptance rules and error texts,
// shared by the encoding, JWT and crypto builtins.
#pragma once

#include <string>
#include <string_view>

#include "base/strings.h"

namespace meshgate::rego {

enum class B64 { Std, Url, RawStd, RawUrl };

std::string base64Encode(std::string_view data, B64 alphabet);
/// Go's base64 decoding (newlines ignored). On error returns false and sets
/// *error to "illegal base64 data at input byte N".
bool base64Decode(std::string_view text, B64 alphabet, std::string* out, std::string* error);

using base::hexEncode;
bool hexDecode(std::string_view text, std::string* out, std::string* error);

/// Go's url.QueryEscape / url.QueryUnescape.
std::string queryEscape(std::string_view s);
bool queryUnescape(std::string_view s, std::string* out, std::string* error);
/// Go's url.PathEscape.
std::string pathEscape(std::string_view s);

}  // namespace meshgate::rego
