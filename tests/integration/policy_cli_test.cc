// SPDX-License-Identifier: Apache-2.0
// `meshgate policy eval|test|check` against the real binary: output shapes
// and exit codes as OPA's eval/test/check.
#include <gtest/gtest.h>

#include <cstdlib>

#include "rego/value/json.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate {
namespace {

using testing::runCommand;
using testing::TempDir;

constexpr const char* kAuthz = R"(package authz

import rego.v1

default allow := false

allow if {
	input.user in data.roles.admins
}

allow if {
	input.method == "GET"
	startswith(input.path, "/public/")
}
)";

constexpr const char* kTests = R"(package authz_test

import data.authz

test_admin_allowed if authz.allow with input as {"user": "alice"}

test_public_get if authz.allow with input as {"user": "bob", "method": "GET", "path": "/public/x"}

test_fails if authz.allow with input as {"user": "bob", "method": "POST", "path": "/x"}
)";

void writeBundle(const TempDir& dir) {
  ASSERT_EQ(::system(("mkdir -p " + dir.path() + "/roles").c_str()), 0);
  dir.write("authz.rego", kAuthz);
  dir.write("roles/data.json", R"({"admins": ["alice"]})");
}

rego::Value parse(const std::string& out) {
  auto v = rego::parseJson(out);
  EXPECT_TRUE(v.ok()) << out;
  return v.ok() ? *v : rego::Value();
}

TEST(PolicyEval, ResultShapeMatchesOpa) {
  TempDir dir;
  writeBundle(dir);
  std::string input = dir.write("input.json", R"({"user": "alice"})");
  auto r =
      runCommand({MG_BINARY, "policy", "eval", "-d", dir.path(), "-i", input, "data.authz.allow"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rego::Value v = parse(r.out);
  const rego::Value* result = v.field("result");
  ASSERT_NE(result, nullptr) << r.out;
  const rego::Value& expr = result->items()[0].field("expressions")->items()[0];
  EXPECT_TRUE(expr.field("value")->isTrue());
  EXPECT_EQ(expr.field("text")->asString(), "data.authz.allow");
  EXPECT_EQ(expr.field("location")->field("row")->asInt(), 1);
  EXPECT_EQ(expr.field("location")->field("col")->asInt(), 1);
  // Pretty-printed with two-space indentation, like OPA.
  EXPECT_EQ(r.out.rfind("{\n  \"result\": [\n", 0), 0u) << r.out;
}

TEST(PolicyEval, BindingsAndFalseValues) {
  auto r = runCommand({MG_BINARY, "policy", "eval", "x := [1, 2][i]; false"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rego::Value v = parse(r.out);
  const auto& rows = v.field("result")->items();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].field("bindings")->field("x")->asInt(), 2);
  EXPECT_EQ(rows[1].field("bindings")->field("i")->asInt(), 1);
  EXPECT_TRUE(rows[0].field("expressions")->items()[1].field("value")->isFalse());
}

TEST(PolicyEval, UndefinedPrintsEmptyObjectAndFailFlag) {
  auto r = runCommand({MG_BINARY, "policy", "eval", "1 == 2"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "{}\n");
  r = runCommand({MG_BINARY, "policy", "eval", "--fail", "1 == 2"});
  EXPECT_EQ(r.exit_code, 1);
  r = runCommand({MG_BINARY, "policy", "eval", "--fail-defined", "1 == 1"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(PolicyEval, ErrorsHaveCodeMessageAndLocation) {
  TempDir dir;
  dir.write("bad.rego", "package bad\n\np if {\n  x := \n}\n");
  auto r = runCommand({MG_BINARY, "policy", "eval", "-d", dir.path(), "data.bad.p"});
  EXPECT_EQ(r.exit_code, 1);
  rego::Value v = parse(r.out);
  const rego::Value& err = v.field("errors")->items()[0];
  EXPECT_EQ(err.field("code")->asString(), "rego_parse_error");
  EXPECT_NE(err.field("location")->field("file")->asString().find("bad.rego"), std::string::npos);
  EXPECT_EQ(err.field("location")->field("row")->asInt(), 5);
}

TEST(PolicyEval, StrictBuiltinErrors) {
  auto r = runCommand({MG_BINARY, "policy", "eval", "x := 1 / 0"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "{}\n");
  r = runCommand({MG_BINARY, "policy", "eval", "--strict-builtin-errors", "x := 1 / 0"});
  EXPECT_EQ(r.exit_code, 1);
  rego::Value v = parse(r.out);
  EXPECT_EQ(v.field("errors")->items()[0].field("code")->asString(), "eval_builtin_error");
}

TEST(PolicyEval, V0Compatible) {
  TempDir dir;
  dir.write("old.rego", "package old\n\ndeny[msg] {\n  input.x > 1\n  msg := \"too big\"\n}\n");
  auto r = runCommand({MG_BINARY, "policy", "eval", "-d", dir.path(), "data.old.deny"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  std::string input = dir.write("in.json", R"({"x": 5})");
  r = runCommand({MG_BINARY, "policy", "eval", "--v0-compatible", "-d", dir.path(), "-i", input,
                  "data.old.deny"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  rego::Value v = parse(r.out);
  EXPECT_EQ(v.field("result")
                ->items()[0]
                .field("expressions")
                ->items()[0]
                .field("value")
                ->items()[0]
                .asString(),
            "too big");
}

TEST(PolicyTest, ReportsPassFailAndExitCode) {
  TempDir dir;
  writeBundle(dir);
  dir.write("authz_test.rego", kTests);
  auto r = runCommand({MG_BINARY, "policy", "test", dir.path()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("data.authz_test.test_fails: FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS: 2/3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL: 1/3"), std::string::npos) << r.out;

  r = runCommand({MG_BINARY, "policy", "test", "--run", "admin|public", "-v", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("data.authz_test.test_admin_allowed: PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS: 2/2"), std::string::npos) << r.out;
}

TEST(PolicyCheck, ReportsEveryErrorWithPosition) {
  TempDir dir;
  dir.write("a.rego", "package a\n\np if {\n  x := 1\n  x := 2\n}\n");
  dir.write("b.rego", "package b\n\nq := y\n");
  auto r = runCommand({MG_BINARY, "policy", "check", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a.rego:5:3: rego_compile_error: var x assigned above"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("b.rego:3:1: rego_unsafe_var_error: var y is unsafe"), std::string::npos)
      << r.err;

  TempDir good;
  writeBundle(good);
  r = runCommand({MG_BINARY, "policy", "check", good.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace meshgate
