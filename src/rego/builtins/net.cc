// SPDX-License-Identifier: Apache-2.0
// Networks: net.cidr_contains, cidr_intersects, cidr_expand, cidr_merge,
// cidr_is_valid, cidr_contains_matches, net.lookup_ip_addr (Go's net semantics).
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

using U128 = unsigned __int128;

struct Ip {
  bool v4 = true;
  U128 v = 0;  // v4 in the low 32 bits
};

struct Net {
  Ip ip;  // the (masked) network address
  int prefix = 0;
  int bits() const { return ip.v4 ? 32 : 128; }
  // For OPA's merge of a bare IPv4 address: the address kept unmasked.
  Ip display_ip;
  bool has_display = false;
};

bool parseV4(std::string_view s, uint32_t* out) {
  uint32_t v = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    size_t start = i;
    uint32_t octet = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      octet = octet * 10 + static_cast<uint32_t>(s[i] - '0');
      if (octet > 255) return false;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return false;  // Go rejects leading zeros
    v = (v << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i != s.size()) return false;
  *out = v;
  return true;
}

// Go's net.ParseIP; IPv4-mapped IPv6 addresses become IPv4.
bool parseIp(std::string_view s, Ip* out) {
  uint32_t v4;
  if (parseV4(s, &v4)) {
    out->v4 = true;
    out->v = v4;
    return true;
  }
  if (s.find(':') == std::string_view::npos || s.find('%') != std::string_view::npos) return false;
  std::string tmp(s);
  unsigned char buf[16];
  if (inet_pton(AF_INET6, tmp.c_str(), buf) != 1) return false;
  U128 v = 0;
  for (unsigned char b : buf)
    v = (v << 8) | b;
  bool mapped = (v >> 32) == 0xFFFF;
  if (mapped) {
    out->v4 = true;
    out->v = v & 0xFFFFFFFFu;
  } else {
    out->v4 = false;
    out->v = v;
  }
  return true;
}

U128 maskFor(int prefix, int bits) {
  if (prefix <= 0) return 0;
  U128 all = bits == 32 ? U128(0xFFFFFFFFu) : ~U128(0);
  return (all << (bits - prefix)) & all;
}

bool parseCidr(std::string_view s, Net* out) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view addr = s.substr(0, slash), pfx = s.substr(slash + 1);
  Ip ip;
  uint32_t v4;
  if (parseV4(addr, &v4)) {
    ip.v4 = true;
    ip.v = v4;
  } else {
    if (!parseIp(addr, &ip)) return false;
    if (ip.v4) {
      // An IPv4-mapped address with a v6 prefix length.
      ip.v4 = false;
      ip.v |= U128(0xFFFF) << 32;
    }
  }
  if (pfx.empty() || pfx.size() > 3) return false;
  int p = 0;
  for (char ch : pfx) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
    p = p * 10 + (ch - '0');
  }
  if (pfx.size() > 1 && pfx[0] == '0') return false;
  int bits = ip.v4 ? 32 : 128;
  if (p > bits) return false;
  out->prefix = p;
  out->ip = ip;
  out->ip.v &= maskFor(p, bits);
  return true;
}

std::string ipString(const Ip& ip) {
  if (ip.v4) {
    uint32_t v = static_cast<uint32_t>(ip.v);
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
           std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
  }
  if ((ip.v >> 32) == 0xFFFF) {
    Ip four{true, ip.v & 0xFFFFFFFFu};
    return ipString(four);
  }
  unsigned char buf[16];
  U128 v = ip.v;
  for (int i = 15; i >= 0; --i) {
    buf[i] = static_cast<unsigned char>(v & 0xFF);
    v >>= 8;
  }
  char out[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, buf, out, sizeof(out));
  return out;
}

U128 lastAddr(const Net& n) {
  int bits = n.bits();
  U128 all = bits == 32 ? U128(0xFFFFFFFFu) : ~U128(0);
  return n.ip.v | (~maskFor(n.prefix, bits) & all);
}

bool contains(const Net& n, const Ip& ip) {
  if (n.ip.v4 != ip.v4) return false;
  return (ip.v & maskFor(n.prefix, n.bits())) == n.ip.v;
}

bool netOperand(BuiltinContext& c, Args a, size_t i, Net* n) {
  std::string_view s;
  if (!argString(c, a, i, &s)) return false;
  if (!parseCidr(s, n)) {
    c.builtinError("invalid CIDR address: " + std::string(s));
    return false;
  }
  return true;
}

