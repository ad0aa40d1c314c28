// SPDX-License-Identifier: Apache-2.0
// Schema construction and SDL validation with gqlparser's rules and messages.
#include "rego/graphql/schema.h"

#include <algorithm>

#include "rego/graphql/parser.h"
#include "rego/value/json.h"

namespace meshgate::rego::graphql {
namespace {

// The types, directives and introspection schema every GraphQL schema includes.
constexpr const char* kPrelude = R"(
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID

directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR

type __Schema {
  description: String
  types: [__Type!]!
  queryType: __Type!
  mutationType: __Type
  subscriptionType: __Type
  directives: [__Directive!]!
}

type __Type {
  kind: __TypeKind!
  name: String
  description: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields: [__InputValue!]
  ofType: __Type
  specifiedBy: String
}

type __Field {
  name: String!
  description: String
  args: [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}

type __InputValue {
  name: String!
  description: String
  type: __Type!
  defaultValue: String
}

type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}

enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }

type __Directive {
  name: String!
  description: String
  locations: [__DirectiveLocation!]!
  args: [__InputValue!]!
  isRepeatable: Boolean!
}

enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT
  VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE
  UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION
}
)";

GqlError errAt(Pos pos, std::string msg) {
  GqlError e;
  e.pos = pos;
  e.message = std::move(msg);
  return e;
}

bool validateName(Pos pos, const std::string& name, GqlError* err) {
  if (name.rfind("__", 0) == 0) {
    *err = errAt(pos,
                 "Name \"" + name +
                     "\" must not begin with \"__\", which is reserved by GraphQL introspection.");
    return false;
  }
  return true;
}

bool validateTypeRef(const Schema& s, const std::shared_ptr<Type>& typ, Pos owner, GqlError* err) {
  if (!typ) {
    *err = errAt(owner, "Undefined type .");
    return false;
  }
  if (!s.type(typ->name())) {
    *err = errAt(typ->pos, "Undefined type " + typ->name() + ".");
    return false;
  }
  return true;
}

bool validateDirectives(const Schema& s, const std::vector<Directive>& dirs,
                        const std::string& location, const DirectiveDefinition* current,
                        GqlError* err) {
  for (const auto& dir : dirs) {
    if (!validateName(dir.pos, dir.name, err)) return false;
    if (current && dir.name == current->name) {
      *err = errAt(dir.pos, "Directive " + current->name + " cannot refer to itself.");
      return false;
    }
    const DirectiveDefinition* def = s.directive(dir.name);
    if (!def) {
      *err = errAt(dir.pos, "Undefined directive " + dir.name + ".");
      return false;
    }
    if (std::find(def->locations.begin(), def->locations.end(), location) == def->locations.end()) {
      *err = errAt(dir.pos, "Directive " + dir.name + " is not applicable on " + location + ".");
      return false;
    }
  }
  return true;
}

bool validateArgs(const Schema& s, const std::vector<FieldDefinition>& args,
                  const DirectiveDefinition* current, GqlError* err) {
  for (const auto& arg : args) {
    if (!validateName(arg.pos, arg.name, err)) return false;
    if (!validateTypeRef(s, arg.type, arg.pos, err)) return false;
    const Definition* def = s.type(arg.type->name());
    if (!def->isInput()) {
      *err = errAt(arg.pos, "cannot use " + arg.type->str() + " as argument " + arg.name +
                                " because " + def->kind + " is not a valid input type");
      return false;
    }
    if (!validateDirectives(s, arg.directives, "ARGUMENT_DEFINITION", current, err)) return false;
  }
  return true;
}

bool isCovariant(const Schema& s, const Type* required, const Type* actual, int depth = 0) {
  if (!required || !actual || depth > kMaxNesting) return false;
  if (required->non_null && !actual->non_null) return false;
  if (!required->named.empty()) {
    if (required->named == actual->named) return true;
    auto it = s.possible_types.find(required->named);
    if (it != s.possible_types.end()) {
      for (const Definition* pt : it->second) {
        if (pt && pt->name == actual->named) return true;
      }
    }
    return false;
  }
  if (required->elem && !actual->elem) return false;
  return isCovariant(s, required->elem.get(), actual->elem.get(), depth + 1);
}

