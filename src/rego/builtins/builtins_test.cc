// SPDX-License-Identifier: Apache-2.0
// Builtins beyond what the conformance suite covers, table-driven: a Rego
// expression and the JSON of its value (json.match_schema and friends).
#include <gtest/gtest.h>

#include <string>

#include "rego/builtins/encoding_util.h"
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

INSTANTIATE_TEST_SUITE_P(
    RenderTemplate, BuiltinCases,
    ::testing::Values(
        BuiltinCase{"field", R"(strings.render_template("{{.a.b}}!", {"a": {"b": 1.5}}))",
                    R"("1.5!")"},
        BuiltinCase{
            "if_else_chain",
            R"(strings.render_template("{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}", {"n": 2}))",
            R"("two")"},
        BuiltinCase{
            "range_map_sorted",
            R"(strings.render_template("{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}", {"m": {"b": 2, "a": 1}}))",
            R"("a=1;b=2;")"},
        BuiltinCase{"range_else",
                    R"(strings.render_template("{{range .xs}}x{{else}}empty{{end}}", {"xs": []}))",
                    R"("empty")"},
        BuiltinCase{
            "with_and_trim",
            R"(strings.render_template("a  {{- with .u}} {{.name}} {{end -}}  b", {"u": {"name": "n"}}))",
            R"("a n b")"},
        BuiltinCase{"comment", R"(strings.render_template("x{{/* hidden */}}y", {}))", R"("xy")"},
        BuiltinCase{
            "define_template",
            R"(strings.render_template(`{{define "t"}}[{{.}}]{{end}}{{template "t" .v}}`, {"v": "z"}))",
            R"("[z]")"},
        BuiltinCase{
            "functions",
            R"(strings.render_template(`{{len .xs}} {{index .xs 1}} {{printf "%s-%d" .s 3}} {{.s | printf "%q"}}`, {"xs": [1, 2], "s": "q"}))",
            R"("2 2 q-3 \"q\"")"},
        BuiltinCase{"variables",
                    R"(strings.render_template(`{{$x := .a}}{{$x = "b"}}{{$x}}`, {"a": "a"}))",
                    R"("b")"},
        BuiltinCase{
            "composite_printing",
            R"(strings.render_template("{{.a}} {{.o}}", {"a": [1, "x"], "o": {"k": true}}))",
            R"("[1 x] map[k:true]")"},
        BuiltinCase{
            "break",
            R"(strings.render_template("{{range .xs}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", {"xs": [1, 2, 3, 4]}))",
            R"("12")"},
        BuiltinCase{"parse_error", R"(strings.render_template("{{if}", {}))", "error"},
        BuiltinCase{"unknown_function", R"(strings.render_template("{{nope 1}}", {}))", "error"},
        BuiltinCase{"field_of_string", R"(strings.render_template("{{.a.b}}", {"a": "s"}))",
                    "error"}));

INSTANTIATE_TEST_SUITE_P(
    GlobsMatch, BuiltinCases,
    ::testing::Values(BuiltinCase{"star_vs_plus", R"(regex.globs_match("a*b", "a+b"))", "true"},
                      BuiltinCase{"disjoint_sets", R"(regex.globs_match("[a-c]+", "[x-z]+"))",
                                  "false"},
                      BuiltinCase{"dot_plus", R"(regex.globs_match(".+", "abc"))", "true"},
                      BuiltinCase{"escaped_set", R"(regex.globs_match("\\[x", "[x]"))", "false"},
                      BuiltinCase{"bad_range", R"(regex.globs_match("[z-a]", "a"))", "error"},
                      BuiltinCase{"leading_flag", R"(regex.globs_match("*a", "a"))", "error"}));

// A self-signed P-256 root and a leaf for svc.example.com (serverAuth), valid until 2125.
#define TEST_CHAIN                                                                                 \
  "\"-----BEGIN "                                                                                  \
  "CERTIFICATE-----\\nMIIBjzCCATWgAwIBAgIUEKI+"                                                    \
  "W0Sj6aoEsSWeEW0PMGPdy9gwCgYIKoZIzj0EAwIw\\nFDESMBAGA1UEAwwJVGVzdCBSb290MCAXDTI2MTEyNTIyNDMyNFo" \
  "YDzIxMjYxMTAx\\nMjI0MzI0WjAUMRIwEAYDVQQDDAlUZXN0IFJvb3QwWTATBgcqhkjOPQIBBggqhkjO\\nPQMBBwNCAAS" \
  "vuyqzNedt3GGYqIwZHNEv3zS4C6KEDMU5kGeT78ZLx7O72LOLcXpi\\nCi5/"                                   \
  "oP2sgmzAXempZ8iGW1saIA3rZ3rNo2MwYTAdBgNVHQ4EFgQUSjJaFqCLIBHh\\ngPdbqCNLZRItG+"                  \
  "swHwYDVR0jBBgwFoAUSjJaFqCLIBHhgPdbqCNLZRItG+swDwYD\\nVR0TAQH/BAUwAwEB/"                         \
  "zAOBgNVHQ8BAf8EBAMCAgQwCgYIKoZIzj0EAwIDSAAwRQIh\\nANuwMSFJGKAe0TwT10sCqBu3UeCAVCNgpjQH6l3Pq98P" \
  "AiB3OqQPk+rLvYbvPDmN\\n9Mj8EFHojlNdb4C9c0arXKM5vQ==\\n-----END CERTIFICATE-----\\n-----BEGIN "  \
  "CERTIFICATE-----\\nMIIBpTCCAUugAwIBAgIUOTal3CaVq4aCL+"                                          \
  "l2MMfn7CTZ6JIwCgYIKoZIzj0EAwIw\\nFDESMBAGA1UEAwwJVGVzdCBSb290MCAXDTI2MTEyNTIyNDMyNFoYDzIxMjYxM" \
  "TAx\\nMjI0MzI0WjAPMQ0wCwYDVQQDDARsZWFmMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD\\nQgAEChf/Ve2UMs/"       \
  "g+pkQlbgFKxVS3u3s93eQxGA8LDELR83jRE7cIHTF5AeMMwsx\\nAlFpXd2LWmMoGbd7iD8kUVJZ6qN+"               \
  "MHwwGgYDVR0RBBMwEYIPc3ZjLmV4YW1wbGUu\\nY29tMBMGA1UdJQQMMAoGCCsGAQUFBwMBMAkGA1UdEwQCMAAwHQYDVR0" \
  "OBBYEFG0y\\nmQ35ki7rb4h+YB+6m/"                                                                 \
  "z8pTLhMB8GA1UdIwQYMBaAFEoyWhagiyAR4YD3W6gjS2US\\nLRvrMAoGCCqGSM49BAMCA0gAMEUCIGBqouXyGOwbfUOdj" \
  "3sM64ezM9FBNQGTfkGN\\n0e4DaPpwAiEA5KCNcAMcchy8LxL51PZVwttjZ2qlKWeAIWai4XaiPJA=\\n-----END "     \
  "CERTIFICATE-----\\n\""

INSTANTIATE_TEST_SUITE_P(
    X509Options, BuiltinCases,
    ::testing::Values(
        BuiltinCase{"default_server_auth",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN ", {})[0]",
                    "true"},
        BuiltinCase{"dns_name_ok",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"DNSName\": \"svc.example.com\"})[0]",
                    "true"},
        BuiltinCase{"dns_name_mismatch",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"DNSName\": \"other.example.com\"})[0]",
                    "false"},
        BuiltinCase{"client_auth_not_allowed",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"KeyUsages\": [\"KeyUsageClientAuth\"]})[0]",
                    "false"},
        BuiltinCase{"any_usage",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"KeyUsages\": [\"KeyUsageAny\"]})[0]",
                    "true"},
        BuiltinCase{"expired_by_current_time",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"CurrentTime\": 0})[0]",
                    "false"},
        BuiltinCase{"bad_option",
                    "crypto.x509.parse_and_verify_certificates_with_options(" TEST_CHAIN
                    ", {\"x\": 1})",
                    "error"},
        BuiltinCase{"leaf_subject",
                    "crypto.x509.parse_and_verify_certificates(" TEST_CHAIN
                    ")[1][0].Subject.CommonName",
                    "\"leaf\""},
        BuiltinCase{"cast_set", "cast_set([2, 1, 2])", "[1, 2]"},
        BuiltinCase{"set_diff", "set_diff({1, 2, 3}, {2})", "[1, 3]"},
        BuiltinCase{"cast_string_error", "cast_string(1)", "error"}));

// base64Decode decodes whole quanta of alphabet characters on a fast path
// and leaves everything else to Go's per-character algorithm: both must give
// Go's answers, wherever a quantum boundary falls.
TEST(Base64, DecodesAsGoAcrossQuantumBoundaries) {
  std::string data;
  for (int i = 0; i < 70; ++i)
    data.push_back(static_cast<char>((i * 73 + 11) & 0xFF));
  for (B64 a : {B64::Std, B64::Url, B64::RawStd, B64::RawUrl}) {
    for (size_t n = 0; n <= data.size(); ++n) {
      const std::string encoded = base64Encode(std::string_view(data).substr(0, n), a);
      std::string out, err;
      ASSERT_TRUE(base64Decode(encoded, a, &out, &err)) << encoded << ": " << err;
      EXPECT_EQ(out, data.substr(0, n));
      // An invalid character in place of any data character is reported at
      // its position.
      for (size_t k = 0; k < encoded.size(); k += 5) {
        if (encoded[k] == '=') continue;
        std::string bad = encoded;
        bad[k] = '!';
        EXPECT_FALSE(base64Decode(bad, a, &out, &err));
        EXPECT_EQ(err, "illegal base64 data at input byte " + std::to_string(k)) << bad;
      }
    }
  }
  std::string out, err;
  // Line breaks are skipped, inside a quantum too.
  ASSERT_TRUE(base64Decode("QUJD\nRE\r\nVG", B64::Std, &out, &err)) << err;
  EXPECT_EQ(out, "ABCDEF");
  ASSERT_TRUE(base64Decode("QUJD\nRE\r\nVGR3A=", B64::Std, &out, &err)) << err;
  EXPECT_EQ(out, "ABCDEFGp");
  ASSERT_TRUE(base64Decode("QU\nJD", B64::Std, &out, &err));
  EXPECT_EQ(out, "ABC");
  // Data after padding, padding too early, a lone trailing character.
  EXPECT_FALSE(base64Decode("QUJDRA==QUJD", B64::Std, &out, &err));
  EXPECT_EQ(err, "illegal base64 data at input byte 8");
  EXPECT_FALSE(base64Decode("QUJDR===", B64::Std, &out, &err));
  EXPECT_EQ(err, "illegal base64 data at input byte 5");
  EXPECT_FALSE(base64Decode("QUJDR", B64::RawStd, &out, &err));
  EXPECT_EQ(err, "illegal base64 data at input byte 4");
  ASSERT_TRUE(base64Decode("QUJ=", B64::Std, &out, &err));
  EXPECT_EQ(out, "AB");
}

// io.jwt.decode decodes unpadded sections without copying them when that
// cannot change the answer; the answers, errors included, stay Go's.
INSTANTIATE_TEST_SUITE_P(
    JwtSections, BuiltinCases,
    ::testing::Values(
        BuiltinCase{"unpadded", R"(io.jwt.decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.c2ln"))",
                    R"([{"alg":"none"},{"sub":"alice"},"736967"])"},
        BuiltinCase{"invalid_char",
                    R"(io.jwt.decode("eyJhbGciOiJub25lIn0.eyJzdWIiOi!hbGljZSJ9.c2ln"))", "error"},
        BuiltinCase{"line_break",
                    "io.jwt.decode(\"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhb\\nGljZSJ9.c2ln\")",
                    "error"}),
    [](const ::testing::TestParamInfo<BuiltinCase>& info) { return std::string(info.param.name); });

// sprintf bounds widths and precisions as Go's fmt does (parsenum and intFromArg give up
// past 1e6). An unbounded width once overflowed an int and asked pad() for gigabytes
// (rego_builtins_fuzz; fuzz/corpus/rego_builtins_fuzz/regress-sprintf-width-overflow).
INSTANTIATE_TEST_SUITE_P(
    SprintfBounds, BuiltinCases,
    ::testing::Values(
        BuiltinCase{"width_past_a_million", R"(sprintf("%22222222222x", [255]))",
                    "\"%!(NOVERB)%!(EXTRA int=255)\""},
        BuiltinCase{"precision_past_a_million", R"(sprintf("%.22222222222f", [1.5]))",
                    "\"%!(NOVERB)%!(EXTRA float64=1.5)\""},
        BuiltinCase{"star_width_past_a_million", R"(sprintf("%*d", [2000000, 7]))",
                    "\"%!(BADWIDTH)7\""},
        BuiltinCase{"star_precision_past_a_million", R"(sprintf("%.*f", [2000000, 1.5]))",
                    "\"%!(BADPREC)1.500000\""},
        BuiltinCase{"negative_star_width_pads_right", R"(sprintf("%*d|", [-3, 7]))", "\"7  |\""},
        BuiltinCase{"fuzz_crasher", R"(sprintf("%-ud|%22222222222x|%v", [3247, 255, [1], "s"]))",
                    "\"%!u(int=3247)d|%!(NOVERB)%!(EXTRA int=255, string=[1], string=s)\""}),
    [](const ::testing::TestParamInfo<BuiltinCase>& info) { return std::string(info.param.name); });

// %c writes one U+FFFD for what is not a Unicode scalar value, as Go's fmtC does.
INSTANTIATE_TEST_SUITE_P(
    SprintfRunes, BuiltinCases,
    ::testing::Values(BuiltinCase{"scalar_values", R"(sprintf("%c%c%c", [65, 233, 128512]))",
                                  "\"A\u00e9\U0001F600\""},
                      BuiltinCase{"negative", R"(sprintf("%c|", [-1]))", "\"\ufffd|\""},
                      BuiltinCase{"past_max_rune", R"(sprintf("%c|", [1114112]))", "\"\ufffd|\""},
                      BuiltinCase{"surrogate", R"(sprintf("%c|", [55296]))", "\"\ufffd|\""}),
    [](const ::testing::TestParamInfo<BuiltinCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace meshgate::rego
