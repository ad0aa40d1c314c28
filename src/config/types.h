// SPDX-License-Identifier: Apache-2.0
// Value types shared by every config kind: object metadata, string matches,
// regexes (RE2), IP addresses and CIDRs, selectors. Depends on std (and RE2,
// only in types.cc).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/source_pos.h"

namespace re2 {
class RE2;
}

namespace meshgate::config {

using Duration = std::chrono::nanoseconds;
using Labels = std::map<std::string, std::string>;

/// Kubernetes ObjectMeta, the parts meshgate reads.
struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  Labels labels;
  Labels annotations;
  /// Position of the document (its first line) and of `metadata.name`.
  SourcePos pos;
  SourcePos name_pos;

  /// "namespace/name".
  std::string qualifiedName() const { return namespace_ + "/" + name; }
};

/// A compiled regular expression with RE2 (Go/Istio/Envoy) syntax and semantics.
/// Matching is always a full match, as Envoy's safe_regex. Immutable and
/// thread-safe; copies share the compiled program.
class Regex {
 public:
  /// Compiles `pattern`; on failure returns nullopt and sets `*error` to RE2's message.
  static std::optional<Regex> compile(std::string_view pattern, std::string* error);

  const std::string& pattern() const { return pattern_; }
  /// True when the whole of `text` matches.
  bool fullMatch(std::string_view text) const;
  /// The underlying RE2 program, for callers that need captures or rewrites.
  const re2::RE2& re2() const { return *re_; }
  /// Replaces every match of this regex in `text` with `rewrite` (RE2 syntax:
  /// \1 .. \9 are capture groups), as Envoy's regex_rewrite does.
  std::string replaceAll(std::string_view text, std::string_view rewrite) const;

  bool operator==(const Regex& o) const { return pattern_ == o.pattern_; }

 private:
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
};

/// Istio StringMatch: exactly one of exact, prefix, regex.
struct StringMatch {
  enum class Kind { Exact, Prefix, Regex };
  Kind kind = Kind::Exact;
  std::string value;           // the exact text, the prefix, or the regex pattern
  std::optional<Regex> regex;  // set when kind == Regex
  SourcePos pos;

  /// Matches `text`; `ignore_case` applies to exact and prefix (Istio ignoreUriCase).
  bool matches(std::string_view text, bool ignore_case = false) const;
};

/// An IPv4 or IPv6 address.
struct IpAddress {
  enum class Family : uint8_t { V4, V6 };
  Family family = Family::V4;
  std::array<uint8_t, 16> bytes{};  // V4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  std::string toString() const;
  bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
};

/// An address range ("10.0.0.0/8", or a bare address meaning /32 or /128).
struct Cidr {
  IpAddress base;  // with the host bits cleared
  uint8_t prefix_len = 0;

  /// Accepts "a.b.c.d/n", "v6/n" and bare addresses. Host bits set below the
  /// prefix are an error (as Go's net.ParseCIDR would not reject them, Istio
  /// accepts them; meshgate clears them and the caller may warn).
  static std::optional<Cidr> parse(std::string_view text, bool* host_bits_set = nullptr);
  bool contains(const IpAddress& ip) const;
  std::string toString() const;
  bool operator==(const Cidr& o) const { return base == o.base && prefix_len == o.prefix_len; }
};

/// Istio WorkloadSelector / type.v1beta1.WorkloadSelector: `matchLabels` (security
/// kinds) or `labels` (networking kinds). An empty selector selects everything.
struct WorkloadSelector {
  Labels labels;
  SourcePos pos;
  /// Every selector label is present with the same value in `workload_labels`.
  bool selects(const Labels& workload_labels) const;
};

/// Istio PolicyTargetReference (targetRef / targetRefs).
struct PolicyTargetRef {
  std::string group;
  std::string kind;
  std::string name;
  std::string namespace_;  // empty: the policy's own namespace
  SourcePos pos;
};

/// Istio's host names: a short name ("reviews") is qualified with the namespace
/// ("reviews.default.svc.cluster.local"); names with a dot and "*" stay as they
/// are. Lower-cased.
std::string qualifyHost(std::string_view host, std::string_view namespace_);
/// Istio host matching: `pattern` may be a wildcard ("*", "*.example.com").
/// Both sides must already be qualified.
bool hostMatches(std::string_view pattern, std::string_view host);

}  // namespace meshgate::config
