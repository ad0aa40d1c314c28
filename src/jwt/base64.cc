// SPDX-License-Identifier: Apache-2.0
// Strict base64 / base64url codecs. Depends on std only.
#include "jwt/base64.h"

#include <array>
#include <cstdint>

namespace meshgate::jwt {
namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> makeTable(const char* alphabet) {
  std::array<uint8_t, 256> t{};
  for (auto& v : t)
    v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i)
    t[static_cast<uint8_t>(alphabet[i])] = i;
  return t;
}

constexpr std::array<uint8_t, 256> kUrlTable = makeTable(kUrlAlphabet);
constexpr std::array<uint8_t, 256> kStdTable = makeTable(kStdAlphabet);

// Decodes unpadded text (length % 4 != 1). Fails on a bad character or on non-zero unused
// bits in the last character, so that every byte string has exactly one accepted encoding.
std::optional<std::string> decodeUnpadded(std::string_view in,
                                          const std::array<uint8_t, 256>& table) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  size_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  for (; i + 4 <= in.size(); i += 4) {
    uint8_t a = table[p[i]], b = table[p[i + 1]], c = table[p[i + 2]], d = table[p[i + 3]];
    if ((a | b | c | d) & 0xc0) return std::nullopt;  // kInvalid has the top bits set
    uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6) | d;
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
  }
  size_t rest = in.size() - i;
  if (rest == 2) {
    uint8_t a = table[p[i]], b = table[p[i + 1]];
    if (a == kInvalid || b == kInvalid) return std::nullopt;
    if (b & 0x0f) return std::nullopt;  // 4 unused bits must be zero
    out.push_back(static_cast<char>((a << 2) | (b >> 4)));
  } else if (rest == 3) {
    uint8_t a = table[p[i]], b = table[p[i + 1]], c = table[p[i + 2]];
    if (a == kInvalid || b == kInvalid || c == kInvalid) return std::nullopt;
    if (c & 0x03) return std::nullopt;  // 2 unused bits must be zero
    out.push_back(static_cast<char>((a << 2) | (b >> 4)));
    out.push_back(static_cast<char>(((b & 0x0f) << 4) | (c >> 2)));
  }
  return out;
}

std::string encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Number of '=' a padded encoding of `unpadded_len` characters carries.
size_t paddingFor(size_t unpadded_len) {
  return (4 - unpadded_len % 4) % 4;
}

}  // namespace

std::optional<std::string> base64UrlDecode(std::string_view in, Base64UrlPadding padding) {
  if (padding == Base64UrlPadding::Optional) {
    size_t n = in.size();
    while (n > 0 && in[n - 1] == '=')
      --n;
    size_t pad = in.size() - n;
    if (pad != 0) {
      // Padded text must be exactly what a padding encoder would have produced.
      if (in.size() % 4 != 0 || pad != paddingFor(n)) return std::nullopt;
      in = in.substr(0, n);
    }
  }
  return decodeUnpadded(in, kUrlTable);
}

std::string base64UrlEncode(std::string_view in) {
  return encode(in, kUrlAlphabet, false);
}

std::optional<std::string> base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  size_t n = in.size();
  while (n > 0 && in[n - 1] == '=')
    --n;
  if (in.size() - n != paddingFor(n)) return std::nullopt;
  return decodeUnpadded(in.substr(0, n), kStdTable);
}

std::string base64Encode(std::string_view in) {
  return encode(in, kStdAlphabet, true);
}

}  // namespace meshgate::jwt
