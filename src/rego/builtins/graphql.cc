// SPDX-License-Identifier: Apache-2.0
// GraphQL: graphql.parse, parse_and_verify, parse_query, parse_schema,
// is_valid, schema_is_valid (documents as strings or as parsed AST objects).
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/graphql/convert.h"
#include "rego/graphql/parser.h"
#include "rego/graphql/schema.h"

namespace meshgate::rego {
namespace {

namespace gql = graphql;

// OPA's rewrite of a gqlparser error text "input:L:C: msg" (possibly several
// lines) into "msg in GraphQL string at location L:C".
std::string locate(const std::string& text, bool trim_period) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    size_t colon = text.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() < 3) return text;
  std::string msg = text.substr(start);
  size_t b = msg.find_first_not_of(' ');
  msg = b == std::string::npos ? "" : msg.substr(b);
  if (trim_period && msg.size() >= 2 && msg.compare(msg.size() - 2, 2, ".\n") == 0)
    msg.resize(msg.size() - 2);
  return msg + " in GraphQL string at location " + parts[1] + ":" + parts[2];
}

bool parseQueryArg(const Value& v, gql::QueryDocument* doc, std::string* err) {
  if (v.isString()) {
    gql::GqlError e;
    if (gql::parseQuery(v.asString(), doc, &e)) return true;
    *err = locate(e.text(), false);
    return false;
  }
  return gql::fromValue(v, doc, err);
}

bool parseSchemaArg(const Value& v, gql::SchemaDocument* doc, std::string* err) {
  if (v.isString()) {
    gql::GqlError e;
    if (gql::parseSchema(v.asString(), doc, &e)) return true;
    *err = locate(e.text(), false);
    return false;
  }
  return gql::fromValue(v, doc, err);
}

bool convertSchema(const gql::SchemaDocument& doc, gql::Schema* schema, std::string* err) {
  gql::GqlError e;
  if (gql::buildSchema(doc, schema, &e)) return true;
  *err = "Error in gqlparser SchemaDocument to Schema conversion: " + e.text();
  return false;
}

bool validate(const gql::Schema& schema, gql::QueryDocument& doc, std::string* err) {
  auto errors = gql::validateQuery(schema, doc);
  if (errors.empty()) return true;
  std::string text;
  for (const auto& e : errors)
    text += e.text() + "\n";
  *err = locate(text, true);
  return false;
}

bool docArg(const Value& v) {
  return v.isString() || v.isObject();
}

// Parses and validates; on success fills the two AST values.
bool parseAndValidate(const Value& q, const Value& s, Value* qv, Value* sv, std::string* err) {
  gql::QueryDocument qdoc;
  gql::SchemaDocument sdoc;
  if (!parseQueryArg(q, &qdoc, err) || !parseSchemaArg(s, &sdoc, err)) return false;
  *qv = gql::toValue(qdoc);
  *sv = gql::toValue(sdoc);
  gql::Schema schema;
  return convertSchema(sdoc, &schema, err) && validate(schema, qdoc, err);
}

Value graphqlParse(BuiltinContext& c, Args a) {
  if (!docArg(a[0])) return typeErr(c, 0, a[0], {"string", "object"});
  if (!docArg(a[1])) return typeErr(c, 1, a[1], {"string", "object"});
  Value qv, sv;
  std::string err;
  if (!parseAndValidate(a[0], a[1], &qv, &sv, &err)) {
    c.builtinError(err);
    return Value::undefined();
  }
  return Value::array({qv, sv});
}

Value graphqlParseAndVerify(BuiltinContext&, Args a) {
  Value qv, sv;
  std::string err;
  if (!docArg(a[0]) || !docArg(a[1]) || !parseAndValidate(a[0], a[1], &qv, &sv, &err)) {
    return Value::array({Value::boolean(false), Value::emptyObject(), Value::emptyObject()});
  }
  return Value::array({Value::boolean(true), qv, sv});
}

Value graphqlParseQuery(BuiltinContext& c, Args a) {
  std::string_view src;
  if (!argString(c, a, 0, &src)) return Value::undefined();
  gql::QueryDocument doc;
  gql::GqlError e;
  if (!gql::parseQuery(src, &doc, &e)) {
    c.builtinError(locate(e.text(), false));
    return Value::undefined();
  }
  return gql::toValue(doc);
}

Value graphqlParseSchema(BuiltinContext& c, Args a) {
  std::string_view src;
  if (!argString(c, a, 0, &src)) return Value::undefined();
  gql::SchemaDocument doc;
  gql::GqlError e;
  if (!gql::parseSchema(src, &doc, &e)) {
    c.builtinError(locate(e.text(), false));
    return Value::undefined();
  }
  return gql::toValue(doc);
}

Value graphqlIsValid(BuiltinContext&, Args a) {
  if (!docArg(a[0]) || !docArg(a[1])) return Value::boolean(false);
  gql::QueryDocument qdoc;
  gql::SchemaDocument sdoc;
  std::string err;
  if (!parseQueryArg(a[0], &qdoc, &err) || !parseSchemaArg(a[1], &sdoc, &err))
    return Value::boolean(false);
  gql::Schema schema;
  return Value::boolean(convertSchema(sdoc, &schema, &err) && validate(schema, qdoc, &err));
}

Value graphqlSchemaIsValid(BuiltinContext&, Args a) {
  if (!docArg(a[0])) return Value::boolean(false);
  gql::SchemaDocument sdoc;
  std::string err;
  if (!parseSchemaArg(a[0], &sdoc, &err)) return Value::boolean(false);
  gql::Schema schema;
  return Value::boolean(convertSchema(sdoc, &schema, &err));
}

}  // namespace

void registerGraphql(BuiltinRegistry& r) {
  r.add("graphql.parse", 2, graphqlParse);
  r.add("graphql.parse_and_verify", 2, graphqlParseAndVerify);
  r.add("graphql.parse_query", 1, graphqlParseQuery);
  r.add("graphql.parse_schema", 1, graphqlParseSchema);
  r.add("graphql.is_valid", 2, graphqlIsValid);
  r.add("graphql.schema_is_valid", 1, graphqlSchemaIsValid);
}

}  // namespace meshgate::rego
