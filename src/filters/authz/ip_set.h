// SPDX-License-Identifier: Apache-2.0
// IP addresses as matching keys and compiled sets of CIDR ranges (sorted,
// merged intervals searched in O(log n)) for ipBlocks, remoteIpBlocks and the
// source.ip / remote.ip / destination.ip conditions. Depends on config types
// and net::Address.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "config/types.h"
#include "net/address.h"

namespace meshgate::filters::authz {

using Uint128 = unsigned __int128;

/// An address reduced to what CIDR matching needs.
struct IpKey {
  enum class Family : uint8_t { None, V4, V6 };
  Family family = Family::None;
  uint32_t v4 = 0;  // host order
  Uint128 v6 = 0;   // host order (most significant byte first in the address)

  bool valid() const { return family != Family::None; }
  /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address.
  std::optional<uint32_t> mappedV4() const;

  static IpKey fromAddress(const net::Address& address);
  static IpKey fromConfig(const config::IpAddress& ip);
};

/// An OR of CIDR ranges. Immutable after finalize().
///
/// IPv4 ranges match IPv4 addresses and IPv4-mapped IPv6 addresses
/// (::ffff:10.1.2.3 on a dual-stack socket is the IPv4 client 10.1.2.3, so a
/// DENY on 10.0.0.0/8 cannot be bypassed by connecting over IPv6); IPv6 ranges
/// match IPv6 addresses. "::/0" does not match IPv4 clients, as in Envoy.
class IpRangeSet {
 public:
  void add(const config::Cidr& cidr);
  /// Sorts and merges overlapping and adjacent ranges. Idempotent.
  void finalize();

  bool empty() const { return v4_.empty() && v6_.empty(); }
  /// False for an invalid key (no address).
  bool contains(const IpKey& ip) const;

 private:
  std::vector<std::pair<uint32_t, uint32_t>> v4_;  // inclusive [first, last]
  std::vector<std::pair<Uint128, Uint128>> v6_;
};

}  // namespace meshgate::filters::authz
