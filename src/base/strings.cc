// SPDX-License-Identifier: Apache-2.0
#include "base/strings.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace meshgate::base {

std::string_view trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n'))
    ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

char asciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool isAscii(std::string_view s) {
  size_t i = 0;
  uint64_t high = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    high |= chunk;
  }
  for (; i < s.size(); ++i)
    high |= static_cast<unsigned char>(s[i]);
  return (high & 0x8080808080808080ULL) == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = asciiLower(c);
  return out;
}

std::optional<uint64_t> parseUint64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<int64_t> parseInt64(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  auto u = parseUint64(s);
  if (!u) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (*u > limit) return std::nullopt;
  if (negative)
    return *u == (uint64_t{1} << 63) ? std::numeric_limits<int64_t>::min()
                                     : -static_cast<int64_t>(*u);
  return static_cast<int64_t>(*u);
}

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view s) {
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;
  long double total_ns = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
      ++i;
    if (i == start) return std::nullopt;
    std::string_view num = s.substr(start, i - start);
    if (num == "." || num.find('.') != num.rfind('.')) return std::nullopt;
    long double value = 0;
    long double scale = 0;
    for (char c : num) {
      if (c == '.') {
        scale = 1;
        continue;
      }
      if (scale == 0) {
        value = value * 10 + (c - '0');
      } else {
        scale /= 10;
        value += (c - '0') * scale;
      }
    }
    size_t ustart = i;
    while (i < s.size() && !((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
      ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else
      return std::nullopt;
    total_ns += value * mult;
    if (total_ns > static_cast<long double>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total_ns)));
}

std::string formatDuration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  auto emit = [&](int64_t whole, int64_t frac, int digits, const char* unit) {
    out += std::to_string(whole);
    if (frac != 0) {
      std::string f = std::to_string(frac);
      f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
      while (!f.empty() && f.back() == '0')
        f.pop_back();
      out += '.' + f;
    }
    out += unit;
  };
  if (ns < 1000) {
    emit(ns, 0, 0, "ns");
  } else if (ns < 1'000'000) {
    emit(ns / 1000, ns % 1000, 3, "us");
  } else if (ns < 1'000'000'000) {
    emit(ns / 1'000'000, ns % 1'000'000, 6, "ms");
  } else {
    int64_t h = ns / 3'600'000'000'000;
    ns %= 3'600'000'000'000;
    int64_t m = ns / 60'000'000'000;
    ns %= 60'000'000'000;
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (ns) emit(ns / 1'000'000'000, ns % 1'000'000'000, 9, "s");
  }
  return out;
}

std::string hexEncode(std::string_view data) {
  std::string out;
  hexEncodeInto(data, &out);
  return out;
}

void hexEncodeInto(std::string_view data, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out->resize(data.size() * 2);
  char* p = out->data();
  for (unsigned char c : data) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 15];
  }
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void appendRune(std::string& out, uint64_t r) {
  const bool scalar = r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF);
  appendUtf8(out, scalar ? static_cast<uint32_t>(r) : 0xFFFDu);
}

size_t utf8SequenceLength(std::string_view s, size_t i, uint32_t* code_point) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t len;
  uint32_t cp;
  if (c < 0x80) {
    if (code_point != nullptr) *code_point = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp > 0x10FFFF) return 0;
  if (code_point != nullptr) *code_point = cp;
  return len;
}

size_t firstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII 32 or 8 bytes at a time: the common case.
    if (i + 32 <= s.size()) {
      uint64_t chunk[4];
      std::memcpy(chunk, s.data() + i, 32);
      if (((chunk[0] | chunk[1] | chunk[2] | chunk[3]) & 0x8080808080808080ULL) == 0) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= s.size()) {
      uint64_t chunk;
      std::memcpy(&chunk, s.data() + i, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8SequenceLength(s, i);
    if (len == 0) return i;
    i += len;
  }
  return s.size();
}

}  // namespace meshgate::base
