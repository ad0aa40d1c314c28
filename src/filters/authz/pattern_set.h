// SPDX-License-Identifier: Apache-2.0
// A compiled OR of Istio authorization string patterns ("*", "prefix*",
// "*suffix", exact), as AuthorizationPolicy uses them for paths, hosts,
// methods, principals, header and claim values. Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::filters::authz {

/// The patterns of one field, built once per config generation and then
/// immutable (safe to share between workers).
///
/// Semantics are Istio's translation to Envoy StringMatchers
/// (pilot/pkg/security/authz/matcher): "*" matches any non-empty value (regex
/// ".+"), "abc*" is a prefix match (it matches "abc" too), "*abc" a suffix
/// match, anything else an exact match. Matching costs one binary search for
/// the exact values plus one per distinct prefix (suffix) length, never a scan
/// over every pattern.
class PatternSet {
 public:
  enum class Case : uint8_t {
    Sensitive,
    /// Patterns are ASCII lower-cased when added; the caller passes lower-cased text.
    Insensitive,
  };

  explicit PatternSet(Case c = Case::Sensitive) : case_(c) {}

  /// Adds one pattern; call finalize() after the last one.
  void add(std::string_view pattern);
  /// Sorts and indexes the patterns. Idempotent.
  void finalize();

  bool empty() const { return !any_ && exact_.empty() && prefixes_.empty() && suffixes_.empty(); }
  Case caseMode() const { return case_; }
  /// True when "*" is one of the patterns (header matching reads it as "present").
  bool hasWildcard() const { return any_; }
  /// The patterns by kind (lower-cased for Case::Insensitive), sorted.
  const std::vector<std::string>& exactValues() const { return exact_; }
  const std::vector<std::string>& prefixValues() const { return prefixes_; }
  const std::vector<std::string>& suffixValues() const { return suffixes_; }
  /// True when `text` matches at least one pattern. Requires finalize().
  bool matches(std::string_view text) const;

 private:
  static bool contains(const std::vector<std::string>& sorted, std::string_view key);

  Case case_;
  bool any_ = false;
  std::vector<std::string> exact_;
  std::vector<std::string> prefixes_;
  std::vector<std::string> suffixes_;
  std::vector<uint32_t> prefix_lengths_;  // distinct, ascending
  std::vector<uint32_t> suffix_lengths_;  // distinct, ascending
};

}  // namespace meshgate::filters::authz
