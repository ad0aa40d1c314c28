// SPDX-License-Identifier: Apache-2.0
// Loading policy from files, the way `opa eval -d` and OPA bundles do:
// .rego modules, and JSON/YAML data placed at the path of its folder.
// Depends on base/ and rego/engine.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rego/engine.h"

namespace meshgate::rego {

enum class DataFiles {
  /// Only data.json, data.yaml and data.yml (OPA bundles).
  BundleNames,
  /// Every .json, .yaml and .yml file (`opa eval -d DIR`).
  Any,
};

struct LoadOptions {
  EngineOptions engine;
  DataFiles data_files = DataFiles::Any;
  /// Files larger than this are rejected.
  size_t max_file_bytes = 64 << 20;
};

/// Adds a file or a directory tree to `set`. A directory's data files are
/// merged below data at the directory's relative path (a/b/data.json →
/// data.a.b). Returns every error found (parse errors with positions).
RegoErrors loadPath(PolicySet* set, const std::string& path, const LoadOptions& options);

/// A compiled bundle: the plan plus the manifest's revision and roots.
struct Bundle {
  std::shared_ptr<const Plan> plan;
  std::string revision;
  std::vector<std::string> roots;
  std::string directory;
};

/// Loads and compiles a bundle directory (.rego files, data.json/data.yaml
/// nested by folder, optional .manifest with "revision" and "roots").
/// On error nothing is returned; a caller that serves an older bundle keeps it.
Checked<Bundle> loadBundle(const std::string& directory,
                           const LoadOptions& options = {.engine = {},
                                                         .data_files = DataFiles::BundleNames});

}  // namespace meshgate::rego
