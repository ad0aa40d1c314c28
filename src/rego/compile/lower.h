// SPDX-License-Identifier: Apache-2.0
// Lowers rule and query bodies from the syntax tree to the plan's IR: resolves
// every variable (local slot, global rule, import, input/data), checks safety
// and reorders expressions so that variables are bound before use (as OPA's
// compiler does). Internal to the compiler.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rego/builtins/registry.h"
#include "rego/compile/plan.h"
#include "rego/error.h"
#include "rego/syntax/ast.h"

namespace meshgate::rego {

/// A module-level name: a rule of the package or an import alias.
struct GlobalName {
  bool input = false;       // rooted at input (else data)
  std::vector<Value> path;  // below the root
};

struct ModuleScope {
  std::vector<Value> package_path;
  std::unordered_map<std::string, GlobalName> globals;
  const Module* module = nullptr;
};

class Lowerer {
 public:
  Lowerer(const ModuleScope* ms, const RuleNode* root, const BuiltinRegistry& builtins,
          RegoErrors* errors);
  ~Lowerer();

  /// Lowers one rule definition (no else chain). `suffix` are the head ref
  /// operands below the rule's node.
  std::unique_ptr<CRule> lowerRule(const Rule& rule, const std::vector<const Term*>& suffix);

  /// Values of rego.metadata.rule() and rego.metadata.chain() for the rules
  /// lowered next (OPA replaces these calls with constants at compile time).
  void setMetadata(Value rule_annotations, Value chain);

  /// Lowers a query body; fills its result variables.
  bool lowerQuery(const Body& body, CBody* out, uint32_t* nslots,
                  std::vector<std::pair<std::string, int32_t>>* outputs,
                  std::vector<int32_t>* capture_slots = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The data path of a ref made only of a root var and constant strings
/// (data.a.b → ["a","b"]). False when it has other operands.
bool constRefPath(const Term& ref, std::string* root, std::vector<Value>* path);

}  // namespace meshgate::rego
