// SPDX-License-Identifier: Apache-2.0
// Compiles parsed modules and base data into an immutable Plan: resolves
// names and imports, checks safety (reordering bodies as OPA does), detects
// conflicts, builds the rule tree and rule indices. Depends on syntax/, value/
// and the builtin table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rego/builtins/registry.h"
#include "rego/compile/plan.h"
#include "rego/error.h"
#include "rego/syntax/parser.h"

namespace meshgate::rego {

struct CompileOptions {
  const BuiltinRegistry* builtins = &BuiltinRegistry::standard();
  /// Queries: record the value of each top-level expression that is a plain
  /// term (so that `false` is reported rather than treated as a failure), as
  /// OPA's `eval` does.
  bool capture_expressions = false;
};

/// A top-level query expression, for OPA-style result output.
struct QueryExpression {
  std::string text;
  uint32_t line = 0;
  uint32_t col = 0;
  /// The slot holding the expression's value, or -1 when its value is `true`.
  int32_t slot = -1;
};

/// Compiles modules (already parsed) plus base data into a Plan.
Checked<std::shared_ptr<const Plan>> compilePlan(std::vector<std::shared_ptr<const Module>> modules,
                                                 Value data, const CompileOptions& options = {});

/// A query compiled against a plan.
struct CompiledQuery {
  CBody body;
  uint32_t nslots = 0;
  /// The query's variables that appear in results, by name, with their slots
  /// (generated and wildcard variables excluded).
  std::vector<std::pair<std::string, int32_t>> outputs;
  /// Top-level expressions in source order (filled with capture_expressions).
  std::vector<QueryExpression> expressions;
  std::shared_ptr<SourceFile> source;
  /// Keeps the plan (and every node the query points at) alive.
  std::shared_ptr<const Plan> plan;
};

Checked<std::shared_ptr<const CompiledQuery>> compileQuery(std::shared_ptr<const Plan> plan,
                                                           const Query& query,
                                                           const CompileOptions& options = {});

}  // namespace meshgate::rego
