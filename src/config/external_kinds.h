// SPDX-License-Identifier: Apache-2.0
// A registry of kinds whose spec another library validates (SandboxProfile is
// owned by src/sandbox/). The loader keeps such a spec as a yaml-cpp node and
// calls the registered validator, so that `meshgate validate` reports its
// errors with file:line:col. Depends on std and config/source_pos.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/source_pos.h"

namespace YAML {
class Node;
}

namespace meshgate::config {

struct ObjectMeta;

/// A problem found by an external validator. `line` and `column` are 0-based,
/// exactly as in the YAML::Mark of the node at fault (node.Mark()); the loader
/// turns them into file positions.
struct ExternalIssue {
  int line = -1;  // -1: unknown, the document position is used
  int column = -1;
  std::string message;
  Severity severity = Severity::Error;
};

/// An issue at `node` (uses node.Mark()).
ExternalIssue externalIssueAt(const YAML::Node& node, std::string message,
                              Severity severity = Severity::Error);

/// Validates one document's spec (a Null node when the document has none).
/// Called on the loading thread; must not throw (yaml-cpp exceptions are caught
/// and reported as errors at the document).
using ExternalValidator =
    std::function<std::vector<ExternalIssue>(const YAML::Node& spec, const ObjectMeta& meta)>;

/// Registers (or replaces) the validator for apiVersion/kind. Thread-safe.
void registerExternalKind(std::string api_version, std::string kind, ExternalValidator validator);

/// True when apiVersion/kind is an external kind. meshgate.io/v1 SandboxProfile
/// is always one, validated or not.
bool isExternalKind(std::string_view api_version, std::string_view kind);

/// The registered validator, or an empty function.
ExternalValidator externalValidator(std::string_view api_version, std::string_view kind);

}  // namespace meshgate::config
