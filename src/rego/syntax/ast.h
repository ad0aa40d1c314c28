// SPDX-License-Identifier: Apache-2.0
// The Rego syntax tree as the parser produces it: modules, rules, bodies,
// expressions and terms, each with its source position. Depends on value/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rego/value/value.h"

namespace meshgate::rego {

struct SourceFile {
  std::string name;
  std::string text;
};

/// A position in a source file. `file` is owned by the Module (or plan) that
/// holds the node, and lives as long as it does.
struct Location {
  const SourceFile* file = nullptr;
  uint32_t line = 0;
  uint32_t col = 0;

  /// "file:line" (OPA's Location.String()), or "line:col" without a file.
  std::string str() const;
  std::string fileName() const { return file != nullptr ? file->name : std::string(); }
};

enum class TermKind : uint8_t {
  Scalar,       // value
  Var,          // var
  Ref,          // args[0] head, args[1..] path operands
  Array,        // args: elements
  Object,       // args: key0, value0, key1, value1, ...
  Set,          // args: elements
  ArrayCompr,   // args[0] head; body
  SetCompr,     // args[0] head; body
  ObjectCompr,  // args[0] key, args[1] value; body
  Call,         // args[0] operator (Var or Ref), args[1..] operands
  Template,     // args: String scalars and expression terms, in order
};

struct Body;
struct Term;
using TermPtr = std::unique_ptr<Term>;

struct Term {
  TermKind kind = TermKind::Scalar;
  Location loc;
  Value value;
  std::string var;
  std::vector<TermPtr> args;
  std::unique_ptr<Body> body;

  TermPtr clone() const;
  bool isGround() const;
  static TermPtr scalar(Value v, Location loc);
  static TermPtr makeVar(std::string name, Location loc);
  static TermPtr make(TermKind kind, Location loc);
};

enum class ExprKind : uint8_t {
  Term,      // terms[0] (a call, or any term tested for truth)
  Unify,     // terms[0] = terms[1]
  Assign,    // terms[0] := terms[1]
  SomeDecl,  // terms: declared vars
  SomeIn,    // terms: [key or null, value, collection]
  Every,     // terms: [key or null, value, domain]; body
};

struct With {
  Location loc;
  TermPtr target;
  TermPtr value;
  With clone() const;
};

struct Expr {
  ExprKind kind = ExprKind::Term;
  Location loc;
  bool negated = false;
  std::vector<TermPtr> terms;
  std::unique_ptr<Body> body;
  std::vector<With> withs;
  /// Byte range of the expression in its source (for `policy eval` output).
  uint32_t begin = 0;
  uint32_t end = 0;
  Expr clone() const;
};

struct Body {
  Location loc;
  std::vector<Expr> exprs;
  std::unique_ptr<Body> clone() const;
};

struct Rule {
  Location loc;
  bool is_default = false;
  /// The head reference: a Var (`p`) or a Ref (`a.b[x]`).
  TermPtr head;
  bool is_function = false;
  std::vector<TermPtr> args;
  /// The element of a multi-value rule (`p contains key`), else null.
  TermPtr key;
  /// The head value; null means `true`.
  TermPtr value;
  /// True when the value was given with `:=`.
  bool assign = false;
  Body body;
  std::unique_ptr<Rule> else_rule;
  /// For `policy test` and errors: the rule's leading name ("p" in `p.q.r`).
  std::string name() const;
};

struct Import {
  Location loc;
  TermPtr path;  // a Ref rooted at data or input, or a Var
  std::string alias;
};

/// A # METADATA block, as raw YAML, with the position of the node it annotates.
struct Annotation {
  Location loc;
  std::string yaml;
  /// "package", "rule", "document", "subpackages" (from the block's scope).
  std::string scope;
  /// Index of the rule that follows the block in Module::rules, or -1 for the package.
  int rule_index = -1;
};

struct Module {
  std::shared_ptr<SourceFile> source;
  Location loc;
  TermPtr package;  // Ref data.<path>
  std::vector<Import> imports;
  std::vector<Rule> rules;
  std::vector<Annotation> annotations;
  bool v1 = true;
};

}  // namespace meshgate::rego
