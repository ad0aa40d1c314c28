// SPDX-License-Identifier: Apache-2.0
// GraphQL AST <-> Rego values (see convert.h for the rules followed).
#include "rego/graphql/convert.h"

#include <cctype>
#include <functional>

#include "rego/graphql/parser.h"

namespace meshgate::rego::graphql {
namespace {

// ---------------------------------------------------------------- to values

class Obj {
 public:
  Obj& str(const char* k, const std::string& v) { return put(k, Value::string(v)); }
  Obj& boolean(const char* k, bool v) { return put(k, Value::boolean(v)); }
  Obj& num(const char* k, int64_t v) { return put(k, Value::integer(v)); }
  // Nested values are kept only when present and non-empty (OPA's pruning).
  Obj& nested(const char* k, Value v) {
    if (v.isDefined() && !v.isNull() && !(v.isCollection() && v.size() == 0)) put(k, std::move(v));
    return *this;
  }
  template <typename T, typename F>
  Obj& list(const char* k, const std::vector<T>& items, F fn) {
    std::vector<Value> out;
    out.reserve(items.size());
    for (const auto& it : items) {
      Value v = fn(it);
      if (v.isDefined() && !v.isNull() && !(v.isCollection() && v.size() == 0))
        out.push_back(std::move(v));
    }
    if (!out.empty()) put(k, Value::array(std::move(out)));
    return *this;
  }
  Value build() { return Value::object(std::move(entries_)); }

 private:
  Obj& put(const char* k, Value v) {
    entries_.push_back(ObjectEntry{Value::string(k), std::move(v)});
    return *this;
  }
  std::vector<ObjectEntry> entries_;
};

Value strv(const std::string& s) {
  return Value::string(s);
}

Value typeValue(const std::shared_ptr<Type>& t) {
  if (!t) return Value::undefined();
  return Obj()
      .str("NamedType", t->named)
      .boolean("NonNull", t->non_null)
      .nested("Elem", typeValue(t->elem))
      .build();
}

Value gvalue(const std::shared_ptr<GValue>& v) {
  if (!v) return Value::undefined();
  return Obj()
      .str("Raw", v->raw)
      .num("Kind", static_cast<int64_t>(v->kind))
      .boolean("ExpectedTypeHasDefault", v->expected_type_has_default)
      .list("Children", v->children,
            [](const ChildValue& c) {
              return Obj().str("Name", c.name).nested("Value", gvalue(c.value)).build();
            })
      .build();
}

Value argumentValue(const Argument& a) {
  return Obj().str("Name", a.name).nested("Value", gvalue(a.value)).build();
}

Value directiveValue(const Directive& d) {
  return Obj()
      .str("Name", d.name)
      .str("Location", d.location)
      .list("Arguments", d.arguments, argumentValue)
      .build();
}

Value varDefValue(const VariableDefinition& vd) {
  return Obj()
      .str("Variable", vd.variable)
      .nested("Type", typeValue(vd.type))
      .nested("DefaultValue", gvalue(vd.default_value))
      .list("Directives", vd.directives, directiveValue)
      .boolean("Used", vd.used)
      .build();
}

Value selectionValue(const Selection& s) {
  Obj o;
  switch (s.kind) {
    case SelectionKind::Field:
      o.str("Alias", s.alias).str("Name", s.name).list("Arguments", s.arguments, argumentValue);
      break;
    case SelectionKind::FragmentSpread:
      o.str("Name", s.name);
      break;
    case SelectionKind::InlineFragment:
      o.str("TypeCondition", s.type_condition);
      break;
  }
  o.list("Directives", s.directives, directiveValue);
  if (s.kind != SelectionKind::FragmentSpread)
    o.list("SelectionSet", s.selection_set, selectionValue);
  return o.build();
}

Value fieldDefValue(const FieldDefinition& f) {
  return Obj()
      .str("Description", f.description)
      .str("Name", f.name)
      .list("Arguments", f.arguments, fieldDefValue)
      .nested("DefaultValue", gvalue(f.default_value))
      .nested("Type", typeValue(f.type))
      .list("Directives", f.directives, directiveValue)
      .build();
}

Value definitionValue(const Definition& d) {
  return Obj()
      .str("Kind", d.kind)
      .str("Description", d.description)
      .str("Name", d.name)
      .list("Directives", d.directives, directiveValue)
      .list("Interfaces", d.interfaces, strv)
      .list("Fields", d.fields, fieldDefValue)
      .list("Types", d.types, strv)
      .list("EnumValues", d.enum_values,
            [](const EnumValueDefinition& e) {
              return Obj()
                  .str("Description", e.description)
                  .str("Name", e.name)
                  .list("Directives", e.directives, directiveValue)
                  .build();
            })
      .boolean("BuiltIn", d.built_in)
      .build();
}

Value schemaDefValue(const SchemaDefinition& s) {
  return Obj()
      .str("Description", s.description)
      .list("Directives", s.directives, directiveValue)
      .list("OperationTypes", s.operation_types,
            [](const OperationTypeDefinition& o) {
              return Obj().str("Operation", o.operation).str("Type", o.type).build();
            })
      .build();
}

// -------------------------------------------------------------- from values

bool equalFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

const char* jsonKind(const Value& v) {
  switch (v.kind()) {
    case Kind::Bool:
      return "bool";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
    case Kind::Set:
      return "array";
    case Kind::Object:
      return "object";
    default:
      return "null";
  }
}

class Decoder {
 public:
  bool ok = true;
  std::string err;