Value cidrContains(BuiltinContext& c, Args a) {
  Net n;
  if (!netOperand(c, a, 0, &n)) return Value();
  std::string_view s;
  if (!a[1].isString()) return typeErr(c, 0, a[1], {"string"});
  s = a[1].asString();
  Ip ip;
  if (parseIp(s, &ip)) return boolValue(contains(n, ip));
  Net m;
  if (!parseCidr(s, &m)) {
    c.builtinError("not a valid textual representation of an IP address or CIDR: " +
                   std::string(s));
    return Value();
  }
  if (!contains(n, m.ip)) return boolValue(false);
  Ip last{m.ip.v4, lastAddr(m)};
  return boolValue(contains(n, last));
}

Value cidrIntersects(BuiltinContext& c, Args a) {
  Net x, y;
  if (!netOperand(c, a, 0, &x) || !netOperand(c, a, 1, &y)) return Value();
  return boolValue(contains(x, y.ip) || contains(y, x.ip));
}

Value cidrIsValid(BuiltinContext&, Args a) {
  if (!a[0].isString()) return boolValue(false);
  Net n;
  return boolValue(parseCidr(a[0].asString(), &n));
}

Value cidrExpand(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  Net n;
  if (!parseCidr(s, &n)) {
    c.builtinError("invalid CIDR address: " + std::string(s));
    return Value();
  }
  int host_bits = n.bits() - n.prefix;
  if (host_bits > 20) {
    c.builtinError("CIDR range too large to expand (" + std::string(s) + ")");
    return Value();
  }
  std::vector<Value> out;
  U128 count = U128(1) << host_bits;
  for (U128 i = 0; i < count; ++i)
    out.push_back(strValue(ipString(Ip{n.ip.v4, n.ip.v + i})));
  return Value::set(std::move(out));
}

bool matchTerm(BuiltinContext& c, const Value& v, size_t operand, Value* cidr) {
  if (v.isString()) {
    *cidr = v;
    return true;
  }
  if (v.isArray() && !v.items().empty()) {
    *cidr = v.items()[0];
    return true;
  }
  c.builtinError("operand " + std::to_string(operand) +
                 ": element must be string or non-empty array");
  return false;
}

template <typename F>
bool eachMatchOperand(BuiltinContext& c, const Value& v, size_t operand, F&& f) {
  switch (v.kind()) {
    case Kind::String:
      return f(v, v);
    case Kind::Array:
      for (size_t i = 0; i < v.items().size(); ++i) {
        Value cidr;
        if (!matchTerm(c, v.items()[i], operand, &cidr)) return false;
        if (!f(cidr, intValue(static_cast<int64_t>(i)))) return false;
      }
      return true;
    case Kind::Set:
      for (const auto& x : v.items()) {
        Value cidr;
        if (!matchTerm(c, x, operand, &cidr)) return false;
        if (!f(cidr, x)) return false;
      }
      return true;
    case Kind::Object:
      for (const auto& e : v.entries()) {
        Value cidr;
        if (!matchTerm(c, e.value, operand, &cidr)) return false;
        if (!f(cidr, e.key)) return false;
      }
      return true;
    default:
      return true;
  }
}

Value cidrContainsMatches(BuiltinContext& c, Args a) {
  std::vector<Value> out;
  bool ok = eachMatchOperand(c, a[0], 1, [&](const Value& c1, const Value& i1) {
    return eachMatchOperand(c, a[1], 2, [&](const Value& c2, const Value& i2) {
      Value args[2] = {c1, c2};
      Value r = cidrContains(c, Args(args, 2));
      if (c.failed()) return false;
      if (r.isTrue()) out.push_back(Value::array({i1, i2}));
      return true;
    });
  });
  if (!ok || c.failed()) return Value();
  return Value::set(std::move(out));
}

struct Range {
  bool v4;
  U128 first, last;
  const Net* network;  // null once merged
};

std::vector<Net> rangeToCidrs(bool v4, U128 first, U128 last) {
  std::vector<Net> out;
  int bits = v4 ? 32 : 128;
  while (first <= last) {
    int size = bits;
    // Largest block aligned at first that fits.
    while (size > 0) {
      U128 mask = maskFor(size - 1, bits);
      U128 block_last = first | (~mask & (v4 ? U128(0xFFFFFFFFu) : ~U128(0)));
      if ((first & mask) != first || block_last > last) break;
      --size;
    }
    Net n;
    n.ip = Ip{v4, first};
    n.prefix = size;
    out.push_back(n);
    U128 l = lastAddr(n);
    if (l == (v4 ? U128(0xFFFFFFFFu) : ~U128(0))) break;
    first = l + 1;
  }
  return out;
}

