// SPDX-License-Identifier: Apache-2.0
// Query validation against a schema: gqlparser's walker and its validation
// rules (the graphql-js rule set), in gqlparser's rule order and wording.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rego/graphql/parser.h"
#include "rego/graphql/schema.h"
#include "rego/value/json.h"

namespace meshgate::rego::graphql {
namespace {

const FieldDefinition* argDef(const std::vector<FieldDefinition>& args, const std::string& name) {
  for (const auto& a : args) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

struct TypenameDef {
  FieldDefinition def;
  TypenameDef() {
    def.name = "__typename";
    def.type = std::make_shared<Type>();
    def.type->named = "String";
  }
};

const FieldDefinition* typenameField() {
  static const TypenameDef* d = new TypenameDef();
  return &d->def;
}

class Validator {
 public:
  Validator(const Schema& s, QueryDocument& doc) : s_(s), doc_(doc) {}

  std::vector<GqlError> run() {
    for (auto& op : doc_.operations) {
      validated_spreads_.clear();
      walkOperation(op);
    }
    for (auto& frag : doc_.fragments) {
      validated_spreads_.clear();
      walkFragment(frag);
    }
    return std::move(errors_);
  }

 private:
  void addError(Pos pos, std::string msg) {
    GqlError e;
    e.pos = pos;
    e.message = std::move(msg);
    errors_.push_back(std::move(e));
  }

  // ---- the walk ----
  void walkOperation(OperationDefinition& op) {
    current_ = &op;
    for (auto& vd : op.variable_definitions) {
      vd.definition = vd.type ? s_.type(vd.type->name()) : nullptr;
      if (vd.default_value) {
        vd.default_value->expected_type = vd.type.get();
        vd.default_value->definition = vd.definition;
      }
    }
    const Definition* def = nullptr;
    std::string loc;
    if (op.operation == "query" || op.operation.empty()) {
      def = s_.query;
      loc = "QUERY";
    } else if (op.operation == "mutation") {
      def = s_.mutation;
      loc = "MUTATION";
    } else if (op.operation == "subscription") {
      def = s_.subscription;
      loc = "SUBSCRIPTION";
    }
    for (auto& vd : op.variable_definitions) {
      if (vd.default_value) walkValue(*vd.default_value, 0);
      walkDirectives(vd.definition, vd.directives, "VARIABLE_DEFINITION");
    }
    walkDirectives(def, op.directives, loc);
    for (auto& sel : op.selection_set)
      walkSelection(def, sel, 0);
    onOperation(op);
    current_ = nullptr;
  }

  void walkFragment(FragmentDefinition& frag) {
    const Definition* def = s_.type(frag.type_condition);
    frag.definition = def;
    walkDirectives(def, frag.directives, "FRAGMENT_DEFINITION");
    for (auto& sel : frag.selection_set)
      walkSelection(def, sel, 0);
    onFragment(frag);
  }

  void walkDirectives(const Definition* parent, std::vector<Directive>& dirs,
                      const std::string& location) {
    for (auto& dir : dirs) {
      const DirectiveDefinition* def = s_.directive(dir.name);
      dir.definition = def;
      dir.parent_definition = parent;
      dir.location = location;
      for (auto& arg : dir.arguments)
        walkArgument(def ? argDef(def->arguments, arg.name) : nullptr, arg);
      onDirective(dir);
    }
    onDirectiveList(dirs);
  }

  void walkValue(GValue& v, int depth) {
    if (depth > kMaxNesting) return;
    if (v.kind == ValueKind::Variable && current_) {
      v.variable_definition = nullptr;
      for (auto& vd : current_->variable_definitions) {
        if (vd.variable == v.raw) {
          v.variable_definition = &vd;
          break;
        }
      }
      if (v.variable_definition) v.variable_definition->used = true;
    }
    if (v.kind == ValueKind::Object) {
      for (auto& child : v.children) {
        if (!child.value) continue;
        if (v.definition) {
          if (const FieldDefinition* fd = v.definition->field(child.name); fd && fd->type) {
            child.value->expected_type = fd->type.get();
            child.value->definition = s_.type(fd->type->name());
          }
        }
        walkValue(*child.value, depth + 1);
      }
    }
    if (v.kind == ValueKind::List) {
      for (auto& child : v.children) {
        if (!child.value) continue;
        if (v.expected_type && v.expected_type->elem) {
          child.value->expected_type = v.expected_type->elem.get();
          child.value->definition = v.definition;
        }
        walkValue(*child.value, depth + 1);
      }
    }
    onValue(v);
  }

  void walkArgument(const FieldDefinition* def, Argument& arg) {
    if (!arg.value) return;
    if (def && def->type) {
      arg.value->expected_type = def->type.get();
      arg.value->expected_type_has_default =
          def->default_value && def->default_value->kind != ValueKind::Null;
      arg.value->definition = s_.type(def->type->name());
    }
    walkValue(*arg.value, 0);
  }

  void walkSelection(const Definition* parent_def, Selection& sel, int depth) {
    if (depth > kMaxNesting) return;
    switch (sel.kind) {
      case SelectionKind::Field: {
        const FieldDefinition* def = nullptr;
        if (sel.name == "__typename") {
          def = typenameField();
        } else if (parent_def) {
          def = parent_def->field(sel.name);
        }
        sel.definition = def;
        sel.object_definition = parent_def;
        const Definition* next = def && def->type ? s_.type(def->type->name()) : nullptr;
        for (auto& arg : sel.arguments)
          walkArgument(def ? argDef(def->arguments, arg.name) : nullptr, arg);
        walkDirectives(next, sel.directives, "FIELD");
        for (auto& child : sel.selection_set)
          walkSelection(next, child, depth + 1);
        onField(sel);
        break;
      }
      case SelectionKind::InlineFragment: {
        sel.object_definition = parent_def;
        const Definition* next = parent_def;
        if (!sel.type_condition.empty()) next = s_.type(sel.type_condition);
        walkDirectives(next, sel.directives, "INLINE_FRAGMENT");
        for (auto& child : sel.selection_set)
          walkSelection(next, child, depth + 1);
        onInlineFragment(sel);
        break;
      }
      case SelectionKind::FragmentSpread: {
        FragmentDefinition* def = nullptr;
        for (auto& f : doc_.fragments) {
          if (f.name == sel.name) {
            def = &f;
            break;
          }
        }
        sel.fragment = def;
        sel.object_definition = parent_def;
        const Definition* next = def ? s_.type(def->type_condition) : nullptr;
        walkDirectives(next, sel.directives, "FRAGMENT_SPREAD");
        if (def && !validated_spreads_.count(def->name)) {
          validated_spreads_.insert(def->name);
          for (auto& child : def->selection_set)
            walkSelection(next, child, depth + 1);
        }
        onFragmentSpread(sel);
        break;
      }
    }
  }

  // ---- rules, by event, in gqlparser's registration order ----
  void onField(const Selection& f) {
    // FieldsOnCorrectType
    if (f.object_definition && !f.definition) {
      addError(f.pos, "Cannot query field \"" + f.name + "\" on type \"" +
                          f.object_definition->name + "\".");
    }
    // KnownArgumentNames
    if (f.definition && f.object_definition) {
      for (const auto& arg : f.arguments) {
        if (!argDef(f.definition->arguments, arg.name)) {
          addError(f.pos, "Unknown argument \"" + arg.name + "\" on field \"" +
                              f.object_definition->name + "." + f.name + "\".");
        }
      }
    }
    // OverlappingFieldsCanBeMerged
    findConflictsWithin(f.selection_set);
    // ProvidedRequiredArguments
    if (f.definition) {
      for (const auto& ad : f.definition->arguments) {
        if (!ad.type || !ad.type->non_null || ad.default_value) continue;
        bool given = std::any_of(f.arguments.begin(), f.arguments.end(),
                                 [&](const Argument& a) { return a.name == ad.name; });
        if (!given) {
          addError(f.pos, "Field \"" + f.name + "\" argument \"" + ad.name + "\" of type \"" +
                              ad.type->str() + "\" is required, but it was not provided.");
        }
      }
    }
    // ScalarLeafs
    if (f.definition && f.definition->type) {
      if (const Definition* t = s_.type(f.definition->type->name())) {
        if (t->isLeaf() && !f.selection_set.empty()) {
          addError(f.pos, "Field \"" + f.name + "\" must not have a selection since type \"" +
                              t->name + "\" has no subfields.");
        }
        if (!t->isLeaf() && f.selection_set.empty()) {
          addError(f.pos, "Field \"" + f.name + "\" of type \"" + f.definition->type->str() +
                              "\" must have a selection of subfields. Did you mean \"" + f.name +
                              " { ... }\"?");
        }
      }
    }
    // UniqueArgumentNames
    uniqueArgs(f.arguments, f.pos);
  }

  void onFragment(const FragmentDefinition& frag) {
    // FragmentsOnCompositeTypes
    if (frag.definition && !frag.type_condition.empty() && !frag.definition->isComposite()) {
      addError(frag.pos, "Fragment \"" + frag.name +
                             "\" cannot condition on non composite type \"" + frag.type_condition +
                             "\".");
    }
    // KnownTypeNames
    if (!s_.type(frag.type_condition))
      addError(frag.pos, "Unknown type \"" + frag.type_condition + "\".");
    // NoFragmentCycles
    {
      std::vector<const Selection*> path;
      std::map<std::string, size_t> index;
      detectCycles(frag, path, index, 0);
    }
    // NoUnusedFragments
    in_fragment_definition_ = true;
    if (!fragment_used_.count(frag.name))
      addError(frag.pos, "Fragment \"" + frag.name + "\" is never used.");
    // OverlappingFieldsCanBeMerged
    findConflictsWithin(frag.selection_set);
    // UniqueFragmentNames
    if (seen_fragments_.count(frag.name)) {
      addError(frag.pos, "There can be only one fragment named \"" + frag.name + "\".");
    }
    seen_fragments_.insert(frag.name);
  }

  void onInlineFragment(const Selection& f) {
    // FragmentsOnCompositeTypes
    if (const Definition* t = s_.type(f.type_condition); t && !t->isComposite()) {
      addError(f.pos,
               "Fragment cannot condition on non composite type \"" + f.type_condition + "\".");
    }
    // KnownTypeNames
    if (!f.type_condition.empty() && !s_.type(f.type_condition)) {
      addError(f.pos, "Unknown type \"" + f.type_condition + "\".");
    }
    // OverlappingFieldsCanBeMerged
    findConflictsWithin(f.selection_set);
    // PossibleFragmentSpreads
    if (!possibleSpread(f.object_definition, f.type_condition)) {
      addError(f.pos, "Fragment cannot be spread here as objects of type \"" +
                          f.object_definition->name + "\" can never be of type \"" +
                          f.type_condition + "\".");
    }
  }

  void onFragmentSpread(const Selection& f) {
    // KnownFragmentNames
    if (!f.fragment) addError(f.pos, "Unknown fragment \"" + f.name + "\".");
    // NoUnusedFragments
    if (!in_fragment_definition_) fragment_used_.insert(f.name);
    // PossibleFragmentSpreads
    if (f.fragment && !possibleSpread(f.object_definition, f.fragment->type_condition)) {
      addError(f.pos, "Fragment \"" + f.name + "\" cannot be spread here as objects of type \"" +
                          f.object_definition->name + "\" can never be of type \"" +
                          f.fragment->type_condition + "\".");
    }
  }

  void onDirective(const Directive& d) {
    // KnownArgumentNames
    if (d.definition) {
      for (const auto& arg : d.arguments) {
        if (!argDef(d.definition->arguments, arg.name)) {
          addError(d.pos,
                   "Unknown argument \"" + arg.name + "\" on directive \"@" + d.name + "\".");
        }
      }
    }
    // KnownDirectives
    if (!d.definition) {
      addError(d.pos, "Unknown directive \"@" + d.name + "\".");
    } else if (std::find(d.definition->locations.begin(), d.definition->locations.end(),
                         d.location) == d.definition->locations.end()) {
      auto key = std::make_tuple(d.name, d.pos.line, d.pos.col);
      if (!misplaced_.count(key)) {
        addError(d.pos, "Directive \"@" + d.name + "\" may not be used on " + d.location + ".");
        misplaced_.insert(key);
      }
    }
    // ProvidedRequiredArguments
    if (d.definition) {
      for (const auto& ad : d.definition->arguments) {
        if (!ad.type || !ad.type->non_null || ad.default_value) continue;
        bool given = std::any_of(d.arguments.begin(), d.arguments.end(),
                                 [&](const Argument& a) { return a.name == ad.name; });
        if (!given) {
          addError(d.pos, "Directive \"@" + d.definition->name + "\" argument \"" + ad.name +
                              "\" of type \"" + ad.type->str() +
                              "\" is required, but it was not provided.");
        }
      }
    }
    // UniqueArgumentNames
    uniqueArgs(d.arguments, d.pos);
  }

  void onDirectiveList(const std::vector<Directive>& dirs) {
    // UniqueDirectivesPerLocation
    std::set<std::string> seen;
    for (const auto& d : dirs) {
      bool repeatable = d.definition && d.definition->is_repeatable;
      if (!repeatable && seen.count(d.name)) {
        addError(d.pos,
                 "The directive \"@" + d.name + "\" can only be used once at this location.");
      }
      seen.insert(d.name);
    }
  }

  void onValue(const GValue& v) {
    // NoUndefinedVariables
    if (current_ && v.kind == ValueKind::Variable && !v.variable_definition) {
      if (!current_->name.empty()) {
        addError(v.pos, "Variable \"" + v.str() + "\" is not defined by operation \"" +
                            current_->name + "\".");
      } else {
        addError(v.pos, "Variable \"" + v.str() + "\" is not defined.");
      }
    }
    // UniqueInputFieldNames
    if (v.kind == ValueKind::Object) {
      std::set<std::string> seen;
      for (const auto& c : v.children) {
        if (seen.count(c.name))
          addError(c.pos, "There can be only one input field named \"" + c.name + "\".");
        seen.insert(c.name);
      }
    }
    // ValuesOfCorrectType
    valuesOfCorrectType(v);
    // VariablesInAllowedPosition
    if (v.kind == ValueKind::Variable && v.expected_type && v.variable_definition && current_ &&
        v.variable_definition->type) {
      Type tmp = *v.expected_type;
      const auto& dv = v.variable_definition->default_value;
      if (v.expected_type_has_default || (dv && dv->kind != ValueKind::Null)) {
        if (v.expected_type->non_null) tmp.non_null = false;
      }
      if (!v.variable_definition->type->isCompatible(tmp)) {
        addError(v.pos,
                 "Variable \"" + v.str() + "\" of type \"" + v.variable_definition->type->str() +
                     "\" used in position expecting type \"" + v.expected_type->str() + "\".");
      }
    }
  }

  void onOperation(const OperationDefinition& op) {
    // KnownRootType
    const Definition* root = nullptr;
    if (op.operation == "query" || op.operation.empty()) {
      root = s_.query;
    } else if (op.operation == "mutation") {
      root = s_.mutation;
    } else {
      root = s_.subscription;
    }
    if (!root) addError(op.pos, "Schema does not support operation type \"" + op.operation + "\"");
    // KnownTypeNames
    for (const auto& vd : op.variable_definitions) {
      if (vd.type && !s_.type(vd.type->name()))
        addError(op.pos, "Unknown type \"" + vd.type->name() + "\".");
    }
    // LoneAnonymousOperation
    if (op.name.empty() && doc_.operations.size() > 1) {
      addError(op.pos, "This anonymous operation must be the only defined operation.");
    }
    // NoUnusedVariables
    for (const auto& vd : op.variable_definitions) {
      if (vd.used) continue;
      if (!op.name.empty()) {
        addError(vd.pos, "Variable \"$" + vd.variable + "\" is never used in operation \"" +
                             op.name + "\".");
      } else {
        addError(vd.pos, "Variable \"$" + vd.variable + "\" is never used.");
      }
    }
    // OverlappingFieldsCanBeMerged
    findConflictsWithin(op.selection_set);
    // SingleFieldSubscriptions
    if (s_.subscription && op.operation == "subscription") {
      std::vector<const Selection*> fields;
      std::set<std::string> seen_frags;
      topFields(op.selection_set, fields, seen_frags, 0);
      std::string name =
          op.name.empty() ? "Anonymous Subscription" : "Subscription " + quoteString(op.name);
      if (fields.size() > 1)
        addError(fields[1]->pos, name + " must select only one top level field.");
      for (const Selection* f : fields) {
        if (f->name.rfind("__", 0) == 0)
          addError(f->pos, name + " must not select an introspection top level field.");
      }
    }
    // UniqueOperationNames
    if (seen_operations_.count(op.name)) {
      addError(op.pos, "There can be only one operation named \"" + op.name + "\".");
    }
    seen_operations_.insert(op.name);
    // UniqueVariableNames
    {
      std::map<std::string, int> seen;
      for (const auto& vd : op.variable_definitions) {
        if (++seen[vd.variable] == 2) {
          addError(vd.pos, "There can be only one variable named \"$" + vd.variable + "\".");
        }
      }
    }
    // VariablesAreInputTypes
    for (const auto& vd : op.variable_definitions) {
      if (vd.definition && !vd.definition->isInput()) {
        addError(vd.pos, "Variable \"$" + vd.variable + "\" cannot be non-input type \"" +
                             vd.type->str() + "\".");
      }
    }
  }

  // ---- rule helpers ----
  void uniqueArgs(const std::vector<Argument>& args, Pos pos) {
    std::set<std::string> seen;
    for (const auto& a : args) {
      if (seen.count(a.name))
        addError(pos, "There can be only one argument named \"" + a.name + "\".");
      seen.insert(a.name);
    }
  }

  bool possibleSpread(const Definition* parent, const std::string& fragment_type) {
    if (!parent) return true;
    std::vector<const Definition*> parents;
    if (parent->kind == "OBJECT") {
      parents.push_back(parent);
    } else if (parent->kind == "INTERFACE" || parent->kind == "UNION") {
      parents = s_.possibleTypes(*parent);
    } else {
      return true;
    }
    const Definition* frag = s_.type(fragment_type);
    if (!frag || !frag->isComposite()) return true;
    for (const Definition* fd : s_.possibleTypes(*frag)) {
      for (const Definition* pd : parents) {
        if (fd && pd && fd->name == pd->name) return true;
      }
    }
    return false;
  }

  static void collectSpreads(const std::vector<Selection>& set, std::vector<const Selection*>& out,
                             int depth) {
    if (depth > kMaxNesting) return;
    for (const auto& sel : set) {
      if (sel.kind == SelectionKind::FragmentSpread) {
        out.push_back(&sel);
      } else {
        collectSpreads(sel.selection_set, out, depth + 1);
      }
    }
  }

  void detectCycles(const FragmentDefinition& frag, std::vector<const Selection*>& path,
                    std::map<std::string, size_t>& index, int depth) {
    if (visited_fragments_.count(frag.name) || depth > kMaxNesting) return;
    visited_fragments_.insert(frag.name);
    std::vector<const Selection*> spreads;
    collectSpreads(frag.selection_set, spreads, 0);
    if (spreads.empty()) return;
    index[frag.name] = path.size();
    for (const Selection* spread : spreads) {
      auto it = index.find(spread->name);
      path.push_back(spread);
      if (it == index.end()) {
        if (const FragmentDefinition* next = doc_.fragment(spread->name))
          detectCycles(*next, path, index, depth + 1);
      } else {
        std::string via;
        for (size_t i = it->second; i + 1 < path.size(); ++i) {
          via += (via.empty() ? " via " : ", ") + std::string("\"") + path[i]->name + "\"";
        }
        addError(spread->pos,
                 "Cannot spread fragment \"" + spread->name + "\" within itself" + via + ".");
      }
      path.pop_back();
    }
    index.erase(frag.name);
  }

  void topFields(const std::vector<Selection>& set, std::vector<const Selection*>& out,
                 std::set<std::string>& frags, int depth) {
    if (depth > kMaxNesting) return;
    for (const auto& sel : set) {
      if (sel.kind == SelectionKind::Field) {
        bool dup = std::any_of(out.begin(), out.end(),
                               [&](const Selection* f) { return f->name == sel.name; });
        if (!dup) out.push_back(&sel);
      } else if (sel.kind == SelectionKind::InlineFragment) {
        topFields(sel.selection_set, out, frags, depth + 1);
      } else if (const FragmentDefinition* fd = doc_.fragment(sel.name);
                 fd && !frags.count(sel.name)) {
        frags.insert(sel.name);
        topFields(fd->selection_set, out, frags, depth + 1);
      }
    }
  }

  void valuesOfCorrectType(const GValue& v) {
    if (!v.definition || !v.expected_type) return;
    const Definition& def = *v.definition;
    if (def.kind == "SCALAR" && def.name != "Int" && def.name != "Float" && def.name != "String" &&
        def.name != "Boolean" && def.name != "ID") {
      return;
    }
    auto unexpected = [&] {
      std::string t = v.expected_type->str();
      std::string msg;
      if (t == "Int" || t == "Int!") {
        msg = "Int cannot represent non-integer value: " + v.str();
        if (v.kind == ValueKind::Int)
          msg = "Int cannot represent non 32-bit signed integer value: " + v.str();
      } else if (t == "String" || t == "String!" || t == "[String]") {
        msg = "String cannot represent a non string value: " + v.str();
      } else if (t == "Boolean" || t == "Boolean!") {
        msg = "Boolean cannot represent a non boolean value: " + v.str();
      } else if (t == "Float" || t == "Float!") {
        msg = "Float cannot represent non numeric value: " + v.str();
      } else if (t == "ID" || t == "ID!") {
        msg = "ID cannot represent a non-string and non-integer value: " + v.str();
      } else if (def.kind == "ENUM") {
        msg = "Enum \"" + def.name + "\" cannot represent non-enum value: " + v.str() + ".";
      } else {
        msg = "Expected value of type \"" + t + "\", found " + v.str() + ".";
      }
      addError(v.pos, msg);
    };
    switch (v.kind) {
      case ValueKind::Null:
        if (v.expected_type->non_null) unexpected();
        break;
      case ValueKind::List:
        if (!v.expected_type->elem) unexpected();
        break;
      case ValueKind::Int: {
        if (def.name != "Int" && def.name != "Float" && def.name != "ID") {
          unexpected();
        } else if (def.name == "Int") {
          errno = 0;
          char* end = nullptr;
          long long n = std::strtoll(v.raw.c_str(), &end, 10);
          if (errno == ERANGE || n < INT32_MIN || n > INT32_MAX) unexpected();
        }
        break;
      }
      case ValueKind::Float:
        if (def.name != "Float") unexpected();
        break;
      case ValueKind::String:
      case ValueKind::Block:
        if (def.kind == "ENUM") {
          addError(v.pos,
                   "Enum \"" + def.name + "\" cannot represent non-enum value: " + v.str() + ".");
        } else if (def.name != "String" && def.name != "ID") {
          unexpected();
        }
        break;
      case ValueKind::Enum: {
        bool known = false;
        if (def.kind == "ENUM") {
          for (const auto& ev : def.enum_values)
            known = known || ev.name == v.raw;
        }
        if (!known) {
          if (def.kind == "ENUM") {
            addError(v.pos,
                     "Value \"" + v.str() + "\" does not exist in \"" + def.name + "\" enum.");
          } else {
            unexpected();
          }
        }
        break;
      }
      case ValueKind::Boolean:
        if (def.name != "Boolean") unexpected();
        break;
      case ValueKind::Object: {
        for (const auto& field : def.fields) {
          if (field.type && field.type->non_null) {
            bool present = std::any_of(v.children.begin(), v.children.end(),
                                       [&](const ChildValue& c) { return c.name == field.name; });
            if (!present && !field.default_value) {
              addError(v.pos, "Field \"" + def.name + "." + field.name + "\" of required type \"" +
                                  field.type->str() + "\" was not provided.");
            }
          }
        }
        for (const auto& c : v.children) {
          if (!def.field(c.name)) {
            addError(c.pos,
                     "Field \"" + c.name + "\" is not defined by type \"" + def.name + "\".");
          }
        }
        break;
      }
      case ValueKind::Variable:
        break;
    }
  }

  // ---- OverlappingFieldsCanBeMerged (graphql-js's algorithm, without its caches) ----
  struct FieldEntry {
    const Definition* parent;
    const Selection* field;
  };
  using FieldMap = std::vector<std::pair<std::string, std::vector<FieldEntry>>>;

  void collectFields(const Definition* parent, const std::vector<Selection>& set, FieldMap& out,
                     std::set<std::string>& frags, int depth) {
    if (depth > kMaxNesting) return;
    for (const auto& sel : set) {
      if (sel.kind == SelectionKind::Field) {
        const std::string& key = sel.alias.empty() ? sel.name : sel.alias;
        auto it =
            std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == key; });
        if (it == out.end()) {
          out.emplace_back(key, std::vector<FieldEntry>{});
          it = out.end() - 1;
        }
        it->second.push_back({parent, &sel});
      } else if (sel.kind == SelectionKind::InlineFragment) {
        const Definition* next = sel.type_condition.empty() ? parent : s_.type(sel.type_condition);
        collectFields(next, sel.selection_set, out, frags, depth + 1);
      } else if (const FragmentDefinition* fd = doc_.fragment(sel.name);
                 fd && !frags.count(sel.name)) {
        frags.insert(sel.name);
        collectFields(s_.type(fd->type_condition), fd->selection_set, out, frags, depth + 1);
      }
    }
  }

