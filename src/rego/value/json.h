// SPDX-License-Identifier: Apache-2.0
// JSON and YAML text ↔ Rego values, and Rego's own term syntax for values.
// RapidJSON (through base/json_reader.h) and yaml-cpp stay in the .cc files.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "rego/value/value.h"

namespace meshgate::rego {

/// Parses one JSON document (strict RFC 8259, at most 1024 nested arrays/objects). Numbers
/// keep their exact text (big integers stay exact, 1e400 is a number). Duplicate object keys:
/// the last one wins (as Go's encoding/json). Errors: "invalid JSON at offset N: <reason>".
base::Result<Value> parseJson(std::string_view text);

namespace detail {
/// parseJson's two readers, for tests and rego_json_fuzz. The direct one reads the common
/// documents in one pass and returns false for anything else (invalid JSON included);
/// parseJsonEvents builds from base::readJson's events and reads everything.
bool parseJsonDirect(std::string_view text, Value* out);
base::Result<Value> parseJsonEvents(std::string_view text);
}  // namespace detail

/// Parses one YAML document (YAML 1.2 core schema plus the YAML 1.1 booleans
/// yes/no/on/off that sigs.k8s.io/yaml accepts). An empty document is null.
base::Result<Value> parseYaml(std::string_view text);

struct JsonOptions {
  /// Go's json.Marshal escapes <, > and & as \u003c, \u003e, \u0026.
  bool escape_html = false;
  /// Indentation per level; empty for compact output.
  std::string indent;
  /// Prefix written before every line after the first (json.MarshalIndent's prefix).
  std::string prefix;
};

/// JSON text of a value as OPA emits it: sets become sorted arrays, object keys
/// that are not strings are written in Rego syntax. Undefined is written as null.
std::string toJson(const Value& v, const JsonOptions& options = {});
void appendJson(std::string& out, const Value& v, const JsonOptions& options = {});

/// Appends `s` as a JSON string literal (with quotes), Go-style escaping.
void appendJsonString(std::string& out, std::string_view s, bool escape_html = false);

/// The value in Rego term syntax: `"str"`, `[1, 2]`, `{"a": 1}`, `{1, 2}`,
/// `set()` (OPA's ast.Value.String()).
std::string toRegoString(const Value& v);
void appendRego(std::string& out, const Value& v);

/// Go's strconv.Quote of a string.
std::string quoteString(std::string_view s);

}  // namespace meshgate::rego
