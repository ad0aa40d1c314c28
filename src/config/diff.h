// SPDX-License-Identifier: Apache-2.0
// A semantic diff of two ConfigSets in terms of what the proxy runs: listeners,
// routes, clusters, endpoints, policies, workloads. Depends on config/config_set.h.
#pragma once

#include <string>
#include <vector>

#include "config/config_set.h"

namespace meshgate::config {

/// One field that changed, by its path inside the object ("match[0].uri.prefix").
/// Values are JSON text; an empty string means "absent".
struct FieldChange {
  std::string path;
  std::string old_value;
  std::string new_value;
};

struct ObjectChange {
  enum class Op { Added, Removed, Changed };
  /// listener, route, cluster, endpoint, authentication, authorization,
  /// peer-authentication, rate-limit, health-check, policy-provider, workload,
  /// sandbox-profile, admin, demo-upstream.
  std::string category;
  /// A stable identity within the category, e.g. "127.0.0.1:8080",
  /// "outbound|80|v1|reviews.default.svc.cluster.local".
  std::string id;
  Op op = Op::Changed;
  /// For Changed: every field that differs. For Added/Removed: empty.
  std::vector<FieldChange> fields;
};

struct ConfigDiff {
  std::vector<ObjectChange> changes;  // sorted by category order, then id

  bool empty() const { return changes.empty(); }
  /// Human-readable: "+ cluster outbound|80||a.example", "~ route ...", with
  /// "    path: old -> new" lines.
  std::string toText() const;
  /// {"equal":bool,"changes":[{"category","id","op","fields":[{"path","old","new"}]}]}
  std::string toJson() const;
};

ConfigDiff diff(const ConfigSet& old_config, const ConfigSet& new_config);

}  // namespace meshgate::config
