// SPDX-License-Identifier: Apache-2.0
// IPv4/IPv6 socket addresses and CIDR ranges. Depends on base only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace meshgate::net {

class Address {
 public:
  Address() = default;
  /// "1.2.3.4:80", "[::1]:80". The port is required.
  static base::Result<Address> parse(std::string_view text);
  /// An IP literal ("1.2.3.4", "::1") plus a port.
  static base::Result<Address> fromIp(std::string_view ip, uint16_t port);
  static Address fromSockaddr(const sockaddr* sa, socklen_t len);

  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  int family() const { return storage_.ss_family; }
  bool valid() const { return length_ != 0; }
  uint16_t port() const;
  void setPort(uint16_t port);
  /// The IP as text, without brackets ("::1").
  std::string ip() const;
  /// "1.2.3.4:80" or "[::1]:80".
  std::string toString() const;
  bool isLoopback() const;

  bool operator==(const Address& other) const;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

/// An IP range such as "10.0.0.0/8" or "2001:db8::/32"; a bare IP is a /32 or /128.
class Cidr {
 public:
  static base::Result<Cidr> parse(std::string_view text);
  bool contains(const Address& addr) const;
  std::string toString() const;

 private:
  int family_ = AF_INET;
  uint8_t bytes_[16] = {};
  int prefix_ = 0;
};

}  // namespace meshgate::net
