// SPDX-License-Identifier: Apache-2.0
#include "config/source_pos.h"

#include <algorithm>

namespace meshgate::config {

std::string SourcePos::toString() const {
  if (!known()) return file.empty() ? "<builtin>" : file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::toString() const {
  return pos.toString() + (severity == Severity::Warning ? ": warning: " : ": ") + message;
}

void Diagnostics::error(const SourcePos& pos, std::string message) {
  items_.push_back({pos, std::move(message), Severity::Error});
  ++errors_;
}

void Diagnostics::warning(const SourcePos& pos, std::string message) {
  items_.push_back({pos, std::move(message), Severity::Warning});
}

std::string Diagnostics::toString() const {
  std::string out;
  for (const Diagnostic& d : items_) {
    out += d.toString();
    out += '\n';
  }
  return out;
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.pos.file != b.pos.file) return a.pos.file < b.pos.file;
    if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
    return a.pos.column < b.pos.column;
  });
}

}  // namespace meshgate::config