  // The value of struct field `name`: the last key equal to it, exact or
  // case-insensitively; nullptr when absent or null.
  const Value* get(const Value& obj, std::string_view name) {
    const Value* found = nullptr;
    for (const auto& e : obj.entries()) {
      if (!e.key.isString()) continue;
      if (e.key.asString() == name || equalFold(e.key.asString(), name)) found = &e.value;
    }
    if (found && found->isNull()) return nullptr;
    return found;
  }

  void fail(const Value& got, const std::string& where, const char* type) {
    if (!ok) return;
    ok = false;
    err = std::string("json: cannot unmarshal ") + jsonKind(got) + " into Go struct field " +
          where + " of type " + type;
  }

  void str(const Value& obj, const char* st, const char* name, std::string* out) {
    if (const Value* v = get(obj, name)) {
      if (v->isString()) {
        *out = std::string(v->asString());
      } else {
        fail(*v, std::string(st) + "." + name, "string");
      }
    }
  }
  void boolean(const Value& obj, const char* st, const char* name, bool* out) {
    if (const Value* v = get(obj, name)) {
      if (v->isBool()) {
        *out = v->asBool();
      } else {
        fail(*v, std::string(st) + "." + name, "bool");
      }
    }
  }
  void strings(const Value& obj, const char* st, const char* name, std::vector<std::string>* out) {
    const Value* v = get(obj, name);
    if (!v) return;
    if (!v->isArray() && !v->isSet()) return fail(*v, std::string(st) + "." + name, "[]string");
    out->clear();
    for (const auto& item : v->items()) {
      if (item.isNull()) {
        out->emplace_back();
      } else if (item.isString()) {
        out->emplace_back(item.asString());
      } else {
        return fail(item, std::string(st) + "." + name, "string");
      }
    }
  }
  template <typename T, typename F>
  void list(const Value& obj, const char* st, const char* name, std::vector<T>* out, F fn) {
    const Value* v = get(obj, name);
    if (!v) return;
    if (!v->isArray() && !v->isSet()) return fail(*v, std::string(st) + "." + name, "[]object");
    out->clear();
    for (const auto& item : v->items()) {
      if (!ok) return;
      if (item.isNull()) continue;
      if (!item.isObject()) return fail(item, std::string(st) + "." + name, "object");
      out->push_back(fn(item));
    }
  }
  bool depthOk() {
    if (++depth_ > kMaxNesting) {
      if (ok) {
        ok = false;
        err = "json: exceeded max depth";
      }
      return false;
    }
    return true;
  }
  void leave() { --depth_; }