Value cidrMerge(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) {
    c.builtinError("operand must be an array");
    return Value();
  }
  std::vector<Net> nets;
  for (const auto& e : a[0].items()) {
    if (!e.isString()) {
      c.builtinError("element must be string");
      return Value();
    }
    std::string_view s = e.asString();
    Ip ip;
    if (parseIp(s, &ip)) {
      if (!ip.v4) {
        c.builtinError("IPv6 invalid: needs prefix length");
        return Value();
      }
      uint32_t first_octet = static_cast<uint32_t>(ip.v >> 24);
      int p = first_octet < 128 ? 8 : (first_octet < 192 ? 16 : 24);
      Net n;
      n.ip = Ip{true, ip.v & maskFor(p, 32)};
      n.prefix = p;
      n.display_ip = ip;
      n.has_display = true;
      nets.push_back(n);
      continue;
    }
    Net n;
    if (!parseCidr(s, &n)) {
      c.builtinError("invalid CIDR address: " + std::string(s));
      return Value();
    }
    nets.push_back(n);
  }
  std::vector<Range> ranges;
  for (const auto& n : nets)
    ranges.push_back(Range{n.ip.v4, n.ip.v, lastAddr(n), &n});
  std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) {
    if (x.v4 != y.v4) return x.v4 && !y.v4;
    if (x.last != y.last) return x.last < y.last;
    return x.first < y.first;
  });
  for (size_t i = ranges.size(); i-- > 1;) {
    Range& cur = ranges[i];
    Range& prev = ranges[i - 1];
    if (cur.v4 != prev.v4) continue;
    U128 previous_ip = cur.first == 0 ? 0 : cur.first - 1;
    if (previous_ip <= prev.last) {
      U128 first = std::min(prev.first, cur.first);
      prev = Range{cur.v4, first, cur.last, nullptr};
      ranges.erase(ranges.begin() + static_cast<long>(i));
    }
  }
  std::vector<Value> out;
  for (const auto& r : ranges) {
    if (r.network != nullptr) {
      const Net& n = *r.network;
      Ip shown = n.has_display ? n.display_ip : n.ip;
      out.push_back(strValue(ipString(shown) + "/" + std::to_string(n.prefix)));
    } else {
      for (const auto& n : rangeToCidrs(r.v4, r.first, r.last)) {
        out.push_back(strValue(ipString(n.ip) + "/" + std::to_string(n.prefix)));
      }
    }
  }
  return Value::set(std::move(out));
}

Value lookupIpAddr(BuiltinContext& c, Args a) {
  std::string_view name;
  if (!argString(c, a, 0, &name)) return Value();
  Ip ip;
  if (parseIp(name, &ip)) return Value::set({strValue(ipString(ip))});
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  std::string host(name);
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    c.builtinError("lookup " + host + ": " + gai_strerror(rc));
    return Value();
  }
  std::vector<Value> out;
  for (struct addrinfo* p = res; p != nullptr; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN];
    if (p->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<struct sockaddr_in*>(p->ai_addr)->sin_addr, buf,
                sizeof(buf));
    } else if (p->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<struct sockaddr_in6*>(p->ai_addr)->sin6_addr, buf,
                sizeof(buf));
    } else {
      continue;
    }
    out.push_back(strValue(buf));
  }
  freeaddrinfo(res);
  return Value::set(std::move(out));
}

}  // namespace

void registerNet(BuiltinRegistry& r) {
  r.add("net.cidr_contains", 2, cidrContains);
  r.add("net.cidr_overlap", 2, cidrContains);
  r.add("net.cidr_intersects", 2, cidrIntersects);
  r.add("net.cidr_is_valid", 1, cidrIsValid);
  r.add("net.cidr_expand", 1, cidrExpand);
  r.add("net.cidr_contains_matches", 2, cidrContainsMatches);
  r.add("net.cidr_merge", 1, cidrMerge);
  r.add("net.lookup_ip_addr", 1, lookupIpAddr, kDns);
}

}  // namespace meshgate::rego
