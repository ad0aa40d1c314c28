// SPDX-License-Identifier: Apache-2.0
#include "rego/value/bigint.h"

#include <algorithm>
#include <cmath>

namespace meshgate::rego {

BigInt::BigInt(int64_t v) {
  neg_ = v < 0;
  uint64_t m = neg_ ? (~static_cast<uint64_t>(v) + 1) : static_cast<uint64_t>(v);
  while (m != 0) {
    mag_.push_back(static_cast<uint32_t>(m));
    m >>= 32;
  }
}

void BigInt::trim() {
  while (!mag_.empty() && mag_.back() == 0)
    mag_.pop_back();
  if (mag_.empty()) neg_ = false;
}

std::optional<BigInt> BigInt::parse(std::string_view text) {
  BigInt out;
  bool neg = false;
  size_t i = 0;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    neg = text[0] == '-';
    i = 1;
  }
  if (i >= text.size()) return std::nullopt;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    // out = out * 10 + digit
    uint64_t carry = static_cast<uint64_t>(c - '0');
    for (uint32_t& limb : out.mag_) {
      uint64_t cur = static_cast<uint64_t>(limb) * 10 + carry;
      limb = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) out.mag_.push_back(static_cast<uint32_t>(carry));
  }
  out.neg_ = neg;
  out.trim();
  return out;
}

BigInt BigInt::fromLongDouble(long double v) {
  BigInt out;
  if (!std::isfinite(v)) return out;
  bool neg = v < 0;
  long double m = std::floor(std::fabs(v));
  std::vector<uint32_t> limbs;
  const long double base = 4294967296.0L;
  while (m >= 1.0L) {
    long double q = std::floor(m / base);
    long double r = m - q * base;
    limbs.push_back(static_cast<uint32_t>(r));
    m = q;
  }
  out.mag_ = std::move(limbs);
  out.neg_ = neg;
  out.trim();
  return out;
}

std::string BigInt::toString() const {
  if (isZero()) return "0";
  std::vector<uint32_t> m = mag_;
  std::string digits;
  while (!m.empty()) {
    uint64_t rem = 0;
    for (size_t i = m.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | m[i];
      m[i] = static_cast<uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (!m.empty() && m.back() == 0)
      m.pop_back();
    for (int k = 0; k < 9; ++k) {
      digits.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
      if (m.empty() && rem == 0) break;
    }
  }
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  if (neg_) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

long double BigInt::toLongDouble() const {
  long double out = 0;
  for (size_t i = mag_.size(); i-- > 0;)
    out = out * 4294967296.0L + mag_[i];
  return neg_ ? -out : out;
}

std::optional<int64_t> BigInt::toInt64() const {
  if (mag_.size() > 2) return std::nullopt;
  uint64_t m = 0;
  if (!mag_.empty()) m = mag_[0];
  if (mag_.size() == 2) m |= static_cast<uint64_t>(mag_[1]) << 32;
  if (neg_) {
    if (m > (static_cast<uint64_t>(1) << 63)) return std::nullopt;
    return static_cast<int64_t>(~m + 1);
  }
  if (m > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(m);
}

int BigInt::compareMag(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

int BigInt::compare(const BigInt& a, const BigInt& b) {
  if (a.neg_ != b.neg_) return a.neg_ ? -1 : 1;
  int c = compareMag(a.mag_, b.mag_);
  return a.neg_ ? -c : c;
}

std::vector<uint32_t> BigInt::addMag(const std::vector<uint32_t>& a,
                                     const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out(std::max(a.size(), b.size()) + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t cur = carry;
    if (i < a.size()) cur += a[i];
    if (i < b.size()) cur += b[i];
    out[i] = static_cast<uint32_t>(cur);
    carry = cur >> 32;
  }
  return out;
}

std::vector<uint32_t> BigInt::subMag(const std::vector<uint32_t>& a,
                                     const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out(a.size(), 0);
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t cur = static_cast<int64_t>(a[i]) - borrow - (i < b.size() ? b[i] : 0);
    borrow = 0;
    if (cur < 0) {
      cur += static_cast<int64_t>(1) << 32;
      borrow = 1;
    }
    out[i] = static_cast<uint32_t>(cur);
  }
  return out;
}

BigInt BigInt::add(const BigInt& a, const BigInt& b) {
  BigInt out;
  if (a.neg_ == b.neg_) {
    out.mag_ = addMag(a.mag_, b.mag_);
    out.neg_ = a.neg_;
  } else if (compareMag(a.mag_, b.mag_) >= 0) {
    out.mag_ = subMag(a.mag_, b.mag_);
    out.neg_ = a.neg_;
  } else {
    out.mag_ = subMag(b.mag_, a.mag_);
    out.neg_ = b.neg_;
  }
  out.trim();
  return out;
}

BigInt BigInt::negated() const {
  BigInt out = *this;
  if (!out.isZero()) out.neg_ = !out.neg_;
  return out;
}

BigInt BigInt::sub(const BigInt& a, const BigInt& b) {
  return add(a, b.negated());
}

BigInt BigInt::mul(const BigInt& a, const BigInt& b) {
  BigInt out;
  if (a.isZero() || b.isZero()) return out;
  out.mag_.assign(a.mag_.size() + b.mag_.size(), 0);
  for (size_t i = 0; i < a.mag_.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.mag_.size(); ++j) {
      uint64_t cur = static_cast<uint64_t>(a.mag_[i]) * b.mag_[j] + out.mag_[i + j] + carry;
      out.mag_[i + j] = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    size_t k = i + b.mag_.size();
    while (carry != 0) {
      uint64_t cur = static_cast<uint64_t>(out.mag_[k]) + carry;
      out.mag_[k] = static_cast<uint32_t>(cur);
      carry = cur >> 32;
      ++k;
    }
  }
  out.neg_ = a.neg_ != b.neg_;
  out.trim();
  return out;
}

void BigInt::divMod(const BigInt& a, const BigInt& b, BigInt* quo, BigInt* rem) {
  // Schoolbook binary long division: numbers here are small (policy literals).
  BigInt q;
  BigInt r;
  size_t bits = a.mag_.size() * 32;
  q.mag_.assign(a.mag_.size(), 0);
  BigInt bmag = b;
  bmag.neg_ = false;
  for (size_t i = bits; i-- > 0;) {
    // r = r << 1 | bit i of a
    uint32_t carry = (a.mag_[i / 32] >> (i % 32)) & 1u;
    for (uint32_t& limb : r.mag_) {
      uint32_t next = limb >> 31;
      limb = (limb << 1) | carry;
      carry = next;
    }
    if (carry != 0) r.mag_.push_back(carry);
    if (compareMag(r.mag_, bmag.mag_) >= 0) {
      r.mag_ = subMag(r.mag_, bmag.mag_);
      r.trim();
      q.mag_[i / 32] |= (1u << (i % 32));
    }
  }
  q.neg_ = a.neg_ != b.neg_;
  q.trim();
  r.neg_ = a.neg_;
  r.trim();
  if (quo != nullptr) *quo = std::move(q);
  if (rem != nullptr) *rem = std::move(r);
}

}  // namespace meshgate::rego
