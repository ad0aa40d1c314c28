// SPDX-License-Identifier: Apache-2.0
// Small helpers of the GraphQL AST: type notation, value printing, lookups.
#include "rego/graphql/ast.h"

#include "rego/value/json.h"

namespace meshgate::rego::graphql {

std::string GqlError::text() const {
  std::string out = file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
  out += ": " + message;
  return out;
}

std::string Type::str() const {
  std::string out = elem ? "[" + elem->str() + "]" : named;
  if (non_null) out += "!";
  return out;
}

bool Type::isCompatible(const Type& other) const {
  if (named != other.named) return false;
  if (elem && !other.elem) return false;
  if (elem && !elem->isCompatible(*other.elem)) return false;
  if (other.non_null) return non_null;
  return true;
}

std::string GValue::str() const {
  switch (kind) {
    case ValueKind::Variable:
      return "$" + raw;
    case ValueKind::Int:
    case ValueKind::Float:
    case ValueKind::Enum:
    case ValueKind::Boolean:
    case ValueKind::Null:
      return raw;
    case ValueKind::String:
    case ValueKind::Block:
      return quoteString(raw);
    case ValueKind::List: {
      std::string out = "[";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out += ",";
        out += children[i].value ? children[i].value->str() : "<nil>";
      }
      return out + "]";
    }
    case ValueKind::Object: {
      std::string out = "{";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out += ",";
        out += children[i].name + ":" + (children[i].value ? children[i].value->str() : "<nil>");
      }
      return out + "}";
    }
  }
  return "";
}

const FragmentDefinition* QueryDocument::fragment(const std::string& name) const {
  for (const auto& f : fragments) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FieldDefinition* Definition::field(const std::string& n) const {
  for (const auto& f : fields) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

void SchemaDocument::merge(const SchemaDocument& other) {
  schema.insert(schema.end(), other.schema.begin(), other.schema.end());
  schema_extension.insert(schema_extension.end(), other.schema_extension.begin(),
                          other.schema_extension.end());
  directives.insert(directives.end(), other.directives.begin(), other.directives.end());
  definitions.insert(definitions.end(), other.definitions.begin(), other.definitions.end());
  extensions.insert(extensions.end(), other.extensions.begin(), other.extensions.end());
}

const Definition* Schema::type(const std::string& name) const {
  auto it = types.find(name);
  return it == types.end() ? nullptr : it->second.get();
}

const DirectiveDefinition* Schema::directive(const std::string& name) const {
  auto it = directives.find(name);
  return it == directives.end() ? nullptr : it->second.get();
}

std::vector<const Definition*> Schema::possibleTypes(const Definition& def) const {
  std::vector<const Definition*> out;
  if (def.kind == "UNION") {
    for (const auto& t : def.types)
      out.push_back(type(t));
    return out;
  }
  auto it = possible_types.find(def.name);
  if (it != possible_types.end()) out = it->second;
  return out;
}

}  // namespace meshgate::rego::graphql
