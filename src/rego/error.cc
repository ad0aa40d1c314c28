// SPDX-License-Identifier: Apache-2.0
#include "rego/error.h"

namespace meshgate::rego {

std::string RegoError::describe() const {
  std::string out;
  if (!file.empty() || line != 0) {
    out += file.empty() ? std::to_string(line) + ":" + std::to_string(col)
                        : file + ":" + std::to_string(line);
    out += ": ";
  }
  out += code;
  out += ": ";
  out += message;
  return out;
}

std::string describeErrors(const RegoErrors& errors) {
  if (errors.size() == 1) return "1 error occurred: " + errors[0].describe();
  std::string out = std::to_string(errors.size()) + " errors occurred:";
  for (const auto& e : errors) {
    out += "\n";
    out += e.describe();
  }
  return out;
}

}  // namespace meshgate::rego
