// SPDX-License-Identifier: Apache-2.0
// Internal: a canonical, position-free value tree of the model, the one source
// for the JSON dump, the version hash and the semantic diff. Depends on the model.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/clusters.h"
#include "config/config_set.h"

namespace meshgate::config {

class CValue {
 public:
  enum class Type { Null, Bool, Int, Double, String, Array, Object };

  CValue() = default;
  static CValue str(std::string s);
  static CValue integer(int64_t v);
  static CValue dbl(double v);
  static CValue boolean(bool v);
  static CValue array();
  static CValue object();

  Type type() const { return type_; }
  /// True for null, "", [] and {}: such fields are left out of objects, so an
  /// absent field and its empty spelling are the same.
  bool empty() const;

  /// Object: adds `key` unless `v` is empty. Returns *this.
  CValue& add(std::string key, CValue v);
  CValue& add(std::string key, const std::string& v) { return add(std::move(key), str(v)); }
  CValue& add(std::string key, const char* v) { return add(std::move(key), str(v)); }
  /// Object: adds `key` even when `v` is empty.
  CValue& put(std::string key, CValue v);
  /// Array: appends.
  CValue& push(CValue v);

  bool asBool() const { return b_; }
  int64_t asInt() const { return i_; }
  double asDouble() const { return d_; }
  const std::string& asString() const { return s_; }
  const std::vector<std::pair<std::string, CValue>>& members() const { return members_; }
  const std::vector<CValue>& items() const { return items_; }

  std::string toJson() const;
  void write(std::string& out) const;

 private:
  Type type_ = Type::Null;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<CValue> items_;
  std::vector<std::pair<std::string, CValue>> members_;
};

/// One thing the proxy runs, for the diff.
struct CEntity {
  std::string category;
  std::string id;
  CValue value;
};

/// Every entity of `config` in diff categories (listeners, routes, clusters,
/// endpoints, policies, workloads...).
std::vector<CEntity> canonicalEntities(const ConfigSet& config);

/// The whole configuration, kind by kind. `with_metadata` adds labels and
/// annotations (the dump shows them; the hash ignores them).
CValue canonicalConfig(const ConfigSet& config, bool with_metadata);
CValue canonicalCluster(const Cluster& c);

/// Leaf paths -> JSON text, for field-level diffs. Lists of scalars are leaves.
void flatten(const CValue& v, const std::string& prefix, std::map<std::string, std::string>& out);

}  // namespace meshgate::config
