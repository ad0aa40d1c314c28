// SPDX-License-Identifier: Apache-2.0
// `meshgate validate` and `meshgate diff` as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate {
namespace {

using testing::runCommand;

constexpr const char* kGood = R"y(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: web}
spec: {port: 8080}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a}
spec:
  hosts: [a.example]
  ports: [{number: 80, name: http}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: ["*"]
  http: [{name: main, route: [{destination: {host: a.example}}], timeout: 5s}]
)y";

TEST(ValidateCli, ValidConfigExitsZero) {
  testing::TempDir dir;
  const std::string f = dir.write("mesh.yaml", kGood);
  auto r = runCommand({MG_BINARY, "validate", f});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(f + ": valid (1 file, version ", 0), 0u) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCli, EveryErrorWithFileLineColumn) {
  testing::TempDir dir;
  dir.write("a.yaml", kGood);
  const std::string bad = dir.write("b.yaml", R"y(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b}
spec:
  hosts: [b.example]
  http:
  - route: [{destination: {host: nowhere}}]
    timeout: soon
)y");
  auto r = runCommand({MG_BINARY, "validate", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(bad + ":7:27: http[0].route[0]: host \"nowhere\" is not defined by any "
                             "ServiceEntry or Workload\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad + ":8:14: timeout: invalid duration \"soon\""), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir.path() + ": invalid: 2 errors"), std::string::npos) << r.err;
}

TEST(ValidateCli, CompilesEveryPolicyProviderBundle) {
  testing::TempDir dir;
  const std::string cfg = dir.write("mesh.yaml", std::string(kGood) + R"y(---
apiVersion: meshgate.io/v1
kind: PolicyProvider
metadata: {name: opa}
spec: {bundlePath: policy, decisionPath: envoy/authz/allow}
)y");
  std::filesystem::create_directory(dir.path() + "/policy");
  dir.write("policy/authz.rego", R"r(package envoy.authz

default allow := false

allow if input.attributes.request.http.method == "GET"
)r");
  auto good = runCommand({MG_BINARY, "validate", cfg});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.err, "");

  // A rule that refers to an undefined function is a compile error, not a parse error:
  // only compiling the bundle finds it.
  const std::string rego = dir.write("policy/authz.rego", R"r(package envoy.authz

default allow := false

allow if no_such_function(input.attributes.request.http.method)
)r");
  auto bad = runCommand({MG_BINARY, "validate", cfg});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find(rego + ":5:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("no_such_function"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(cfg + ":24:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("PolicyProvider default/opa: bundle "), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(cfg + ": invalid: 1 error"), std::string::npos) << bad.err;
}

TEST(ValidateCli, UsageAndDump) {
  EXPECT_EQ(runCommand({MG_BINARY, "validate"}).exit_code, 2);
  EXPECT_EQ(runCommand({MG_BINARY, "validate", "--bogus", "x"}).exit_code, 2);
  testing::TempDir dir;
  const std::string f = dir.write("mesh.yaml", kGood);
  auto r = runCommand({MG_BINARY, "validate", "--dump", f});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("{\"version\":\"", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("outbound|80||a.example"), std::string::npos);
  auto missing = runCommand({MG_BINARY, "validate", dir.file("nope.yaml")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read config"), std::string::npos);
}

TEST(ValidateCli, ExamplesValidate) {
  auto r = runCommand({MG_BINARY, "validate", std::string(MG_SOURCE_DIR) + "/examples"});
  EXPECT_EQ(r.exit_code, 1)
      << "the examples reuse names across files, so the directory as a whole must not load";
  // Every example file, so that a new one cannot be forgotten.
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(MG_SOURCE_DIR) + "/examples")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const std::string f = entry.path().string();
    ++checked;
    auto one = runCommand({MG_BINARY, "validate", f});
    EXPECT_EQ(one.exit_code, 0) << f << ": " << one.err;
  }
  EXPECT_GE(checked, 14u) << "examples/ went missing";
}

TEST(DiffCli, ExitCodesLikeDiff) {
  testing::TempDir dir;
  const std::string a = dir.write("a.yaml", kGood);
  std::string changed = kGood;
  changed.replace(changed.find("timeout: 5s"), 11, "timeout: 9s");
  const std::string b = dir.write("b.yaml", changed);
  auto same = runCommand({MG_BINARY, "diff", a, a});
  EXPECT_EQ(same.exit_code, 0);
  EXPECT_EQ(same.out, "no semantic changes\n");
  auto differ = runCommand({MG_BINARY, "diff", a, b});
  EXPECT_EQ(differ.exit_code, 1);
  EXPECT_EQ(differ.out,
            "~ route default/a/main\n    timeout: \"5s\" -> \"9s\"\n1 change: 0 added, 0 removed, "
            "1 changed\n");
  auto json = runCommand({MG_BINARY, "diff", "--json", a, b});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(
      json.out,
      R"({"equal":false,"changes":[{"category":"route","id":"default/a/main","op":"changed","fields":[{"path":"timeout","old":"5s","new":"9s"}]}]})"
      "\n");
  const std::string bad = dir.write("bad.yaml", "kind: [");
  auto trouble = runCommand({MG_BINARY, "diff", a, bad});
  EXPECT_EQ(trouble.exit_code, 2);
  EXPECT_NE(trouble.err.find(bad + ":"), std::string::npos) << trouble.err;
  EXPECT_EQ(runCommand({MG_BINARY, "diff", a}).exit_code, 2);
}

}  // namespace
}  // namespace meshgate
