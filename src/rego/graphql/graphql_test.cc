// SPDX-License-Identifier: Apache-2.0
// GraphQL parser, schema building and query validation: error texts and
// positions, AST round trips through Rego values, and nesting limits.
#include <gtest/gtest.h>

#include <string>

#include "rego/graphql/convert.h"
#include "rego/graphql/parser.h"
#include "rego/graphql/schema.h"
#include "rego/value/json.h"

namespace meshgate::rego::graphql {
namespace {

std::string queryError(const std::string& src) {
  QueryDocument doc;
  GqlError err;
  if (parseQuery(src, &doc, &err)) return "";
  return err.text();
}

std::string schemaError(const std::string& src) {
  SchemaDocument doc;
  GqlError err;
  if (parseSchema(src, &doc, &err)) return "";
  return err.text();
}

TEST(GraphqlParser, QueryErrors) {
  EXPECT_EQ(queryError("{"), "input:1:2: Expected Name, found <EOF>");
  EXPECT_EQ(queryError("{ field: {} }"), "input:1:10: Expected Name, found {");
  EXPECT_EQ(queryError("notanoperation Foo { field }"),
            "input:1:1: Unexpected Name \"notanoperation\"");
  EXPECT_EQ(queryError("query Foo($x: Complex = { a: { b: [ $var ] } }) { field }"),
            "input:1:37: Unexpected $");
  EXPECT_EQ(queryError("{ f(a: 01) }"), "input:1:9: Unexpected <Invalid>");
  EXPECT_EQ(queryError("{ hero { name } }"), "");
}

TEST(GraphqlParser, SchemaErrors) {
  EXPECT_EQ(schemaError("type Hello {}"), "input:1:13: expected at least one definition, found }");
  EXPECT_EQ(schemaError("extend type Hello"), "input:1:18: Unexpected <EOF>");
  EXPECT_EQ(schemaError("\n  \"Description\"\n  extend type Hello { world: String }"),
            "input:2:4: Unexpected String \"Description\"");
  EXPECT_EQ(schemaError("\"\"\"\r"), "input:2:1: Unexpected <Invalid>");
  EXPECT_EQ(schemaError("directive @foo on INCORRECT_LOCATION"),
            "input:1:19: Unexpected Name \"INCORRECT_LOCATION\"");
}

TEST(GraphqlParser, DeepNestingIsAnError) {
  std::string q = "{ f(a: " + std::string(100000, '[') + "1" + std::string(100000, ']') + ") }";
  EXPECT_NE(queryError(q), "");
  std::string sel;
  for (int i = 0; i < 5000; ++i)
    sel += "{ a ";
  EXPECT_NE(queryError(sel), "");
  std::string t = "type T { f: " + std::string(10000, '[') + "Int" + std::string(10000, ']') + " }";
  EXPECT_NE(schemaError(t), "");
}

TEST(GraphqlParser, BlockStringDescription) {
  SchemaDocument doc;
  GqlError err;
  ASSERT_TRUE(parseSchema("\"\"\"\n    Hello\n      world\n\"\"\"\nscalar S", &doc, &err));
  ASSERT_EQ(doc.definitions.size(), 1u);
  EXPECT_EQ(doc.definitions[0].description, "Hello\n  world");
}

TEST(GraphqlConvert, QueryAstShapeAndRoundTrip) {
  QueryDocument doc;
  GqlError err;
  ASSERT_TRUE(
      parseQuery("query Q($v: [Int!]) { a: f(x: $v) { ...F } } fragment F on T { g }", &doc, &err));
  Value v = toValue(doc);
  EXPECT_EQ(
      toJson(v),
      R"({"Fragments":[{"Name":"F","SelectionSet":[{"Alias":"g","Name":"g"}],"TypeCondition":"T"}],)"
      R"("Operations":[{"Name":"Q","Operation":"query","SelectionSet":[{"Alias":"a","Arguments":[{"Name":"x",)"
      R"("Value":{"ExpectedTypeHasDefault":false,"Kind":0,"Raw":"v"}}],"Name":"f","SelectionSet":[{"Name":"F"}]}],)"
      R"("VariableDefinitions":[{"Type":{"Elem":{"NamedType":"Int","NonNull":true},)"
      R"("NamedType":"","NonNull":false},"Used":false,"Variable":"v"}]}]})");
  QueryDocument back;
  std::string msg;
  ASSERT_TRUE(fromValue(v, &back, &msg)) << msg;
  // Spreads come back as fields, as gqlparser's UnmarshalSelectionSet does.
  ASSERT_EQ(back.operations.size(), 1u);
  EXPECT_EQ(back.operations[0].selection_set[0].selection_set[0].kind, SelectionKind::Field);
  EXPECT_FALSE(fromValue(*parseJson(R"({"Operations":[{"Name":1}]})"), &back, &msg));
}

bool valid(const std::string& schema_src, const std::string& query_src,
           std::string* why = nullptr) {
  SchemaDocument sdoc;
  QueryDocument qdoc;
  GqlError err;
  if (!parseSchema(schema_src, &sdoc, &err) || !parseQuery(query_src, &qdoc, &err)) return false;
  Schema schema;
  if (!buildSchema(sdoc, &schema, &err)) {
    if (why) *why = err.text();
    return false;
  }
  auto errors = validateQuery(schema, qdoc);
  if (why && !errors.empty()) *why = errors[0].text();
  return errors.empty();
}

TEST(GraphqlValidate, Rules) {
  const std::string schema = R"(
    type Query { hero(episode: Episode!): Character, search(text: String): [Result] }
    enum Episode { NEWHOPE EMPIRE }
    interface Character { name: String }
    type Human implements Character { name: String, height: Int }
    type Droid implements Character { name: String, primaryFunction: String }
    union Result = Human | Droid
  )";
  std::string why;
  EXPECT_TRUE(valid(schema, "{ hero(episode: EMPIRE) { name ... on Human { height } } }", &why))
      << why;
  EXPECT_FALSE(valid(schema, "{ hero { name } }", &why));
  EXPECT_EQ(why,
            "input:1:3: Field \"hero\" argument \"episode\" of type \"Episode!\" is required, but "
            "it was not provided.");
  EXPECT_FALSE(valid(schema, "{ hero(episode: JEDI) { name } }", &why));
  EXPECT_FALSE(valid(schema, "{ hero(episode: EMPIRE) { nope } }", &why));
  EXPECT_EQ(why, "input:1:27: Cannot query field \"nope\" on type \"Character\".");
  EXPECT_FALSE(valid(schema, "{ hero(episode: EMPIRE) }", &why));
  EXPECT_FALSE(valid(schema, "query ($e: Episode!) { hero(episode: EMPIRE) { name } }", &why));
  EXPECT_EQ(why, "input:1:8: Variable \"$e\" is never used.");
  EXPECT_FALSE(valid(schema, "{ search(text: \"x\") { ... on Episode { x } } }", &why));
  EXPECT_FALSE(
      valid(schema, "{ hero(episode: EMPIRE) { name: height ... on Human { name } } }", &why));
  EXPECT_FALSE(valid(schema, "mutation { x }", &why));
  EXPECT_EQ(why, "input:1:1: Schema does not support operation type \"mutation\"");
  EXPECT_FALSE(
      valid(schema, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", &why));
}

TEST(GraphqlSchema, Validation) {
  SchemaDocument doc;
  GqlError err;
  ASSERT_TRUE(parseSchema(
      "interface IA { id: ID! } interface IIA implements IA { id: ID! } type A implements IIA "
      "{ id: ID! }",
      &doc, &err));
  Schema schema;
  EXPECT_FALSE(buildSchema(doc, &schema, &err));
  EXPECT_EQ(err.message, "Type A must implement IA because it is implemented by IIA.");
  SchemaDocument ok;
  ASSERT_TRUE(parseSchema("extend type User { id: ID! } union U = User extend type Query { u: U }",
                          &ok, &err));
  Schema s2;
  EXPECT_TRUE(buildSchema(ok, &s2, &err)) << err.text();
}

}  // namespace
}  // namespace meshgate::rego::graphql
