// SPDX-License-Identifier: Apache-2.0
// Builtins beyond what the conformance suite covers, table-driven: a Rego
// expression and the JSON of its value (json.match_schema and friends).
#include <gtest/gtest.h>

#include <string>

#include "rego/engine.h"
#include "rego/eval/evaluator.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

struct BuiltinCase {
  const char* name;
  const char* expr;  // a Rego term; its value is compared with `want`
  const char* want;  // JSON, or "error" for an evaluation error
};

std::string evalExpr(const std::string& expr) {
  PolicySet set;
  auto plan = set.compile();
  if (!plan.ok()) return "compile error";
  auto q = PreparedQuery::prepare(plan.value(), "x := " + expr);
  if (!q.ok()) return "query error: " + describeErrors(q.errors());
  EvalOptions o;
  o.strict_builtin_errors = true;
  Evaluator ev;
  auto r = ev.query(q->compiled(), Value(), o);
  if (!r.ok()) return "error";
  if (r->rows.empty()) return "undefined";
  return toJson(r->rows[0].values[0]);
}

class BuiltinCases : public ::testing::TestWithParam<BuiltinCase> {};

TEST_P(BuiltinCases, Evaluate) {
  const BuiltinCase& c = GetParam();
  std::string got = evalExpr(c.expr);
  if (std::string(c.want) == "error") {
    EXPECT_EQ(got, "error") << c.name;
  } else {
    EXPECT_EQ(got, toJson(*parseJson(c.want))) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    JsonSchema, BuiltinCases,
    ::testing::Values(
        BuiltinCase{"valid",
                    R"(json.match_schema({"a": 1}, {"properties": {"a": {"type": "integer"}}}))",
                    "[true, []]"},
        BuiltinCase{
            "nested_field_path",
            R"(json.match_schema({"a": {"b": [1, "x"]}}, {"properties": {"a": {"properties": {"b": {"items": {"type": "number"}}}}}}))",
            R"([false, [{"desc": "Invalid type. Expected: number, given: string", "error": "a.b.1: Invalid type. Expected: number, given: string", "field": "a.b.1", "type": "invalid_type"}]])"},
        BuiltinCase{
            "required_at_root", R"(json.match_schema({}, {"required": ["id"]}))",
            R"j([false, [{"desc": "id is required", "error": "(root): id is required", "field": "(root)", "type": "required"}]])j"},
        BuiltinCase{"enum", R"(json.match_schema("c", {"enum": ["a", "b"]}))", "error"},
        BuiltinCase{
            "enum_object",
            R"(json.match_schema({"k": "c"}, {"properties": {"k": {"enum": ["a", 1]}}}))",
            R"([false, [{"desc": "k must be one of the following: \"a\", 1", "error": "k: k must be one of the following: \"a\", 1", "field": "k", "type": "enum"}]])"},
        BuiltinCase{
            "ref_definitions",
            R"(json.match_schema({"p": -1}, {"definitions": {"pos": {"minimum": 0}}, "properties": {"p": {"$ref": "#/definitions/pos"}}}))",
            R"([false, [{"desc": "Must be greater than or equal to 0", "error": "p: Must be greater than or equal to 0", "field": "p", "type": "number_gte"}]])"},
        BuiltinCase{
            "recursive_ref",
            R"(json.match_schema({"c": {"c": {"c": 1}}}, {"properties": {"c": {"anyOf": [{"$ref": "#"}, {"type": "string"}]}}, "type": "object"})[0])",
            "false"},
        BuiltinCase{"multiple_of_decimal",
                    R"(json.match_schema([0.3], {"items": {"multipleOf": 0.1}})[0])", "true"},
        BuiltinCase{"unique_items",
                    R"(json.match_schema([1, 1.0], {"uniqueItems": true})[1][0].desc)",
                    R"("array items[0,1] must be unique")"},
        BuiltinCase{
            "format_ipv4",
            R"(json.match_schema(["1.2.3.4", "1.2.3.400"], {"items": {"format": "ipv4"}})[1][0].field)",
            R"("1")"},
        BuiltinCase{
            "one_of",
            R"(json.match_schema(5, {"oneOf": [{"type": "integer"}, {"minimum": 1}]})[1][0].type)",
            "error"},
        BuiltinCase{
            "one_of_obj",
            R"(json.match_schema([5], {"items": {"oneOf": [{"type": "integer"}, {"minimum": 1}]}})[1][0].type)",
            R"("number_one_of")"},
        BuiltinCase{"bool_schema_false",
                    R"(json.match_schema({"a": 1}, {"properties": {"a": false}})[1][0].desc)",
                    R"("False always fails validation")"},
        BuiltinCase{
            "if_then",
            R"(json.match_schema({"a": 1}, {"if": {"required": ["a"]}, "then": {"required": ["b"]}})[1][0].type)",
            R"("condition_then")"},
        BuiltinCase{"verify_bad_pattern", R"(json.verify_schema({"pattern": "("}))",
                    R"([false, "jsonschema: pattern must be a valid regex"])"},
        BuiltinCase{"verify_remote_ref",
                    R"(json.verify_schema({"$ref": "http://example.com/s.json"})[0])", "false"},
        BuiltinCase{"invalid_json_string", R"(json.match_schema("{", {}))", "error"}));

}  // namespace
}  // namespace meshgate::rego
