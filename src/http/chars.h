// SPDX-License-Identifier: Apache-2.0
// Byte-class lookup tables for HTTP grammar (RFC 9110/9112, RFC 3986), built at compile
// time. Shared by the header map, the path code and the HTTP/1 codec. Depends on std only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace meshgate::http {

namespace chars_detail {

constexpr bool isAlpha(unsigned c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isDigit(unsigned c) {
  return c >= '0' && c <= '9';
}

constexpr bool isTcharSlow(unsigned c) {
  if (isAlpha(c) || isDigit(c)) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == static_cast<unsigned char>(t)) return true;
  }
  return false;
}

// The lower-cased byte for a tchar, 0 for anything that is not a tchar.
constexpr std::array<uint8_t, 256> makeTokenLower() {
  std::array<uint8_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    if (isTcharSlow(c)) t[c] = static_cast<uint8_t>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return t;
}

constexpr std::array<uint8_t, 256> makeLower() {
  std::array<uint8_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c)
    t[c] = static_cast<uint8_t>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  return t;
}

// field-content bytes: HTAB, SP, VCHAR, obs-text. Everything else (NUL, CR, LF, other
// controls, DEL) is invalid inside a field value.
constexpr std::array<bool, 256> makeFieldValue() {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c)
    t[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
  return t;
}

// Bytes accepted raw in a request-target: visible ASCII except '#' (a fragment is never
// part of a request-target). Controls, SP, DEL and non-ASCII bytes must be percent-encoded.
constexpr std::array<bool, 256> makeTarget() {
  std::array<bool, 256> t{};
  for (unsigned c = 0x21; c < 0x7f; ++c)
    t[c] = c != '#';
  return t;
}

// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
constexpr std::array<bool, 256> makeUnreserved() {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    t[c] = isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
  }
  return t;
}

// RFC 3986 reg-name bytes (unreserved / sub-delims), plus '%' for pct-encoded.
constexpr std::array<bool, 256> makeRegName() {
  std::array<bool, 256> t = makeUnreserved();
  for (char c : std::string_view("!$&'()*+,;=%"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}

// Hex digit value, or 0xff.
constexpr std::array<uint8_t, 256> makeHex() {
  std::array<uint8_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    if (c >= '0' && c <= '9') {
      t[c] = static_cast<uint8_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      t[c] = static_cast<uint8_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      t[c] = static_cast<uint8_t>(c - 'A' + 10);
    } else {
      t[c] = 0xff;
    }
  }
  return t;
}

}  // namespace chars_detail

inline constexpr std::array<uint8_t, 256> kTokenLower = chars_detail::makeTokenLower();
inline constexpr std::array<uint8_t, 256> kLower = chars_detail::makeLower();
inline constexpr std::array<bool, 256> kFieldValueChar = chars_detail::makeFieldValue();
inline constexpr std::array<bool, 256> kTargetChar = chars_detail::makeTarget();
inline constexpr std::array<bool, 256> kUnreservedChar = chars_detail::makeUnreserved();
inline constexpr std::array<bool, 256> kRegNameChar = chars_detail::makeRegName();
inline constexpr std::array<uint8_t, 256> kHexValue = chars_detail::makeHex();

inline constexpr char kUpperHexDigits[] = "0123456789ABCDEF";

inline bool isTchar(char c) {
  return kTokenLower[static_cast<uint8_t>(c)] != 0;
}
inline bool isFieldValueChar(char c) {
  return kFieldValueChar[static_cast<uint8_t>(c)];
}
inline bool isHexDigit(char c) {
  return kHexValue[static_cast<uint8_t>(c)] != 0xff;
}
inline bool isOws(char c) {
  return c == ' ' || c == '\t';
}
inline char lowerAscii(char c) {
  return static_cast<char>(kLower[static_cast<uint8_t>(c)]);
}

/// True when `s` is a non-empty RFC 9110 token.
bool isToken(std::string_view s);
/// Case-insensitive ASCII equality.
bool equalsIgnoreCase(std::string_view a, std::string_view b);
/// `s` without leading and trailing SP/HTAB.
std::string_view trimOws(std::string_view s);

}  // namespace meshgate::http