const FieldDefinition* argNamed(const std::vector<FieldDefinition>& args, const std::string& name) {
  for (const auto& a : args) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

bool validateImplements(const Schema& s, const Definition& def, const std::string& intf_name,
                        GqlError* err) {
  const Definition* intf = s.type(intf_name);
  if (!intf) {
    *err = errAt(def.pos, "Undefined type " + quoteString(intf_name) + ".");
    return false;
  }
  if (intf->kind != "INTERFACE") {
    *err = errAt(def.pos, quoteString(intf_name) + " is a non interface type " + intf->kind + ".");
    return false;
  }
  for (const auto& required : intf->fields) {
    const FieldDefinition* found = def.field(required.name);
    if (!found) {
      *err = errAt(def.pos, "For " + def.name + " to implement " + intf->name +
                                " it must have a field called " + required.name + ".");
      return false;
    }
    if (!isCovariant(s, required.type.get(), found->type.get())) {
      *err = errAt(found->pos, "For " + def.name + " to implement " + intf->name + " the field " +
                                   required.name + " must have type " +
                                   (required.type ? required.type->str() : "") + ".");
      return false;
    }
    for (const auto& req_arg : required.arguments) {
      const FieldDefinition* found_arg = argNamed(found->arguments, req_arg.name);
      if (!found_arg) {
        *err = errAt(found->pos, "For " + def.name + " to implement " + intf->name + " the field " +
                                     required.name +
                                     " must have the same arguments but it is missing " +
                                     req_arg.name + ".");
        return false;
      }
      if (!req_arg.type || !found_arg->type || !req_arg.type->isCompatible(*found_arg->type)) {
        *err = errAt(found_arg->pos, "For " + def.name + " to implement " + intf->name +
                                         " the field " + required.name +
                                         " must have the same arguments but " + req_arg.name +
                                         " has the wrong type.");
        return false;
      }
    }
    for (const auto& extra : found->arguments) {
      if (!argNamed(required.arguments, extra.name) && extra.type && extra.type->non_null &&
          !extra.default_value) {
        *err = errAt(extra.pos, "For " + def.name + " to implement " + intf->name +
                                    " any additional arguments on " + found->name +
                                    " must be optional or have a default value but " + extra.name +
                                    " is required.");
        return false;
      }
    }
  }
  for (const auto& transitive : intf->interfaces) {
    if (std::find(def.interfaces.begin(), def.interfaces.end(), transitive) ==
        def.interfaces.end()) {
      if (transitive == def.name) {
        *err = errAt(def.pos, "Type " + def.name + " cannot implement " + intf_name +
                                  " because it would create a circular reference.");
      } else {
        *err = errAt(def.pos, "Type " + def.name + " must implement " + transitive +
                                  " because it is implemented by " + intf_name + ".");
      }
      return false;
    }
  }
  return true;
}

bool validKind(const std::string& kind, std::initializer_list<const char*> valid) {
  for (const char* k : valid) {
    if (kind == k) return true;
  }
  return false;
}

bool validateDefinition(const Schema& s, const Definition& def, GqlError* err) {
  for (const auto& field : def.fields) {
    if (!validateName(field.pos, field.name, err)) return false;
    if (!validateTypeRef(s, field.type, field.pos, err)) return false;
    if (!validateArgs(s, field.arguments, nullptr, err)) return false;
    std::string loc = def.kind == "INPUT_OBJECT" ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION";
    if (!validateDirectives(s, field.directives, loc, nullptr, err)) return false;
  }
  for (const auto& typ : def.types) {
    const Definition* t = s.type(typ);
    if (!t) {
      *err = errAt(def.pos, "Undefined type " + quoteString(typ) + ".");
      return false;
    }
    if (t->kind != "OBJECT") {
      *err = errAt(def.pos, def.kind + " type " + quoteString(typ) + " must be OBJECT.");
      return false;
    }
  }
  for (const auto& intf : def.interfaces) {
    if (!validateImplements(s, def, intf, err)) return false;
  }
  if (def.kind == "OBJECT" || def.kind == "INTERFACE") {
    if (def.fields.empty()) {
      *err = errAt(def.pos, def.kind + " " + def.name + ": must define one or more fields.");
      return false;
    }
    for (const auto& field : def.fields) {
      const Definition* t = s.type(field.type->name());
      if (t && !validKind(t->kind, {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM"})) {
        *err =
            errAt(field.pos, def.kind + " " + def.name +
                                 ": field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.");
        return false;
      }
    }
  } else if (def.kind == "ENUM") {
    if (def.enum_values.empty()) {
      *err = errAt(def.pos,
                   def.kind + " " + def.name + ": must define one or more unique enum values.");
      return false;
    }
    for (const auto& v : def.enum_values) {
      if (v.name == "true" || v.name == "false" || v.name == "null") {
        *err = errAt(def.pos, def.kind + " " + def.name + ": non-enum value " + v.name + ".");
        return false;
      }
    }
  } else if (def.kind == "INPUT_OBJECT") {
    if (def.fields.empty()) {
      *err = errAt(def.pos, def.kind + " " + def.name + ": must define one or more input fields.");
      return false;
    }
    for (const auto& field : def.fields) {
      const Definition* t = s.type(field.type->name());
      if (t && !validKind(t->kind, {"SCALAR", "ENUM", "INPUT_OBJECT"})) {
        *err = errAt(field.pos, t->kind + " " + field.name +
                                    ": field must be one of SCALAR, ENUM, INPUT_OBJECT.");
        return false;
      }
    }
  }
  for (size_t i = 0; i < def.fields.size(); ++i) {
    for (size_t j = i + 1; j < def.fields.size(); ++j) {
      if (def.fields[i].name == def.fields[j].name) {
        *err = errAt(def.fields[j].pos,
                     "Field " + def.name + "." + def.fields[j].name + " can only be defined once.");
        return false;
      }
    }
  }
  if (!def.built_in && !validateName(def.pos, def.name, err)) return false;
  return validateDirectives(s, def.directives, def.kind, nullptr, err);
}

bool applyRoots(Schema* s, const std::vector<OperationTypeDefinition>& ops, GqlError* err) {
  for (const auto& op : ops) {
    const Definition* def = s->type(op.type);
    if (!def) {
      *err = errAt(op.pos, "Schema root " + op.operation + " refers to a type " + op.type +
                               " that does not exist.");
      return false;
    }
    if (op.operation == "query") {
      s->query = def;
    } else if (op.operation == "mutation") {
      s->mutation = def;
    } else if (op.operation == "subscription") {
      s->subscription = def;
    }
  }
  return true;
}

}  // namespace

const SchemaDocument& prelude() {
  static const SchemaDocument* doc = [] {
    auto* d = new SchemaDocument();
    GqlError err;
    if (!parseSchema(kPrelude, d, &err, /*built_in=*/true)) d->definitions.clear();
    return d;
  }();
  return *doc;
}

bool buildSchema(const SchemaDocument& user, Schema* out, GqlError* err) {
  SchemaDocument doc;
  doc.merge(prelude());
  doc.merge(user);
  Schema& s = *out;

  std::vector<Definition*> defs;
  for (const auto& d : doc.definitions) {
    if (s.types.count(d.name)) {
      *err = errAt(d.pos, "Cannot redeclare type " + d.name + ".");
      return false;
    }
    auto p = std::make_shared<Definition>(d);
    s.types[d.name] = p;
    defs.push_back(p.get());
  }
  for (const auto& ext : doc.extensions) {
    auto it = s.types.find(ext.name);
    Definition* def;
    if (it == s.types.end()) {
      auto p = std::make_shared<Definition>();
      p->kind = ext.kind;
      p->name = ext.name;
      p->pos = ext.pos;
      s.types[ext.name] = p;
      def = p.get();
      defs.push_back(def);
    } else {
      def = it->second.get();
    }
    if (def->kind != ext.kind) {
      *err = errAt(ext.pos, "Cannot extend type " + ext.name + " because the base type is a " +
                                def->kind + ", not " + ext.kind + ".");
      return false;
    }
    def->directives.insert(def->directives.end(), ext.directives.begin(), ext.directives.end());
    def->interfaces.insert(def->interfaces.end(), ext.interfaces.begin(), ext.interfaces.end());
    def->fields.insert(def->fields.end(), ext.fields.begin(), ext.fields.end());
    def->types.insert(def->types.end(), ext.types.begin(), ext.types.end());
    def->enum_values.insert(def->enum_values.end(), ext.enum_values.begin(), ext.enum_values.end());
  }
  for (const Definition* def : defs) {
    if (def->kind == "UNION") {
      for (const auto& t : def->types)
        s.possible_types[def->name].push_back(s.type(t));
    } else if (def->kind == "INPUT_OBJECT" || def->kind == "OBJECT") {
      for (const auto& intf : def->interfaces)
        s.possible_types[intf].push_back(def);
      s.possible_types[def->name].push_back(def);
    } else if (def->kind == "INTERFACE") {
      for (const auto& intf : def->interfaces)
        s.possible_types[intf].push_back(def);
    }
  }
  for (const auto& dir : doc.directives) {
    if (s.directives.count(dir.name)) {
      if (dir.name == "include" || dir.name == "skip" || dir.name == "deprecated" ||
          dir.name == "specifiedBy") {
        continue;
      }
      *err = errAt(dir.pos, "Cannot redeclare directive " + dir.name + ".");
      return false;
    }
    s.directives[dir.name] = std::make_shared<DirectiveDefinition>(dir);
  }
  if (doc.schema.size() > 1) {
    *err = errAt(doc.schema[1].pos,
                 "Cannot have multiple schema entry points, consider schema extensions instead.");
    return false;
  }
  if (doc.schema.size() == 1 && !applyRoots(&s, doc.schema[0].operation_types, err)) return false;
  for (const auto& ext : doc.schema_extension) {
    if (!applyRoots(&s, ext.operation_types, err)) return false;
  }
  // Type definitions, then directive definitions, in name order.
  for (const auto& [name, def] : s.types) {
    (void)name;
    if (!validateDefinition(s, *def, err)) return false;
  }
  for (const auto& [name, dir] : s.directives) {
    if (!validateName(dir->pos, dir->name, err)) return false;
    if (!validateArgs(s, dir->arguments, dir.get(), err)) return false;
  }
  if (doc.schema.empty()) {
    if (!s.query) s.query = s.type("Query");
    if (!s.mutation) s.mutation = s.type("Mutation");
    if (!s.subscription) s.subscription = s.type("Subscription");
  }
  if (s.query) {
    auto& q = *s.types[s.query->name];
    FieldDefinition schema_field;
    schema_field.name = "__schema";
    schema_field.type = std::make_shared<Type>();
    schema_field.type->named = "__Schema";
    schema_field.type->non_null = true;
    FieldDefinition type_field;
    type_field.name = "__type";
    type_field.type = std::make_shared<Type>();
    type_field.type->named = "__Type";
    FieldDefinition name_arg;
    name_arg.name = "name";
    name_arg.type = std::make_shared<Type>();
    name_arg.type->named = "String";
    name_arg.type->non_null = true;
    type_field.arguments.push_back(std::move(name_arg));
    q.fields.push_back(std::move(schema_field));
    q.fields.push_back(std::move(type_field));
  }
  return true;
}

}  // namespace meshgate::rego::graphql
