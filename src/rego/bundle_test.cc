// SPDX-License-Identifier: Apache-2.0
#include "rego/bundle.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace meshgate::rego {
namespace {

TEST(Bundle, LoadsModulesDataAndManifest) {
  testing::TempDir dir;
  ASSERT_EQ(::system(("mkdir -p " + dir.path() + "/roles").c_str()), 0);
  dir.write(".manifest", R"({"revision": "rev-42", "roots": ["authz", "roles"]})");
  dir.write("authz.rego", "package authz\nallow if data.roles.admins[_] == input.user\n");
  dir.write("roles/data.json", R"({"admins": ["alice"]})");
  dir.write("roles/ignored.json", R"({"not": "loaded in bundle mode"})");
  auto b = loadBundle(dir.path());
  ASSERT_TRUE(b.ok()) << describeErrors(b.errors());
  EXPECT_EQ(b->revision, "rev-42");
  EXPECT_EQ(b->plan->revision, "rev-42");
  ASSERT_EQ(b->roots.size(), 2u);
  Evaluator ev;
  EvalOptions o;
  auto r = ev.evalPath(*b->plan, {Value::string("authz"), Value::string("allow")},
                       Value::object({{Value::string("user"), Value::string("alice")}}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->isTrue());
  EXPECT_EQ(b->plan->data.field("roles")->field("not"), nullptr);
}

TEST(Bundle, CompileErrorIsReportedWithPosition) {
  testing::TempDir dir;
  dir.write("bad.rego", "package x\n\np if {\n  y := 1\n  y := 2\n}\n");
  auto b = loadBundle(dir.path());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.errors()[0].line, 5u);
  EXPECT_NE(b.errors()[0].file.find("bad.rego"), std::string::npos);
}

TEST(Bundle, ConflictingDataIsAnError) {
  testing::TempDir dir;
  ASSERT_EQ(::system(("mkdir -p " + dir.path() + "/a").c_str()), 0);
  dir.write("data.json", R"({"a": {"x": 1}})");
  dir.write("a/data.json", R"({"x": 2})");
  auto b = loadBundle(dir.path());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.errors()[0].message.find("merge error"), std::string::npos);
}

TEST(LoadPath, AnyJsonFileInEvalMode) {
  testing::TempDir dir;
  dir.write("users.yaml", "users:\n  - bob\n");
  PolicySet set;
  LoadOptions lo;
  lo.data_files = DataFiles::Any;
  EXPECT_TRUE(loadPath(&set, dir.path(), lo).empty());
  EXPECT_EQ(set.data().field("users")->items().size(), 1u);
}

}  // namespace
}  // namespace meshgate::rego
