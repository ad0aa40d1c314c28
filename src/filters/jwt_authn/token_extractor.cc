// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/token_extractor.h"

#include <algorithm>

#include "base/strings.h"

namespace meshgate::filters::jwt_authn {

namespace {

// RFC 4648 §5 (base64url) plus '.', the characters of a compact JWS.
constexpr std::string_view kTokenChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

using base::hexDigitValue;

bool needsDecoding(std::string_view s) {
  return s.find_first_of("%+") != std::string_view::npos;
}

// Percent-decoding for query components; malformed escapes stay as they are.
std::string decodeQueryComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && hexDigitValue(s[i + 1]) >= 0 &&
               hexDigitValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexDigitValue(s[i + 1]) * 16 + hexDigitValue(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool keyEquals(std::string_view raw_key, std::string_view name) {
  if (!needsDecoding(raw_key)) return raw_key == name;
  return decodeQueryComponent(raw_key) == name;
}

// Calls fn(raw_key, raw_value, raw_pair) for each '&'-separated pair; stops when fn returns
// false.
template <typename Fn>
void forEachQueryPair(std::string_view query, Fn&& fn) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (!fn(key, value, pair)) return;
    }
    start = end + 1;
  }
}

// Calls fn(name, value, raw_pair) for each cookie pair of one Cookie field value; stops
// when fn returns false.
template <typename Fn>
bool forEachCookie(std::string_view field, Fn&& fn) {
  size_t start = 0;
  while (start < field.size()) {
    size_t end = field.find(';', start);
    if (end == std::string_view::npos) end = field.size();
    const std::string_view pair = field.substr(start, end - start);
    start = end + 1;
    const size_t first = pair.find_first_not_of(' ');
    const size_t eq = pair.find('=');
    if (first == std::string_view::npos || eq == std::string_view::npos || eq < first) continue;
    const std::string_view name = pair.substr(first, eq - first);
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!fn(name, value, pair)) return false;
  }
  return true;
}

}  // namespace

std::vector<TokenLocation> defaultTokenLocations() {
  return {TokenLocation{LocationKind::Header, "authorization", "Bearer "},
          TokenLocation{LocationKind::Param, "access_token", ""}};
}

LocationTable::LocationTable(std::vector<TokenLocation> locations)
    : locations_(std::move(locations)) {
  // Envoy keeps header locations in a std::map keyed by name + prefix, parameters and
  // cookies in maps keyed by name: this is the order tokens come out in.
  std::sort(locations_.begin(), locations_.end(),
            [](const TokenLocation& a, const TokenLocation& b) {
              if (a.kind != b.kind) return a.kind < b.kind;
              if (a.kind == LocationKind::Header) return a.name + a.prefix < b.name + b.prefix;
              return a.name < b.name;
            });
  locations_.erase(std::unique(locations_.begin(), locations_.end()), locations_.end());
  for (const TokenLocation& l : locations_) {
    has_params_ = has_params_ || l.kind == LocationKind::Param;
    has_cookies_ = has_cookies_ || l.kind == LocationKind::Cookie;
  }
}

int LocationTable::indexOf(const TokenLocation& location) const {
  for (size_t i = 0; i < locations_.size(); ++i) {
    if (locations_[i] == location) return static_cast<int>(i);
  }
  return -1;
}

LocationMask LocationTable::maskOf(const std::vector<TokenLocation>& locations) const {
  LocationMask mask = 0;
  for (const TokenLocation& l : locations) {
    const int i = indexOf(l);
    if (i >= 0 && static_cast<size_t>(i) < kMaxLocations) mask |= LocationMask{1} << i;
  }
  return mask;
}