  std::shared_ptr<Type> type(const Value& obj, const char* st, const char* name) {
    const Value* v = get(obj, name);
    if (!v) return nullptr;
    if (!v->isObject()) {
      fail(*v, std::string(st) + "." + name, "ast.Type");
      return nullptr;
    }
    auto t = std::make_shared<Type>();
    if (!depthOk()) return t;
    str(*v, "Type", "NamedType", &t->named);
    boolean(*v, "Type", "NonNull", &t->non_null);
    t->elem = type(*v, "Type", "Elem");
    leave();
    return t;
  }

  std::shared_ptr<GValue> gvalue(const Value& obj, const char* st, const char* name) {
    const Value* v = get(obj, name);
    if (!v) return nullptr;
    if (!v->isObject()) {
      fail(*v, std::string(st) + "." + name, "ast.Value");
      return nullptr;
    }
    auto g = std::make_shared<GValue>();
    if (!depthOk()) return g;
    g->kind = ValueKind::Variable;
    str(*v, "Value", "Raw", &g->raw);
    if (const Value* k = get(*v, "Kind")) {
      int64_t n;
      if (!k->isNumber() || !k->toInt64(&n) || n < INT32_MIN || n > INT32_MAX) {
        fail(*k, "Value.Kind", "ast.ValueKind");
      } else if (n < 0 || n > static_cast<int64_t>(ValueKind::Object)) {
        fail(*k, "Value.Kind", "ast.ValueKind");
      } else {
        g->kind = static_cast<ValueKind>(n);
      }
    }
    boolean(*v, "Value", "ExpectedTypeHasDefault", &g->expected_type_has_default);
    list(*v, "Value", "Children", &g->children, [&](const Value& c) {
      ChildValue cv;
      str(c, "ChildValue", "Name", &cv.name);
      cv.value = gvalue(c, "ChildValue", "Value");
      return cv;
    });
    leave();
    return g;
  }

  std::vector<Argument> arguments(const Value& obj, const char* st) {
    std::vector<Argument> out;
    list(obj, st, "Arguments", &out, [&](const Value& a) {
      Argument arg;
      str(a, "Argument", "Name", &arg.name);
      arg.value = gvalue(a, "Argument", "Value");
      return arg;
    });
    return out;
  }

  std::vector<Directive> directives(const Value& obj, const char* st) {
    std::vector<Directive> out;
    list(obj, st, "Directives", &out, [&](const Value& d) {
      Directive dir;
      str(d, "Directive", "Name", &dir.name);
      dir.arguments = arguments(d, "Directive");
      str(d, "Directive", "Location", &dir.location);
      return dir;
    });
    return out;
  }

  std::vector<VariableDefinition> varDefs(const Value& obj, const char* st, const char* name) {
    std::vector<VariableDefinition> out;
    list(obj, st, name, &out, [&](const Value& o) {
      VariableDefinition vd;
      str(o, "VariableDefinition", "Variable", &vd.variable);
      vd.type = type(o, "VariableDefinition", "Type");
      vd.default_value = gvalue(o, "VariableDefinition", "DefaultValue");
      vd.directives = directives(o, "VariableDefinition");
      boolean(o, "VariableDefinition", "Used", &vd.used);
      return vd;
    });
    return out;
  }

  // gqlparser's UnmarshalSelectionSet: each element decodes as the first of
  // Field, FragmentSpread, InlineFragment that accepts it.
  std::vector<Selection> selectionSet(const Value& obj, const char* st) {
    std::vector<Selection> out;
    const Value* v = get(obj, "SelectionSet");
    if (!v) return out;
    if (!v->isArray() && !v->isSet()) {
      fail(*v, std::string(st) + ".SelectionSet", "[]json.RawMessage");
      return out;
    }
    if (!depthOk()) return out;
    for (const auto& item : v->items()) {
      if (!ok) break;
      Selection sel;
      if (!item.isObject()) {
        fail(item, "SelectionSet", "ast.Selection");
        break;
      }
      if (trySelection(item, SelectionKind::Field, &sel) ||
          trySelection(item, SelectionKind::FragmentSpread, &sel) ||
          trySelection(item, SelectionKind::InlineFragment, &sel)) {
        out.push_back(std::move(sel));
      } else {
        if (ok) {
          ok = false;
          err = "json: cannot unmarshal object into Go value of type ast.Selection";
        }
        break;
      }
    }
    leave();
    return out;
  }

