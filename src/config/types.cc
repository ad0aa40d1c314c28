// SPDX-License-Identifier: Apache-2.0
#include "config/types.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <cstring>

#include "base/strings.h"

namespace meshgate::config {

std::optional<Regex> Regex::compile(std::string_view pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  // Envoy and Istio use RE2 with default options: UTF-8, Perl classes on.
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    if (error) *error = re->error();
    return std::nullopt;
  }
  Regex out;
  out.pattern_ = std::string(pattern);
  out.re_ = std::move(re);
  return out;
}

bool Regex::fullMatch(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

std::string Regex::replaceAll(std::string_view text, std::string_view rewrite) const {
  std::string out(text);
  RE2::GlobalReplace(&out, *re_, re2::StringPiece(rewrite.data(), rewrite.size()));
  return out;
}

bool StringMatch::matches(std::string_view text, bool ignore_case) const {
  switch (kind) {
    case Kind::Exact:
      return ignore_case ? base::iequals(text, value) : text == value;
    case Kind::Prefix:
      if (text.size() < value.size()) return false;
      return ignore_case ? base::iequals(text.substr(0, value.size()), value)
                         : text.substr(0, value.size()) == value;
    case Kind::Regex:
      return regex && regex->fullMatch(text);
  }
  return false;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  char buf[65];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
    ip.family = Family::V6;
    return ip;
  }
  if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
  ip.family = Family::V4;
  return ip;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  const int af = family == Family::V4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buf, sizeof buf) == nullptr) return "";
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text, bool* host_bits_set) {
  std::string_view addr = text;
  std::optional<uint64_t> len;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len = base::parseUint64(text.substr(slash + 1));
    if (!len) return std::nullopt;
  }
  auto ip = IpAddress::parse(addr);
  if (!ip) return std::nullopt;
  const unsigned max = ip->family == IpAddress::Family::V4 ? 32 : 128;
  if (!len) len = max;
  if (*len > max) return std::nullopt;
  Cidr c;
  c.prefix_len = static_cast<uint8_t>(*len);
  c.base = *ip;
  bool had_host_bits = false;
  for (unsigned bit = c.prefix_len; bit < max; ++bit) {
    uint8_t& byte = c.base.bytes[bit / 8];
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if (byte & mask) had_host_bits = true;
    byte = static_cast<uint8_t>(byte & ~mask);
  }
  if (host_bits_set) *host_bits_set = had_host_bits;
  return c;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.family != base.family) return false;
  for (unsigned bit = 0; bit < prefix_len; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((ip.bytes[bit / 8] & mask) != (base.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::string Cidr::toString() const {
  return base.toString() + "/" + std::to_string(prefix_len);
}

bool WorkloadSelector::selects(const Labels& workload_labels) const {
  for (const auto& [k, v] : labels) {
    auto it = workload_labels.find(k);
    if (it == workload_labels.end() || it->second != v) return false;
  }
  return true;
}

std::string qualifyHost(std::string_view host, std::string_view namespace_) {
  std::string h = base::toLower(host);
  if (h.empty() || h == "*" || h.find('.') != std::string::npos) return h;
  return h + "." + std::string(namespace_) + ".svc.cluster.local";
}

bool hostMatches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com".
    std::string_view suffix = pattern.substr(1);
    if (host.size() > suffix.size() &&
        base::iequals(host.substr(host.size() - suffix.size()), suffix))
      return true;
    // A wildcard destination matches the same wildcard exactly.
    return base::iequals(pattern, host);
  }
  return base::iequals(pattern, host);
}

}  // namespace meshgate::config