  static bool sameArguments(const Selection& a, const Selection& b) {
    if (a.arguments.size() != b.arguments.size()) return false;
    for (const auto& x : a.arguments) {
      auto it = std::find_if(b.arguments.begin(), b.arguments.end(),
                             [&](const Argument& y) { return y.name == x.name; });
      if (it == b.arguments.end()) return false;
      std::string xs = x.value ? x.value->str() : "";
      std::string ys = it->value ? it->value->str() : "";
      if (xs != ys) return false;
    }
    return true;
  }

  bool typesConflict(const Type* t1, const Type* t2, int depth) {
    if (!t1 || !t2 || depth > kMaxNesting) return false;
    if (t1->elem) return t2->elem ? typesConflict(t1->elem.get(), t2->elem.get(), depth + 1) : true;
    if (t2->elem) return true;
    if (t1->non_null || t2->non_null) {
      if (t1->non_null != t2->non_null) return true;
    }
    const Definition* d1 = s_.type(t1->named);
    const Definition* d2 = s_.type(t2->named);
    if ((d1 && d1->isLeaf()) || (d2 && d2->isLeaf())) return t1->named != t2->named;
    return false;
  }

  // Returns the reason two same-named fields conflict, or "" when they merge.
  std::string fieldConflict(bool parents_exclusive, const FieldEntry& a, const FieldEntry& b,
                            int depth) {
    if (depth > kMaxNesting) return "";
    bool exclusive =
        parents_exclusive || (a.parent != b.parent && a.parent && b.parent &&
                              a.parent->kind == "OBJECT" && b.parent->kind == "OBJECT");
    if (!exclusive) {
      if (a.field->name != b.field->name) {
        return a.field->name + " and " + b.field->name + " are different fields";
      }
      if (!sameArguments(*a.field, *b.field)) return "they have differing arguments";
    }
    const Type* t1 = a.field->definition ? a.field->definition->type.get() : nullptr;
    const Type* t2 = b.field->definition ? b.field->definition->type.get() : nullptr;
    if (t1 && t2 && typesConflict(t1, t2, 0)) {
      return "they return conflicting types \"" + t1->str() + "\" and \"" + t2->str() + "\"";
    }
    if (!a.field->selection_set.empty() && !b.field->selection_set.empty()) {
      FieldMap m1, m2;
      std::set<std::string> f1, f2;
      collectFields(t1 ? s_.type(t1->name()) : nullptr, a.field->selection_set, m1, f1, 0);
      collectFields(t2 ? s_.type(t2->name()) : nullptr, b.field->selection_set, m2, f2, 0);
      for (const auto& entry : m1) {
        const std::string& key = entry.first;
        const auto& list1 = entry.second;
        auto it = std::find_if(m2.begin(), m2.end(), [&](const auto& e) { return e.first == key; });
        if (it == m2.end()) continue;
        for (const auto& x : list1) {
          for (const auto& y : it->second) {
            std::string why = fieldConflict(exclusive, x, y, depth + 1);
            if (!why.empty()) return "subfields \"" + key + "\" conflict because " + why;
          }
        }
      }
    }
    return "";
  }

