// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/ip_set.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace meshgate::filters::authz {

namespace {

Uint128 v6FromBytes(const uint8_t* b) {
  Uint128 v = 0;
  for (int i = 0; i < 16; ++i)
    v = (v << 8) | b[i];
  return v;
}

uint32_t v4FromBytes(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

constexpr Uint128 kMappedPrefix = Uint128{0xffff} << 32;
constexpr Uint128 kMappedMask = ~Uint128{0xffffffff};

template <typename T>
void mergeRanges(std::vector<std::pair<T, T>>& v) {
  std::sort(v.begin(), v.end());
  std::vector<std::pair<T, T>> out;
  for (const auto& r : v) {
    // Adjacent ranges merge too; `last + 1` cannot overflow when it is below `first`.
    if (!out.empty() && (r.first <= out.back().second || r.first - 1 == out.back().second)) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  v = std::move(out);
}

template <typename T>
bool inRanges(const std::vector<std::pair<T, T>>& v, T x) {
  // The last range starting at or before x.
  auto it = std::upper_bound(v.begin(), v.end(), x,
                             [](T value, const std::pair<T, T>& r) { return value < r.first; });
  if (it == v.begin()) return false;
  --it;
  return x <= it->second;
}

}  // namespace

std::optional<uint32_t> IpKey::mappedV4() const {
  if (family != Family::V6 || (v6 & kMappedMask) != kMappedPrefix) return std::nullopt;
  return static_cast<uint32_t>(v6 & 0xffffffffu);
}

IpKey IpKey::fromAddress(const net::Address& address) {
  IpKey k;
  if (!address.valid()) return k;
  const sockaddr* sa = address.sockaddrPtr();
  if (sa->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    k.family = Family::V4;
    k.v4 = ntohl(in.sin_addr.s_addr);
  } else if (sa->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof in6);
    k.family = Family::V6;
    k.v6 = v6FromBytes(in6.sin6_addr.s6_addr);
  }
  return k;
}

IpKey IpKey::fromConfig(const config::IpAddress& ip) {
  IpKey k;
  if (ip.family == config::IpAddress::Family::V4) {
    k.family = Family::V4;
    k.v4 = v4FromBytes(ip.bytes.data());
  } else {
    k.family = Family::V6;
    k.v6 = v6FromBytes(ip.bytes.data());
  }
  return k;
}

void IpRangeSet::add(const config::Cidr& cidr) {
  const IpKey base = IpKey::fromConfig(cidr.base);
  if (base.family == IpKey::Family::V4) {
    const uint32_t len = std::min<uint32_t>(cidr.prefix_len, 32);
    const uint32_t host = len == 0 ? ~uint32_t{0} : (len == 32 ? 0 : (~uint32_t{0} >> len));
    v4_.emplace_back(base.v4 & ~host, base.v4 | host);
  } else {
    const uint32_t len = std::min<uint32_t>(cidr.prefix_len, 128);
    const Uint128 all = ~Uint128{0};
    const Uint128 host = len == 0 ? all : (len == 128 ? 0 : (all >> len));
    v6_.emplace_back(base.v6 & ~host, base.v6 | host);
  }
}

void IpRangeSet::finalize() {
  mergeRanges(v4_);
  mergeRanges(v6_);
}

bool IpRangeSet::contains(const IpKey& ip) const {
  switch (ip.family) {
    case IpKey::Family::None:
      return false;
    case IpKey::Family::V4:
      return inRanges(v4_, ip.v4);
    case IpKey::Family::V6:
      if (inRanges(v6_, ip.v6)) return true;
      if (auto v4 = ip.mappedV4()) return inRanges(v4_, *v4);
      return false;
  }
  return false;
}

}  // namespace meshgate::filters::authz