void LocationTable::extract(const http::RequestHead& head, LocationMask mask,
                            TokenList& out) const {
  const http::HeaderMap& headers = head.headers();
  for (size_t i = 0; i < locations_.size() && i < kMaxLocations; ++i) {
    if ((mask & (LocationMask{1} << i)) == 0) continue;
    const TokenLocation& loc = locations_[i];
    switch (loc.kind) {
      case LocationKind::Header:
        headers.forEachValue(loc.name, [&](std::string_view value) {
          std::optional<std::string_view> token = value;
          if (!loc.prefix.empty()) token = valueAfterPrefix(value, loc.prefix);
          if (!token) return;
          ExtractedToken t;
          t.location = static_cast<uint16_t>(i);
          t.view = *token;
          out.push_back(std::move(t));
        });
        break;
      case LocationKind::Param:
        if (head.hasQuery()) {
          if (auto v = queryParamValue(head.query(), loc.name)) {
            ExtractedToken t;
            t.location = static_cast<uint16_t>(i);
            t.owned = std::move(*v);
            t.is_owned = true;
            out.push_back(std::move(t));
          }
        }
        break;
      case LocationKind::Cookie:
        if (auto v = cookieValue(headers, loc.name)) {
          ExtractedToken t;
          t.location = static_cast<uint16_t>(i);
          t.view = *v;
          out.push_back(std::move(t));
        }
        break;
    }
  }
}

std::optional<std::string_view> valueAfterPrefix(std::string_view value, std::string_view prefix) {
  const size_t pos = value.find(prefix);
  if (pos == std::string_view::npos) return std::nullopt;
  const size_t start = value.find_first_of(kTokenChars, pos + prefix.size());
  if (start == std::string_view::npos) return value;
  return value.substr(start);
}

std::optional<std::string> queryParamValue(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  forEachQueryPair(query, [&](std::string_view key, std::string_view value, std::string_view) {
    if (!keyEquals(key, name)) return true;
    found = needsDecoding(value) ? decodeQueryComponent(value) : std::string(value);
    return false;
  });
  return found;
}

std::string removeQueryParam(std::string_view query, std::string_view name) {
  std::string out;
  forEachQueryPair(query, [&](std::string_view key, std::string_view, std::string_view pair) {
    if (keyEquals(key, name)) return true;
    if (!out.empty()) out += '&';
    out += pair;
    return true;
  });
  return out;
}

std::optional<std::string_view> cookieValue(const http::HeaderMap& headers, std::string_view name) {
  std::optional<std::string_view> found;
  headers.forEachValue(http::HeaderId::Cookie, [&](std::string_view field) {
    if (found) return;
    forEachCookie(field, [&](std::string_view n, std::string_view v, std::string_view) {
      if (n != name) return true;
      found = v;
      return false;
    });
  });
  return found;
}

void removeCookie(http::HeaderMap& headers, std::string_view name) {
  if (!cookieValue(headers, name)) return;
  std::vector<std::string> kept;
  headers.forEachValue(http::HeaderId::Cookie, [&](std::string_view field) {
    std::string rebuilt;
    forEachCookie(field, [&](std::string_view n, std::string_view, std::string_view pair) {
      if (n == name) return true;
      if (!rebuilt.empty()) rebuilt += "; ";
      const size_t first = pair.find_first_not_of(' ');
      rebuilt += pair.substr(first);
      return true;
    });
    if (!rebuilt.empty()) kept.push_back(std::move(rebuilt));
  });
  headers.remove(http::HeaderId::Cookie);
  for (const std::string& v : kept)
    headers.add("cookie", v);
}

void removeTokenAt(const TokenLocation& location, http::RequestHead& head) {
  switch (location.kind) {
    case LocationKind::Header:
      head.headers().remove(location.name);
      break;
    case LocationKind::Param: {
      if (!head.hasQuery()) break;
      const std::string query = removeQueryParam(head.query(), location.name);
      const std::string path(head.path());
      head.setPathAndQuery(path, query, !query.empty());
      break;
    }
    case LocationKind::Cookie:
      removeCookie(head.headers(), location.name);
      break;
  }
}

}  // namespace meshgate::filters::jwt_authn
