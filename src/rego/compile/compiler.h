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
  std::shared_ptr<SourceFile> source;
  /// Keeps the plan (and every node the query points at) alive.
  std::shared_ptr<const Plan> plan;
};

Checked<std::shared_ptr<const CompiledQuery>> compileQuery(std::shared_ptr<const Plan> plan,
                                                           const Query& query,
                                                           const CompileOptions& options = {});

}  // namespace meshgate::rego
