// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/encoding_util.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "base/strings.h"

namespace meshgate::rego {
namespace {

const char* alphabetChars(B64 a) {
  return (a == B64::Url || a == B64::RawUrl)
             ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

bool padded(B64 a) {
  return a == B64::Std || a == B64::Url;
}

}  // namespace

std::string base64Encode(std::string_view data, B64 alphabet) {
  const char* chars = alphabetChars(alphabet);
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  while (i + 3 <= data.size()) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out.push_back(chars[(v >> 18) & 63]);
    out.push_back(chars[(v >> 12) & 63]);
    out.push_back(chars[(v >> 6) & 63]);
    out.push_back(chars[v & 63]);
    i += 3;
  }
  size_t rem = data.size() - i;
  if (rem > 0) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (rem == 2) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out.push_back(chars[(v >> 18) & 63]);
    out.push_back(chars[(v >> 12) & 63]);
    if (rem == 2) out.push_back(chars[(v >> 6) & 63]);
    if (padded(alphabet)) out.append(rem == 1 ? "==" : "=");
  }
  return out;
}

bool base64Decode(std::string_view src, B64 alphabet, std::string* out, std::string* error) {
  struct Table {
    int8_t v[256];
    explicit Table(const char* chars) {
      for (auto& t : v)
        t = -1;
      for (int k = 0; k < 64; ++k)
        v[static_cast<uint8_t>(chars[k])] = static_cast<int8_t>(k);
    }
  };
  static const Table kStd(alphabetChars(B64::Std));
  static const Table kUrl(alphabetChars(B64::Url));
  // The same, each character's six bits already in place for its position in a quantum
  // (first character highest); a character outside the alphabet sets bit 31.
  struct Shifted {
    uint32_t v[4][256];
    explicit Shifted(const Table& t) {
      for (int pos = 0; pos < 4; ++pos) {
        for (int ch = 0; ch < 256; ++ch) {
          v[pos][ch] =
              t.v[ch] < 0 ? 0x80000000u : static_cast<uint32_t>(t.v[ch]) << (6 * (3 - pos));
        }
      }
    }
  };
  static const Shifted kStdShifted(kStd);
  static const Shifted kUrlShifted(kUrl);
  const bool url = alphabet == B64::Url || alphabet == B64::RawUrl;
  const int8_t* table = url ? kUrl.v : kStd.v;
  const Shifted& shifted = url ? kUrlShifted : kStdShifted;
  const bool pad = padded(alphabet);
  out->clear();
  // Whole quanta of four alphabet characters, three bytes each, without the
  // per-character checks below; anything else (padding, line breaks, invalid
  // characters, the tail) is left to the general loop, from a quantum start.
  // Each quantum is stored as four bytes (the fourth overwritten by the next;
  // the slack of the resize holds the last).
  out->resize(src.size() / 4 * 3 + 3);
  size_t si = 0;
  size_t oi = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out->data());
  const auto* in = reinterpret_cast<const uint8_t*>(src.data());
  while (si + 4 <= src.size()) {
    const uint32_t val = shifted.v[0][in[si]] | shifted.v[1][in[si + 1]] |
                         shifted.v[2][in[si + 2]] | shifted.v[3][in[si + 3]];
    if (val & 0x80000000u) break;
    const uint32_t bytes = __builtin_bswap32(val << 8);
    std::memcpy(dst + oi, &bytes, 4);
    oi += 3;
    si += 4;
  }
  out->resize(oi);
  auto fail = [&](size_t at) {
    *error = "illegal base64 data at input byte " + std::to_string(at);
    return false;
  };
  while (true) {
    // Decode one quantum of up to 4 characters, as Go's decodeQuantum.
    uint8_t dbuf[4] = {0, 0, 0, 0};
    size_t dlen = 4;
    size_t j = 0;
    for (; j < 4;) {
      if (si == src.size()) {
        if (j == 0) return true;
        if (j == 1 || pad) return fail(si - j);
        dlen = j;
        break;
      }
      char in = src[si];
      ++si;
      if (in == '\n' || in == '\r') continue;
      int8_t v = table[static_cast<uint8_t>(in)];
      if (v >= 0) {
        dbuf[j] = static_cast<uint8_t>(v);
        ++j;
        continue;
      }
      if (in != '=' || !pad) return fail(si - 1);
      // Padding.
      switch (j) {
        case 0:
        case 1:
          return fail(si - 1);
        case 2:
          while (si < src.size() && (src[si] == '\n' || src[si] == '\r'))
            ++si;
          if (si == src.size()) return fail(src.size());
          if (src[si] != '=') return fail(si - 1);
          ++si;
          break;
        default:
          break;
      }
      while (si < src.size() && (src[si] == '\n' || src[si] == '\r'))
        ++si;
      if (si < src.size()) return fail(si);
      dlen = j;
      break;
    }
    uint32_t val = (static_cast<uint32_t>(dbuf[0]) << 18) | (static_cast<uint32_t>(dbuf[1]) << 12) |
                   (static_cast<uint32_t>(dbuf[2]) << 6) | dbuf[3];
    uint8_t b0 = static_cast<uint8_t>(val >> 16), b1 = static_cast<uint8_t>(val >> 8),
            b2 = static_cast<uint8_t>(val);
    switch (dlen) {
      case 4:
        out->push_back(static_cast<char>(b0));
        out->push_back(static_cast<char>(b1));
        out->push_back(static_cast<char>(b2));
        break;
      case 3:
        out->push_back(static_cast<char>(b0));
        out->push_back(static_cast<char>(b1));
        break;
      case 2:
        out->push_back(static_cast<char>(b0));
        break;
      default:
        break;
    }
    if (dlen < 4) return true;
  }
}

bool hexDecode(std::string_view text, std::string* out, std::string* error) {
  constexpr auto val = base::hexDigitValue;
  out->clear();
  size_t i = 0;
  for (; i + 1 < text.size(); i += 2) {
    int hi = val(text[i]), lo = val(text[i + 1]);
    if (hi < 0 || lo < 0) {
      unsigned char bad = static_cast<unsigned char>(hi < 0 ? text[i] : text[i + 1]);
      char buf[64];
      std::snprintf(buf, sizeof(buf), "encoding/hex: invalid byte: U+%04X '%c'", bad, bad);
      *error = buf;
      return false;
    }
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  if (text.size() % 2 == 1) {
    if (val(text[i]) < 0) {
      unsigned char bad = static_cast<unsigned char>(text[i]);
      char buf[64];
      std::snprintf(buf, sizeof(buf), "encoding/hex: invalid byte: U+%04X '%c'", bad, bad);
      *error = buf;
      return false;
    }
    *error = "encoding/hex: odd length hex string";
    return false;
  }
  return true;
}

namespace {
bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}
}  // namespace

std::string queryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string pathEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c) || c == '$' || c == '&' || c == '+' || c == ',' || c == ':' || c == ';' ||
        c == '=' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool queryUnescape(std::string_view s, std::string* out, std::string* error) {
  constexpr auto val = base::hexDigitValue;
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        std::string bad(s.substr(i, 3));
        *error = "invalid URL escape \"" + bad + "\"";
        return false;
      }
      int hi = val(s[i + 1]), lo = val(s[i + 2]);
      if (hi < 0 || lo < 0) {
        *error = "invalid URL escape \"" + std::string(s.substr(i, 3)) + "\"";
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+') {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace meshgate::rego
