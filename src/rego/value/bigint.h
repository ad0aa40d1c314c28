// SPDX-License-Identifier: Apache-2.0
// Arbitrary-precision signed integers for Rego numbers that do not fit an int64
// (OPA keeps numbers exact through math/big). Depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::rego {

/// A sign-magnitude integer with base-2^32 limbs (little endian). Zero has no
/// limbs and is never negative.
class BigInt {
 public:
  BigInt() = default;
  explicit BigInt(int64_t v);

  /// Parses an optional '-' followed by decimal digits.
  static std::optional<BigInt> parse(std::string_view text);
  /// The integer part of a finite long double (truncated toward zero).
  static BigInt fromLongDouble(long double v);

  std::string toString() const;
  long double toLongDouble() const;
  std::optional<int64_t> toInt64() const;

  bool isZero() const { return mag_.empty(); }
  bool isNegative() const { return neg_; }
  int sign() const { return isZero() ? 0 : (neg_ ? -1 : 1); }

  static int compare(const BigInt& a, const BigInt& b);
  static BigInt add(const BigInt& a, const BigInt& b);
  static BigInt sub(const BigInt& a, const BigInt& b);
  static BigInt mul(const BigInt& a, const BigInt& b);
  /// Truncated division (Go's big.Int Quo/Rem). `b` must not be zero.
  static void divMod(const BigInt& a, const BigInt& b, BigInt* quo, BigInt* rem);
  BigInt negated() const;

 private:
  static int compareMag(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);
  static std::vector<uint32_t> addMag(const std::vector<uint32_t>& a,
                                      const std::vector<uint32_t>& b);
  // Requires |a| >= |b|.
  static std::vector<uint32_t> subMag(const std::vector<uint32_t>& a,
                                      const std::vector<uint32_t>& b);
  void trim();

  bool neg_ = false;
  std::vector<uint32_t> mag_;
};

}  // namespace meshgate::rego
