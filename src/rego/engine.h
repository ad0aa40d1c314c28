// SPDX-License-Identifier: Apache-2.0
// The façade of the Rego engine: collect modules and data, compile them once
// into an immutable Plan, prepare queries and decision paths, and evaluate
// them many times with a per-thread Evaluator.
//
//   rego::PolicySet set;
//   set.addModule("authz.rego", text);
//   set.addData({}, data_object);
//   auto plan = set.compile();                  // shared_ptr<const Plan>, thread-shareable
//   auto path = rego::DecisionPath::parse("envoy/authz/allow");
//   rego::Evaluator ev;                         // one per worker thread
//   auto allowed = ev.evalPath(**plan, path->keys(), input, options);
//
// Depends on base/ and the rest of rego/ only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rego/compile/compiler.h"
#include "rego/error.h"
#include "rego/eval/evaluator.h"
#include "rego/syntax/parser.h"
#include "rego/value/value.h"

namespace meshgate::rego {

struct EngineOptions {
  RegoVersion version = RegoVersion::V1;
  const BuiltinRegistry* builtins = &BuiltinRegistry::standard();
};

/// Modules and base data waiting to be compiled. Not thread-safe; build it on
/// one thread, then share the compiled Plan.
class PolicySet {
 public:
  explicit PolicySet(EngineOptions options = {});

  /// Parses a module; parse errors are returned (with file:line:col).
  Checked<bool> addModule(std::string filename, std::string text);
  /// Adds an already parsed module.
  void addParsedModule(std::shared_ptr<const Module> module);
  /// Merges `value` into the base documents at `path` (keys below data).
  /// Objects merge recursively; any other overlap is a conflict error.
  base::Status addData(const std::vector<std::string>& path, Value value);
  void setRevision(std::string revision) { revision_ = std::move(revision); }

  const std::vector<std::shared_ptr<const Module>>& modules() const { return modules_; }
  const Value& data() const { return data_; }

  /// Compiles everything added so far. The result is immutable and may be
  /// evaluated from any number of threads at once.
  Checked<std::shared_ptr<const Plan>> compile() const;

 private:
  EngineOptions options_;
  std::vector<std::shared_ptr<const Module>> modules_;
  Value data_ = Value::emptyObject();
  std::string revision_;
};

/// Merges `b` into `a` (objects recursively). False on a conflicting leaf.
bool mergeDocuments(const Value& a, const Value& b, Value* out);

/// A path to a document below data: "envoy/authz/allow", "envoy.authz.allow"
/// or "data.envoy.authz.allow".
class DecisionPath {
 public:
  static base::Result<DecisionPath> parse(std::string_view text);
  const std::vector<Value>& keys() const { return keys_; }
  /// "data.envoy.authz.allow".
  const std::string& text() const { return text_; }

 private:
  std::vector<Value> keys_;
  std::string text_;
};

/// A query compiled against a plan, ready to run many times.
class PreparedQuery {
 public:
  static Checked<PreparedQuery> prepare(std::shared_ptr<const Plan> plan, std::string query,
                                        const EngineOptions& options = {},
                                        bool capture_expressions = false);
  const CompiledQuery& compiled() const { return *compiled_; }

 private:
  std::shared_ptr<const CompiledQuery> compiled_;
};

}  // namespace meshgate::rego
