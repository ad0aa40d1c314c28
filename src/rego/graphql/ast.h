// SPDX-License-Identifier: Apache-2.0
// GraphQL documents (queries and SDL schemas) as OPA's graphql.* builtins see
// them: the shape of gqlparser's Go AST, which OPA returns as JSON objects.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace meshgate::rego::graphql {

/// 1-based line and column in runes; line 0 means "no position".
struct Pos {
  int line = 0;
  int col = 0;
};

/// An error in gqlparser's shape ("input:L:C: message").
struct GqlError {
  std::string message;
  Pos pos;
  std::string file = "input";
  /// gqlparser's Error(): "input:L:C: message" (or "input: message").
  std::string text() const;
};

struct Type {
  std::string named;           // "" for lists
  std::shared_ptr<Type> elem;  // list element type
  bool non_null = false;
  Pos pos;
  /// The innermost named type.
  const std::string& name() const { return elem ? elem->name() : named; }
  /// "[String!]!" notation.
  std::string str() const;
  /// gqlparser's Type.IsCompatible.
  bool isCompatible(const Type& other) const;
};

enum class ValueKind { Variable = 0, Int, Float, String, Block, Boolean, Null, Enum, List, Object };

struct Definition;
struct VariableDefinition;

struct GValue;
struct ChildValue {
  std::string name;
  std::shared_ptr<GValue> value;
  Pos pos;
};

struct GValue {
  std::string raw;
  std::vector<ChildValue> children;
  ValueKind kind = ValueKind::Null;
  Pos pos;
  // Set by query validation.
  const Type* expected_type = nullptr;
  bool expected_type_has_default = false;
  const Definition* definition = nullptr;
  VariableDefinition* variable_definition = nullptr;
  /// gqlparser's Value.String() ("$x", "\"s\"", "[1,2]", "{a:1}").
  std::string str() const;
};

struct DirectiveDefinition;

struct Argument {
  std::string name;
  std::shared_ptr<GValue> value;
  Pos pos;
};

struct Directive {
  std::string name;
  std::vector<Argument> arguments;
  Pos pos;
  std::string location;  // set by validation
  const DirectiveDefinition* definition = nullptr;
  const Definition* parent_definition = nullptr;
};

struct VariableDefinition {
  std::string variable;
  std::shared_ptr<Type> type;
  std::shared_ptr<GValue> default_value;
  std::vector<Directive> directives;
  Pos pos;
  bool used = false;
  const Definition* definition = nullptr;
};

struct FieldDefinition;
struct FragmentDefinition;

enum class SelectionKind { Field, FragmentSpread, InlineFragment };

/// One entry of a selection set: a field, a fragment spread or an inline fragment.
struct Selection {
  SelectionKind kind = SelectionKind::Field;
  std::string alias;           // fields
  std::string name;            // field name or spread fragment name
  std::string type_condition;  // inline fragments
  std::vector<Argument> arguments;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Pos pos;
  // Set by validation.
  const FieldDefinition* definition = nullptr;
  const Definition* object_definition = nullptr;
  const FragmentDefinition* fragment = nullptr;
};

struct OperationDefinition {
  std::string operation;  // "query", "mutation", "subscription"
  std::string name;
  std::vector<VariableDefinition> variable_definitions;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Pos pos;
};

struct FragmentDefinition {
  std::string name;
  std::vector<VariableDefinition> variable_definition;
  std::string type_condition;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
  Pos pos;
  const Definition* definition = nullptr;
};

struct QueryDocument {
  std::vector<OperationDefinition> operations;
  std::vector<FragmentDefinition> fragments;
  const FragmentDefinition* fragment(const std::string& name) const;
};

/// Object/interface fields, input-object fields and arguments (gqlparser's
/// FieldDefinition and ArgumentDefinition share this shape).
struct FieldDefinition {
  std::string description;
  std::string name;
  std::vector<FieldDefinition> arguments;
  std::shared_ptr<GValue> default_value;
  std::shared_ptr<Type> type;
  std::vector<Directive> directives;
  Pos pos;
};

struct EnumValueDefinition {
  std::string description;
  std::string name;
  std::vector<Directive> directives;
  Pos pos;
};

struct Definition {
  std::string kind;  // SCALAR, OBJECT, INTERFACE, UNION, ENUM, INPUT_OBJECT
  std::string description;
  std::string name;
  std::vector<Directive> directives;
  std::vector<std::string> interfaces;
  std::vector<FieldDefinition> fields;
  std::vector<std::string> types;
  std::vector<EnumValueDefinition> enum_values;
  Pos pos;
  bool built_in = false;

  bool isLeaf() const { return kind == "ENUM" || kind == "SCALAR"; }
  bool isAbstract() const { return kind == "INTERFACE" || kind == "UNION"; }
  bool isComposite() const { return kind == "OBJECT" || kind == "INTERFACE" || kind == "UNION"; }
  bool isInput() const { return kind == "SCALAR" || kind == "ENUM" || kind == "INPUT_OBJECT"; }
  const FieldDefinition* field(const std::string& n) const;
};

struct DirectiveDefinition {
  std::string description;
  std::string name;
  std::vector<FieldDefinition> arguments;
  std::vector<std::string> locations;
  bool is_repeatable = false;
  Pos pos;
};

struct OperationTypeDefinition {
  std::string operation;
  std::string type;
  Pos pos;
};

struct SchemaDefinition {
  std::string description;
  std::vector<Directive> directives;
  std::vector<OperationTypeDefinition> operation_types;
  Pos pos;
};

struct SchemaDocument {
  std::vector<SchemaDefinition> schema;
  std::vector<SchemaDefinition> schema_extension;
  std::vector<DirectiveDefinition> directives;
  std::vector<Definition> definitions;
  std::vector<Definition> extensions;
  /// Appends every list of `other` (gqlparser's SchemaDocument.Merge).
  void merge(const SchemaDocument& other);
};

/// A validated schema: types by name with extensions applied.
struct Schema {
  std::map<std::string, std::shared_ptr<Definition>> types;
  std::map<std::string, std::shared_ptr<DirectiveDefinition>> directives;
  std::map<std::string, std::vector<const Definition*>> possible_types;
  const Definition* query = nullptr;
  const Definition* mutation = nullptr;
  const Definition* subscription = nullptr;

  const Definition* type(const std::string& name) const;
  const DirectiveDefinition* directive(const std::string& name) const;
  /// Members of a union, or the implementations of an interface/object.
  std::vector<const Definition*> possibleTypes(const Definition& def) const;
};

}  // namespace meshgate::rego::graphql
