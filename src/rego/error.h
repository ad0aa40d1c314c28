// SPDX-License-Identifier: Apache-2.0
// Errors reported by the Rego parser, compiler and evaluator, shaped as OPA's
// (a code such as "rego_parse_error" or "eval_conflict_error", a message and a
// position). Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace meshgate::rego {

struct RegoError {
  std::string code;
  std::string message;
  std::string file;
  uint32_t line = 0;
  uint32_t col = 0;

  /// OPA's text: "file:line: code: message" (the position part only when known).
  std::string describe() const;
};

using RegoErrors = std::vector<RegoError>;

/// "1 error occurred: ..." / "N errors occurred:\n..." as OPA prints compile errors.
std::string describeErrors(const RegoErrors& errors);

/// A value or a list of errors (parse and compile stages report all they find).
template <typename T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : value_(std::move(value)) {}              // NOLINT: implicit by design
  Checked(RegoErrors errors) : errors_(std::move(errors)) {}  // NOLINT
  bool ok() const { return errors_.empty(); }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }
  const RegoErrors& errors() const { return errors_; }

 private:
  T value_{};
  RegoErrors errors_;
};

}  // namespace meshgate::rego