  bool trySelection(const Value& item, SelectionKind kind, Selection* sel) {
    Decoder sub;
    sub.depth_ = depth_;
    Selection s;
    s.kind = kind;
    switch (kind) {
      case SelectionKind::Field:
        sub.str(item, "Field", "Alias", &s.alias);
        sub.str(item, "Field", "Name", &s.name);
        s.arguments = sub.arguments(item, "Field");
        s.directives = sub.directives(item, "Field");
        s.selection_set = sub.selectionSet(item, "Field");
        break;
      case SelectionKind::FragmentSpread:
        sub.str(item, "FragmentSpread", "Name", &s.name);
        s.directives = sub.directives(item, "FragmentSpread");
        break;
      case SelectionKind::InlineFragment:
        sub.str(item, "InlineFragment", "TypeCondition", &s.type_condition);
        s.directives = sub.directives(item, "InlineFragment");
        s.selection_set = sub.selectionSet(item, "InlineFragment");
        break;
    }
    if (!sub.ok) return false;
    *sel = std::move(s);
    return true;
  }

  FieldDefinition fieldDef(const Value& o, const char* st) {
    FieldDefinition f;
    if (!depthOk()) return f;
    str(o, st, "Description", &f.description);
    str(o, st, "Name", &f.name);
    list(o, st, "Arguments", &f.arguments,
         [&](const Value& a) { return fieldDef(a, "ArgumentDefinition"); });
    f.default_value = gvalue(o, st, "DefaultValue");
    f.type = type(o, st, "Type");
    f.directives = directives(o, st);
    leave();
    return f;
  }

  Definition definition(const Value& o) {
    Definition d;
    str(o, "Definition", "Kind", &d.kind);
    str(o, "Definition", "Description", &d.description);
    str(o, "Definition", "Name", &d.name);
    d.directives = directives(o, "Definition");
    strings(o, "Definition", "Interfaces", &d.interfaces);
    list(o, "Definition", "Fields", &d.fields,
         [&](const Value& f) { return fieldDef(f, "FieldDefinition"); });
    strings(o, "Definition", "Types", &d.types);
    list(o, "Definition", "EnumValues", &d.enum_values, [&](const Value& e) {
      EnumValueDefinition ev;
      str(e, "EnumValueDefinition", "Description", &ev.description);
      str(e, "EnumValueDefinition", "Name", &ev.name);
      ev.directives = directives(e, "EnumValueDefinition");
      return ev;
    });
    boolean(o, "Definition", "BuiltIn", &d.built_in);
    return d;
  }

  SchemaDefinition schemaDef(const Value& o) {
    SchemaDefinition s;
    str(o, "SchemaDefinition", "Description", &s.description);
    s.directives = directives(o, "SchemaDefinition");
    list(o, "SchemaDefinition", "OperationTypes", &s.operation_types, [&](const Value& t) {
      OperationTypeDefinition ot;
      str(t, "OperationTypeDefinition", "Operation", &ot.operation);
      str(t, "OperationTypeDefinition", "Type", &ot.type);
      return ot;
    });
    return s;
  }

