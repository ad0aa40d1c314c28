// SPDX-License-Identifier: Apache-2.0
// The compiled, immutable form of a set of Rego modules: a rule tree keyed by
// data path, with each rule lowered to slot-resolved terms and expressions
// that the evaluator runs directly. Shared read-only between threads.
// Depends on syntax/ and value/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rego/syntax/ast.h"
#include "rego/value/value.h"

namespace meshgate::rego {

struct BuiltinDef;
struct RuleNode;
struct CBody;

enum class TKind : uint8_t {
  Const,        // value
  Var,          // slot
  Input,        // the input document
  Data,         // the data document root (only as the head of a Ref)
  Ref,          // items[0] head, items[1..] operands
  Array,        // items
  Set,          // items
  Object,       // items: k0, v0, k1, v1, ...
  ArrayCompr,   // items[0] head; body
  SetCompr,     // items[0] head; body
  ObjectCompr,  // items[0] key, items[1] value; body
  Call,         // items: operands; builtin or func
  Template,     // items: parts (Const strings and expressions)
};

/// A compiled term.
struct CTerm {
  TKind kind = TKind::Const;
  int32_t slot = -1;
  Value value;
  std::vector<CTerm> items;
  std::shared_ptr<CBody> body;
  /// Calls: the builtin, or the rule node of a user function. A call through a
  /// ref with variables (dynamic dispatch) has neither and `items_dispatch` set.
  const BuiltinDef* builtin = nullptr;
  const RuleNode* func = nullptr;
  /// Calls: the operator's name ("count", "data.pkg.f") for `with` and errors.
  std::string name;
  /// Dynamic dispatch: the operator ref (data.x[y]).
  std::shared_ptr<CTerm> dispatch;
  Location loc;
  /// Refs rooted at data, resolved once when the plan is compiled: the rule
  /// node and base document that the leading constant operands lead to, and
  /// the operand to continue from (0: not resolved). Valid only while `data`
  /// is the plan's own (no `with data...` in effect); see resolveDataRefs.
  uint32_t ref_pos = 0;
  const RuleNode* ref_node = nullptr;
  Value ref_base;

  bool isConst() const { return kind == TKind::Const; }
};

enum class EKind : uint8_t {
  Unify,   // a = b
  Truth,   // a is defined and not false
  Not,     // body (one expression) has no solution
  Every,   // for all (key, value) in c, body holds; a key pattern (or none), b value
  SomeIn,  // iterate c, unify a (key, optional) and b (value)
  Nop,     // a `some x` declaration
};

struct CWith {
  enum class Target : uint8_t { Input, Data, Function };
  Target target = Target::Input;
  /// Input/Data: the path below the root.
  std::vector<Value> path;
  /// Function: the name of the builtin or function replaced ("count", "data.x.f").
  std::string fn_name;
  /// Function: the replacement is another function (else a value).
  const BuiltinDef* repl_builtin = nullptr;
  const RuleNode* repl_func = nullptr;
  std::string repl_name;
  CTerm value;
  Location loc;
};

struct CExpr {
  EKind kind = EKind::Truth;
  CTerm a;
  CTerm b;
  CTerm c;
  bool has_key = false;
  std::shared_ptr<CBody> body;
  std::vector<CWith> withs;
  Location loc;
};

struct CBody {
  std::vector<CExpr> exprs;
};

/// One rule definition (or an else branch, or a default).
struct CRule {
  /// Head ref operands below the rule's node (`a.b[x].c` at node a.b: [x, "c"]).
  std::vector<CTerm> suffix;
  /// Multi-value rules: the element.
  CTerm key;
  bool has_key = false;
  /// The value (Const true when the head has none).
  CTerm value;
  /// Functions: parameter patterns.
  std::vector<CTerm> args;
  CBody body;
  uint32_t nslots = 0;
  std::unique_ptr<CRule> else_rule;
  bool is_default = false;
  Location loc;
  /// Rule order within its set (for stable evaluation order when indexed).
  uint32_t ordinal = 0;
  /// Local variable names by slot (for `policy test` output and debugging).
  std::vector<std::string> slot_names;
};

enum class RuleSetKind : uint8_t {
  Complete,  // p := v / p if ...
  Multi,     // p contains x
  Function,  // f(x) := v
  Dynamic,   // ref heads with variables below this node (a.b[x] := v, a[x] contains y)
};

/// Equality index over rules that test `<ground ref> == <constant>` (OPA's rule
/// indexing): the ref is evaluated once and only the matching rules run.
struct RuleIndex {
  CTerm ref;  // an input or base-data ref with no variables
  struct Bucket {
    Value key;
    std::vector<uint32_t> rules;  // ordinals, ascending
  };
  std::vector<Bucket> buckets;      // sorted by key
  std::vector<uint32_t> unindexed;  // ordinals of rules that do not test ref
};

struct RuleSet {
  RuleSetKind kind = RuleSetKind::Complete;
  std::vector<std::unique_ptr<CRule>> rules;
  std::unique_ptr<CRule> default_rule;
  /// Every rule's value is the same constant and none has an else: the first
  /// successful body decides (OPA's early exit).
  bool early_exit = false;
  std::unique_ptr<RuleIndex> index;
  size_t arity = 0;  // functions
};

/// A node of the data tree. Nodes exist for package paths and rule heads.
struct RuleNode {
  Value key;
  /// Keys from the data root to this node.
  std::vector<Value> path;
  /// "data.a.b".
  std::string path_str;
  std::vector<std::pair<Value, std::unique_ptr<RuleNode>>> children;  // sorted by key
  std::unique_ptr<RuleSet> rules;
  /// Rules at this node or below, or a package declared here or below
  /// (packages exist as documents even when empty).
  bool has_rules = false;
  bool is_package = false;
  uint32_t id = 0;

  const RuleNode* child(const Value& k) const;
  RuleNode* childMutable(const Value& k);
};

struct Plan {
  std::unique_ptr<RuleNode> root;
  /// The base documents (data.json/yaml and added data).
  Value data;
  std::vector<std::shared_ptr<SourceFile>> sources;
  uint32_t node_count = 0;
  /// Bundle revision, when loaded from a bundle with a manifest.
  std::string revision;
  /// Parsed modules, kept for rego.metadata and `policy test` discovery.
  std::vector<std::shared_ptr<const Module>> modules;
};

}  // namespace meshgate::rego
