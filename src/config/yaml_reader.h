// SPDX-License-Identifier: Apache-2.0
// Internal to the loader: typed, position-aware reads of yaml-cpp nodes that
// report every problem (unknown field, wrong type, bad enum value, duplicate
// key) as a Diagnostic and never throw. Depends on yaml-cpp and config types.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/source_pos.h"
#include "config/types.h"

namespace meshgate::config {

/// Per-document context: where diagnostics go and how node marks map to file
/// positions.
class DocContext {
 public:
  DocContext(Diagnostics& diags, std::string file, uint32_t line_offset)
      : diags_(diags), file_(std::move(file)), line_offset_(line_offset) {}

  SourcePos pos(const YAML::Node& node) const;
  SourcePos pos(const YAML::Mark& mark) const;
  void error(const SourcePos& pos, std::string message) { diags_.error(pos, std::move(message)); }
  void warning(const SourcePos& pos, std::string message) {
    diags_.warning(pos, std::move(message));
  }
  void error(const YAML::Node& node, std::string message) { error(pos(node), std::move(message)); }
  const std::string& file() const { return file_; }
  uint32_t lineOffset() const { return line_offset_; }
  Diagnostics& diagnostics() { return diags_; }

  /// Counts visited nodes; false (after one error) once a document's budget of
  /// nodes is spent, which stops alias bombs ("billion laughs").
  bool spend(const YAML::Node& at, size_t n = 1);

 private:
  Diagnostics& diags_;
  std::string file_;
  uint32_t line_offset_;
  size_t budget_ = 200000;
  bool exhausted_ = false;
};

/// What kind of YAML value a plain or quoted scalar is, per the YAML 1.2 core schema.
enum class ScalarKind { String, Integer, Float, Bool, Null };
ScalarKind scalarKind(const YAML::Node& node);
/// "a string", "a number", "a boolean", "null", "a list", "a map".
std::string describeNode(const YAML::Node& node);

/// Reads the fields of one YAML mapping. Each accessor consumes its key;
/// finish() (also run by the destructor) reports every key not consumed as an
/// unknown field, with a suggestion when one is close.
class MapReader {
 public:
  /// `type_name` names the Istio message in messages ("HTTPRoute"). When `node`
  /// is not a map, one error is reported and every read returns "absent".
  MapReader(DocContext& ctx, const YAML::Node& node, std::string type_name);
  ~MapReader() { finish(); }
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return valid_; }
  DocContext& ctx() { return ctx_; }
  const YAML::Node& node() const { return node_; }
  SourcePos pos() const { return ctx_.pos(node_); }
  const std::string& typeName() const { return type_name_; }

  /// The value of `key`, or nullopt when absent or null. Consumes the key.
  std::optional<YAML::Node> get(std::string_view key);
  bool has(std::string_view key) const;
  /// Position of `key` itself (or of the map when absent).
  SourcePos keyPos(std::string_view key) const;

  // Typed reads: nullopt when absent; an error (and nullopt) on a bad value.
  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<uint16_t> port(std::string_view key, bool allow_zero = false);
  std::optional<double> number(std::string_view key, double min, double max);
  /// A Go/Istio duration string. `min` is inclusive; Istio durations are whole milliseconds.
  std::optional<Duration> duration(std::string_view key, Duration min = Duration(0),
                                   bool ms_precision = true);
  /// One of `values` (exact spelling); returns its index.
  std::optional<size_t> enumeration(std::string_view key,
                                    std::initializer_list<std::string_view> values);
  std::optional<std::vector<std::string>> stringList(std::string_view key);
  /// A map of string to string (labels, headers).
  std::optional<Labels> stringMap(std::string_view key);
  /// For each element of a list: calls `fn(element, index)`. Absent: no call.
  /// Returns false when present but not a list.
  bool list(std::string_view key, const std::function<void(const YAML::Node&, size_t)>& fn);

  /// Rejects `key` if present: "<key> is not supported by meshgate yet<detail>".
  void unsupported(std::string_view key, std::string_view detail = "");
  /// Accepts `key` without reading it (a harmless no-op for a single proxy).
  void ignore(std::string_view key);
  /// Exactly one of `keys` must be present (Istio oneof); returns its index or
  /// nullopt (with an error when `required` or when several are present).
  std::optional<size_t> oneOf(std::initializer_list<std::string_view> keys, bool required);

  void finish();

 private:
  DocContext& ctx_;
  YAML::Node node_;
  std::string type_name_;
  bool valid_ = false;
  bool finished_ = false;
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool consumed = false;
  };
  std::vector<Entry> entries_;
  // Every key a parser asked for: the schema, for "did you mean" suggestions.
  std::vector<std::string> known_keys_;
  void note(std::string_view key);
  Entry* find(std::string_view key);
  const Entry* find(std::string_view key) const;
};

// Standalone typed reads of one node (list elements, map values). Each reports
// its own error; `what` names the value in messages ("hosts[0]").
std::optional<std::string> readString(DocContext& ctx, const YAML::Node& node,
                                      std::string_view what);
std::optional<int64_t> readInteger(DocContext& ctx, const YAML::Node& node, std::string_view what,
                                   int64_t min, int64_t max);
std::optional<bool> readBool(DocContext& ctx, const YAML::Node& node, std::string_view what);
std::optional<Duration> readDuration(DocContext& ctx, const YAML::Node& node, std::string_view what,
                                     Duration min = Duration(0), bool ms_precision = true);

/// Levenshtein distance, for "did you mean" suggestions.
size_t editDistance(std::string_view a, std::string_view b);

}  // namespace meshgate::config