 private:
  int depth_ = 0;
};

bool hasNonStringKeys(const Value& v, int depth) {
  if (depth > kMaxNesting) return true;
  if (v.isObject()) {
    for (const auto& e : v.entries()) {
      if (!e.key.isString() || hasNonStringKeys(e.value, depth + 1)) return true;
    }
  } else if (v.isArray() || v.isSet()) {
    for (const auto& item : v.items()) {
      if (hasNonStringKeys(item, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

Value toValue(const QueryDocument& doc) {
  return Obj()
      .list("Operations", doc.operations,
            [](const OperationDefinition& op) {
              return Obj()
                  .str("Operation", op.operation)
                  .str("Name", op.name)
                  .list("VariableDefinitions", op.variable_definitions, varDefValue)
                  .list("Directives", op.directives, directiveValue)
                  .list("SelectionSet", op.selection_set, selectionValue)
                  .build();
            })
      .list("Fragments", doc.fragments,
            [](const FragmentDefinition& f) {
              return Obj()
                  .str("Name", f.name)
                  .list("VariableDefinition", f.variable_definition, varDefValue)
                  .str("TypeCondition", f.type_condition)
                  .list("Directives", f.directives, directiveValue)
                  .list("SelectionSet", f.selection_set, selectionValue)
                  .build();
            })
      .build();
}

Value toValue(const SchemaDocument& doc) {
  return Obj()
      .list("Schema", doc.schema, schemaDefValue)
      .list("SchemaExtension", doc.schema_extension, schemaDefValue)
      .list("Directives", doc.directives,
            [](const DirectiveDefinition& d) {
              return Obj()
                  .str("Description", d.description)
                  .str("Name", d.name)
                  .list("Arguments", d.arguments, fieldDefValue)
                  .list("Locations", d.locations, strv)
                  .boolean("IsRepeatable", d.is_repeatable)
                  .build();
            })
      .list("Definitions", doc.definitions, definitionValue)
      .list("Extensions", doc.extensions, definitionValue)
      .build();
}

bool fromValue(const Value& v, QueryDocument* out, std::string* err) {
  if (hasNonStringKeys(v, 0)) {
    *err = "json: unsupported object key type";
    return false;
  }
  Decoder d;
  d.list(v, "QueryDocument", "Operations", &out->operations, [&](const Value& o) {
    OperationDefinition op;
    d.str(o, "OperationDefinition", "Operation", &op.operation);
    d.str(o, "OperationDefinition", "Name", &op.name);
    op.variable_definitions = d.varDefs(o, "OperationDefinition", "VariableDefinitions");
    op.directives = d.directives(o, "OperationDefinition");
    op.selection_set = d.selectionSet(o, "OperationDefinition");
    return op;
  });
  d.list(v, "QueryDocument", "Fragments", &out->fragments, [&](const Value& o) {
    FragmentDefinition f;
    d.str(o, "FragmentDefinition", "Name", &f.name);
    f.variable_definition = d.varDefs(o, "FragmentDefinition", "VariableDefinition");
    d.str(o, "FragmentDefinition", "TypeCondition", &f.type_condition);
    f.directives = d.directives(o, "FragmentDefinition");
    f.selection_set = d.selectionSet(o, "FragmentDefinition");
    return f;
  });
  if (!d.ok) *err = d.err;
  return d.ok;
}

bool fromValue(const Value& v, SchemaDocument* out, std::string* err) {
  if (hasNonStringKeys(v, 0)) {
    *err = "json: unsupported object key type";
    return false;
  }
  Decoder d;
  d.list(v, "SchemaDocument", "Schema", &out->schema,
         [&](const Value& o) { return d.schemaDef(o); });
  d.list(v, "SchemaDocument", "SchemaExtension", &out->schema_extension,
         [&](const Value& o) { return d.schemaDef(o); });
  d.list(v, "SchemaDocument", "Directives", &out->directives, [&](const Value& o) {
    DirectiveDefinition dd;
    d.str(o, "DirectiveDefinition", "Description", &dd.description);
    d.str(o, "DirectiveDefinition", "Name", &dd.name);
    d.list(o, "DirectiveDefinition", "Arguments", &dd.arguments,
           [&](const Value& a) { return d.fieldDef(a, "ArgumentDefinition"); });
    d.strings(o, "DirectiveDefinition", "Locations", &dd.locations);
    d.boolean(o, "DirectiveDefinition", "IsRepeatable", &dd.is_repeatable);
    return dd;
  });
  d.list(v, "SchemaDocument", "Definitions", &out->definitions,
         [&](const Value& o) { return d.definition(o); });
  d.list(v, "SchemaDocument", "Extensions", &out->extensions,
         [&](const Value& o) { return d.definition(o); });
  if (!d.ok) *err = d.err;
  return d.ok;
}

}  // namespace meshgate::rego::graphql
