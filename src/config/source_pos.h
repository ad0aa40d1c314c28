// SPDX-License-Identifier: Apache-2.0
// Source positions and diagnostics of the config layer: every error the loader
// reports is "file:line:col: message". Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meshgate::config {

/// Where something was written: a file and a 1-based line and column. A default
/// SourcePos (line 0) means "not from a file" (e.g. built in code).
struct SourcePos {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;

  bool known() const { return line != 0; }
  /// "file:line:col" ("<builtin>" when unknown).
  std::string toString() const;
};

enum class Severity { Error, Warning };

/// One finding of the loader or the validator.
struct Diagnostic {
  SourcePos pos;
  std::string message;
  Severity severity = Severity::Error;

  /// "file:line:col: message", or "file:line:col: warning: message".
  std::string toString() const;
};

/// Every diagnostic of a load, in file order.
class Diagnostics {
 public:
  void error(const SourcePos& pos, std::string message);
  void warning(const SourcePos& pos, std::string message);
  void add(Diagnostic d) {
    if (d.severity == Severity::Error) ++errors_;
    items_.push_back(std::move(d));
  }

  bool hasErrors() const { return errors_ > 0; }
  size_t errorCount() const { return errors_; }
  size_t warningCount() const { return items_.size() - errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  /// One line per diagnostic, each ending in '\n'.
  std::string toString() const;
  /// Sorts by file, line, column (stable), so output is deterministic.
  void sort();

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace meshgate::config
