// SPDX-License-Identifier: Apache-2.0
#include "config/diff.h"

#include <algorithm>
#include <map>

#include "base/json_writer.h"
#include "config/canonical.h"

namespace meshgate::config {
namespace {

constexpr std::string_view kCategoryOrder[] = {
    "admin",           "listener",       "route",           "cluster",
    "endpoint",        "authentication", "authorization",   "peer-authentication",
    "rate-limit",      "health-check",   "policy-provider", "workload",
    "sandbox-profile", "demo-upstream"};

size_t categoryRank(std::string_view c) {
  for (size_t i = 0; i < std::size(kCategoryOrder); ++i)
    if (kCategoryOrder[i] == c) return i;
  return std::size(kCategoryOrder);
}

const char* opName(ObjectChange::Op op) {
  switch (op) {
    case ObjectChange::Op::Added:
      return "added";
    case ObjectChange::Op::Removed:
      return "removed";
    case ObjectChange::Op::Changed:
      return "changed";
  }
  return "changed";
}

}  // namespace

ConfigDiff diff(const ConfigSet& old_config, const ConfigSet& new_config) {
  std::map<std::pair<std::string, std::string>, CValue> before, after;
  for (CEntity& e : canonicalEntities(old_config))
    before.emplace(std::make_pair(e.category, e.id), std::move(e.value));
  for (CEntity& e : canonicalEntities(new_config))
    after.emplace(std::make_pair(e.category, e.id), std::move(e.value));
  ConfigDiff out;
  for (const auto& [key, value] : before) {
    auto it = after.find(key);
    if (it == after.end()) {
      out.changes.push_back({key.first, key.second, ObjectChange::Op::Removed, {}});
      continue;
    }
    std::map<std::string, std::string> a, b;
    flatten(value, "", a);
    flatten(it->second, "", b);
    if (a == b) continue;
    ObjectChange change{key.first, key.second, ObjectChange::Op::Changed, {}};
    for (const auto& [path, v] : a) {
      auto bit = b.find(path);
      if (bit == b.end())
        change.fields.push_back({path, v, ""});
      else if (bit->second != v)
        change.fields.push_back({path, v, bit->second});
    }
    for (const auto& [path, v] : b) {
      if (!a.count(path)) change.fields.push_back({path, "", v});
    }
    std::sort(change.fields.begin(), change.fields.end(),
              [](const FieldChange& x, const FieldChange& y) { return x.path < y.path; });
    out.changes.push_back(std::move(change));
  }
  for (const auto& [key, value] : after) {
    if (!before.count(key))
      out.changes.push_back({key.first, key.second, ObjectChange::Op::Added, {}});
  }
  std::stable_sort(out.changes.begin(), out.changes.end(),
                   [](const ObjectChange& x, const ObjectChange& y) {
                     const size_t rx = categoryRank(x.category), ry = categoryRank(y.category);
                     if (rx != ry) return rx < ry;
                     if (x.category != y.category) return x.category < y.category;
                     return x.id < y.id;
                   });
  return out;
}

std::string ConfigDiff::toText() const {
  if (changes.empty()) return "no semantic changes\n";
  std::string out;
  size_t added = 0, removed = 0, changed = 0;
  for (const ObjectChange& c : changes) {
    const char sign = c.op == ObjectChange::Op::Added     ? '+'
                      : c.op == ObjectChange::Op::Removed ? '-'
                                                          : '~';
    out += sign;
    out += ' ';
    out += c.category + " " + c.id + "\n";
    for (const FieldChange& f : c.fields) {
      out += "    " + f.path + ": " + (f.old_value.empty() ? "(absent)" : f.old_value) + " -> " +
             (f.new_value.empty() ? "(absent)" : f.new_value) + "\n";
    }
    if (c.op == ObjectChange::Op::Added)
      ++added;
    else if (c.op == ObjectChange::Op::Removed)
      ++removed;
    else
      ++changed;
  }
  out += std::to_string(changes.size()) + " change" + (changes.size() == 1 ? "" : "s") + ": " +
         std::to_string(added) + " added, " + std::to_string(removed) + " removed, " +
         std::to_string(changed) + " changed\n";
  return out;
}

std::string ConfigDiff::toJson() const {
  std::string out;
  base::JsonWriter w(out);
  w.beginObject();
  w.field("equal", changes.empty());
  w.key("changes").beginArray();
  for (const ObjectChange& c : changes) {
    w.beginObject();
    w.field("category", c.category);
    w.field("id", c.id);
    w.field("op", opName(c.op));
    if (c.op == ObjectChange::Op::Changed) {
      w.key("fields").beginArray();
      for (const FieldChange& f : c.fields) {
        w.beginObject();
        w.field("path", f.path);
        w.key("old");
        if (f.old_value.empty())
          w.null();
        else
          w.raw(f.old_value);
        w.key("new");
        if (f.new_value.empty())
          w.null();
        else
          w.raw(f.new_value);
        w.endObject();
      }
      w.endArray();
    }
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return out;
}

}  // namespace meshgate::config
