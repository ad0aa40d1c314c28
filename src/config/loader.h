// SPDX-License-Identifier: Apache-2.0
// Loads Kubernetes-style YAML (files, directories, text) into a validated
// ConfigSet, collecting every problem as a Diagnostic with file:line:col.
// Depends on base and yaml-cpp (in the .cc only).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "config/config_set.h"
#include "config/source_pos.h"

namespace meshgate::config {

/// The outcome of a load. `config` is set iff there is no error (warnings may
/// still be present).
struct LoadResult {
  std::shared_ptr<const ConfigSet> config;
  Diagnostics diagnostics;

  bool ok() const { return config != nullptr; }
};

/// One input file: a name used in diagnostics and its text.
struct SourceFile {
  std::string name;
  std::string text;
};

/// Loads `path`: a file, or a directory whose *.yaml and *.yml files (not
/// recursive, hidden files skipped, sorted by name) are read. A directory
/// that is a Kubernetes ConfigMap mount is read through its `..data` link.
LoadResult loadPath(const std::string& path);

/// Loads the given files as one configuration.
LoadResult loadFiles(const std::vector<SourceFile>& files);

/// Loads one text (e.g. a test's inline YAML); `name` is used in diagnostics.
LoadResult loadText(std::string_view text, std::string_view name = "<inline>");

/// The files loadPath would read for `path`, sorted; an error when `path` is
/// neither a readable file nor a directory.
base::Result<std::vector<std::string>> listConfigFiles(const std::string& path);

}  // namespace meshgate::config
