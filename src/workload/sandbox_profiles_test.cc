// SPDX-License-Identifier: Apache-2.0
#include "workload/sandbox_profiles.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/file.h"
#include "config/loader.h"

namespace meshgate::workload {
namespace {

constexpr const char* kWorkload = R"(apiVersion: meshgate.io/v1
kind: Workload
metadata: {name: web}
spec:
  command: /usr/bin/python3
  args: [-m, http.server, "8080"]
  env: [{name: A, value: "1"}, {name: PATH, value: /opt/bin}]
  workingDir: /srv
  sandboxProfile: web
  port: 8080
)";

std::string profileDoc(const std::string& spec) {
  return "apiVersion: meshgate.io/v1\nkind: SandboxProfile\nmetadata: {name: web}\nspec:\n" + spec;
}

TEST(SandboxProfileKind, ValidProfileLoadsAndResolves) {
  registerSandboxProfileKind();
  auto r = config::loadText(std::string(kWorkload) + "---\n" +
                                profileDoc("  network: {mode: host}\n  limits: {pids: 32}\n"),
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.diagnostics.toString();
  auto profile = resolveProfile(*r.config, r.config->workloads[0]);
  ASSERT_TRUE(profile.ok()) << profile.error().describe();
  EXPECT_EQ(profile->name, "web");
  EXPECT_EQ(profile->network.mode, sandbox::NetworkMode::Host);
  EXPECT_EQ(profile->limits.pids, 32u);

  const sandbox::Profile applied = applyWorkloadProcess(*profile, r.config->workloads[0]);
  EXPECT_EQ(applied.process.working_dir, "/srv");
  int path_count = 0;
  bool has_a = false;
  for (const auto& e : applied.process.env) {
    if (e.name == "PATH") {
      ++path_count;
      EXPECT_EQ(e.value.value_or(""), "/opt/bin");
    }
    if (e.name == "A") has_a = e.value.value_or("") == "1";
  }
  EXPECT_EQ(path_count, 1);
  EXPECT_TRUE(has_a);
}

TEST(SandboxProfileKind, ErrorsPointIntoTheFile) {
  registerSandboxProfileKind();
  // Line 17 of the combined file is the bad syscall (the Workload takes 10 lines).
  auto r = config::loadText(
      std::string(kWorkload) + "---\n" +
          profileDoc("  seccomp:\n    allow: [read, not_a_syscall]\n  network: {mode: host}\n"),
      "t.yaml");
  ASSERT_FALSE(r.ok());
  const std::string text = r.diagnostics.toString();
  EXPECT_NE(text.find("t.yaml:17:19: SandboxProfile: spec.seccomp"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown syscall 'not_a_syscall'"), std::string::npos) << text;

  auto unknown = config::loadText(
      std::string(kWorkload) + "---\n" + profileDoc("  netwrk: {mode: host}\n"), "t.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.diagnostics.toString().find("t.yaml:16:3: SandboxProfile: spec: unknown "
                                                "field 'netwrk'"),
            std::string::npos)
      << unknown.diagnostics.toString();
}

TEST(SandboxProfileKind, RunTimeErrorsPointIntoTheFileToo) {
  registerSandboxProfileKind();
  // A dockerProfile that exists at load time and is gone when the Workload starts.
  const std::string json = (std::filesystem::temp_directory_path() /
                            ("mg_workload_docker_" + std::to_string(::getpid()) + ".json"))
                               .string();
  auto docker = base::readFile(std::string(MG_SOURCE_DIR) +
                               "/../shared/reference/seccomp/docker-default.json");
  ASSERT_TRUE(docker.ok()) << docker.error().describe();
  ASSERT_TRUE(base::writeFileAtomic(json, *docker).ok());
  auto r = config::loadText(
      std::string(kWorkload) + "---\n" +
          profileDoc("  network: {mode: host}\n  seccomp: {dockerProfile: " + json + "}\n"),
      "t.yaml");
  std::filesystem::remove(json);
  ASSERT_TRUE(r.ok()) << r.diagnostics.toString();
  auto profile = resolveProfile(*r.config, r.config->workloads[0]);
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.error().message.rfind("t.yaml:17:", 0), 0u) << profile.error().message;
  EXPECT_NE(profile.error().message.find("spec.seccomp.dockerProfile"), std::string::npos)
      << profile.error().message;
}

TEST(SandboxProfileKind, BuiltinsAndUnknownNames) {
  registerSandboxProfileKind();
  std::string yaml = kWorkload;
  yaml.replace(yaml.find("sandboxProfile: web"), 19, "sandboxProfile: http-service");
  auto r = config::loadText(yaml, "t.yaml");
  ASSERT_TRUE(r.ok()) << r.diagnostics.toString();
  auto profile = resolveProfile(*r.config, r.config->workloads[0]);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(profile->name, "http-service");

  auto missing = config::loadText(kWorkload, "t.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.diagnostics.toString().find("sandboxProfile \"web\" is neither"),
            std::string::npos)
      << missing.diagnostics.toString();
}

TEST(SandboxProfileKind, FingerprintFollowsTheProcess) {
  registerSandboxProfileKind();
  const std::string profile = "---\n" + profileDoc("  network: {mode: host}\n");
  auto base = config::loadText(std::string(kWorkload) + profile, "t.yaml");
  ASSERT_TRUE(base.ok()) << base.diagnostics.toString();
  const std::string fp = processFingerprint(*base.config, base.config->workloads[0]);

  auto same = [&](const std::string& from, const std::string& to, const std::string& extra) {
    std::string y = kWorkload;
    if (!from.empty()) y.replace(y.find(from), from.size(), to);
    auto r = config::loadText(y + extra, "t.yaml");
    EXPECT_TRUE(r.ok()) << r.diagnostics.toString();
    return r.ok() && processFingerprint(*r.config, r.config->workloads[0]) == fp;
  };
  // Probe, policy and labels do not change the process.
  EXPECT_TRUE(
      same("  port: 8080\n", "  port: 8080\n  restartPolicy: Never\n  labels: {a: b}\n", profile));
  EXPECT_FALSE(same("\"8080\"]", "\"8081\"]", profile));
  EXPECT_FALSE(same("value: \"1\"", "value: \"2\"", profile));
  EXPECT_FALSE(same("workingDir: /srv", "workingDir: /tmp", profile));
  EXPECT_FALSE(same("port: 8080", "port: 8081", profile));
  EXPECT_FALSE(
      same("", "", "---\n" + profileDoc("  network: {mode: host}\n  limits: {pids: 9}\n")));
}

}  // namespace
}  // namespace meshgate::workload