  void findConflictsWithin(const std::vector<Selection>& set) {
    if (set.empty()) return;
    FieldMap fields;
    std::set<std::string> frags;
    collectFields(nullptr, set, fields, frags, 0);
    // The parent type of top-level fields is their annotated object definition.
    for (auto& [key, list] : fields) {
      for (auto& e : list) {
        if (!e.parent) e.parent = e.field->object_definition;
      }
    }
    for (const auto& [key, list] : fields) {
      for (size_t i = 0; i < list.size(); ++i) {
        for (size_t j = i + 1; j < list.size(); ++j) {
          std::string why = fieldConflict(false, list[i], list[j], 0);
          if (!why.empty()) {
            std::pair<const Selection*, const Selection*> pair{list[i].field, list[j].field};
            if (reported_conflicts_.count(pair)) continue;
            reported_conflicts_.insert(pair);
            addError(list[j].field->pos,
                     "Fields \"" + key + "\" conflict because " + why +
                         ". Use different aliases on the fields to fetch both if this was "
                         "intentional.");
          }
        }
      }
    }
  }

  const Schema& s_;
  QueryDocument& doc_;
  std::vector<GqlError> errors_;
  OperationDefinition* current_ = nullptr;
  std::set<std::string> validated_spreads_;
  bool in_fragment_definition_ = false;
  std::set<std::string> fragment_used_;
  std::set<std::string> seen_fragments_;
  std::set<std::string> seen_operations_;
  std::set<std::string> visited_fragments_;
  std::set<std::tuple<std::string, int, int>> misplaced_;
  std::set<std::pair<const Selection*, const Selection*>> reported_conflicts_;
};

}  // namespace

std::vector<GqlError> validateQuery(const Schema& schema, QueryDocument& doc) {
  return Validator(schema, doc).run();
}

}  // namespace meshgate::rego::graphql
