// SPDX-License-Identifier: Apache-2.0
// Small string helpers shared by every module. Depends on std only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::base {

std::string_view trim(std::string_view s);
/// Splits on `sep`; keeps empty fields.
std::vector<std::string_view> split(std::string_view s, char sep);
bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
char asciiLower(char c);
/// Whether every byte is below 0x80 (eight bytes at a time).
bool isAscii(std::string_view s);

/// Strict unsigned decimal: digits only, no sign, no spaces, no overflow.
std::optional<uint64_t> parseUint64(std::string_view s);
/// Strict signed decimal: an optional leading '-', then digits.
std::optional<int64_t> parseInt64(std::string_view s);

/// Go/Istio duration text: a sequence of decimal numbers with a unit
/// ("ns", "us", "µs", "ms", "s", "m", "h"), e.g. "1.5s", "100ms", "1h30m".
/// A bare "0" is accepted. Negative durations are rejected.
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view s);
/// The shortest Go-style text for a duration ("1.5s", "250ms", "2m0s" is "2m").
std::string formatDuration(std::chrono::nanoseconds d);

/// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when it is invalid:
/// truncated, overlong, a surrogate or past U+10FFFF. When valid, `*code_point` (if given)
/// receives the code point.
size_t utf8SequenceLength(std::string_view s, size_t i, uint32_t* code_point = nullptr);
/// Offset of the first byte of `s` that is not valid UTF-8, or s.size() when all are.
size_t firstInvalidUtf8(std::string_view s);

/// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF; surrogates are
/// encoded as they are, callers that must not produce them check first).
void appendUtf8(std::string& out, uint32_t cp);
/// Go's utf8.AppendRune: appends `r` as UTF-8, or U+FFFD when `r` is not a Unicode scalar
/// value (a surrogate, or past U+10FFFF).
void appendRune(std::string& out, uint64_t r);

/// The value of hex digit `c` (0-9, a-f, A-F), or -1 for any other character.
constexpr int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Lower-case hex of `data`.
std::string hexEncode(std::string_view data);
/// The same into `*out`, replacing its contents (a reused buffer keeps its capacity).
void hexEncodeInto(std::string_view data, std::string* out);

}  // namespace meshgate::base
