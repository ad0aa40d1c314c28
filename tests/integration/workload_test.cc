// SPDX-License-Identifier: Apache-2.0
// Workloads through the real binary: meshgate run starts sandboxed programs
// (python3 http.server, nginx) and routes to them, gates traffic on readiness,
// restarts crashes with backoff, restarts only what a reload changed, and on
// SIGTERM stops every workload (SIGKILL after the grace period) leaving no
// process behind.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "base/file.h"
#include "sandbox/builtin_profiles.h"
#include "testing/ports.h"
#include "testing/subprocess.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::httpGet;
using testing::MeshgateProcess;
using testing::waitUntil;

// Generous bounds for what depends on a program starting (python3 imports,
// nginx forks) on a loaded machine; the waits end as soon as the condition holds.
constexpr std::chrono::seconds kSlow(30);

// Sandboxes need unprivileged user namespaces (and the rest of the recipe);
// where the kernel refuses, say why and skip.
std::string sandboxUnavailable() {
  static const std::string reason = [] {
    auto r = testing::runCommand(
        {MG_BINARY, "sandbox", "run", "--builtin", "strict", "--", "/bin/true"});
    return r.exit_code == 0 ? std::string() : "the sandbox cannot start here: " + r.err;
  }();
  return reason;
}

#define MG_REQUIRE_SANDBOX()                                    \
  do {                                                          \
    if (std::string why = sandboxUnavailable(); !why.empty()) { \
      GTEST_SKIP() << why;                                      \
    }                                                           \
  } while (0)

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

struct WorkloadDoc {
  std::string name;
  std::string command;
  std::vector<std::string> args;
  std::string profile = "shell";
  uint16_t port = 0;
  std::string extra;  // more spec lines, indented 2 spaces
};

std::string workload(const WorkloadDoc& w) {
  std::string y = "apiVersion: meshgate.io/v1\nkind: Workload\nmetadata: {name: " + w.name +
                  "}\nspec:\n  command: " + w.command + "\n  args: [";
  for (size_t i = 0; i < w.args.size(); ++i)
    y += (i ? ", " : "") + quoted(w.args[i]);
  y += "]\n  sandboxProfile: " + w.profile + "\n  labels: {app: " + w.name + "}\n";
  if (w.port) y += "  port: " + std::to_string(w.port) + "\n";
  return y + w.extra + "---\n";
}

// A ServiceEntry selecting the workload labelled app=<name>, and a route to it.
std::string routeToWorkload(const std::string& name, uint16_t port) {
  return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: " + name +
         "}\nspec:\n  hosts: [" + name + ".local]\n  ports: [{number: " + std::to_string(port) +
         ", name: http}]\n  resolution: STATIC\n  workloadSelector: {labels: {app: " + name +
         "}}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " +
         name + "}\nspec:\n  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: " + name +
         ".local}}]\n---\n";
}

std::string series(const std::string& metric, const std::string& workload,
                   const std::string& extra = "") {
  return metric + "{workload=\"default/" + workload + "\"" + extra + "}";
}

// A copy of a profile's YAML renamed to `name` with `binds` (lines of the
// filesystem.binds list) added.
std::string derivedProfile(std::string yaml, const std::string& from, const std::string& name,
                           const std::string& binds) {
  const std::string meta = "name: " + from + "\n";
  auto at = yaml.find(meta);
  EXPECT_NE(at, std::string::npos);
  yaml.replace(at, meta.size(), "name: " + name + "\n");
  const std::string key = "    binds:\n";
  at = yaml.find(key);
  EXPECT_NE(at, std::string::npos);
  yaml.insert(at + key.size(), binds);
  if (yaml.back() != '\n') yaml += '\n';
  return yaml + "---\n";
}

// Pids of live processes whose command line contains `marker`.
std::vector<int> processesWith(const std::string& marker) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(marker) != std::string::npos) out.push_back(std::stoi(pid));
  }
  return out;
}

TEST(Workload, ValidateChecksSandboxProfilesWithFileAndLine) {
  testing::TempDir dir;
  const std::string bad = dir.write(
      "bad.yaml", workload({"w", "/bin/true", {}, "tight", 0, ""}) +
                      "apiVersion: meshgate.io/v1\nkind: SandboxProfile\nmetadata: {name: tight}\n"
                      "spec:\n  network: {mode: hosted}\n");
  auto r = testing::runCommand({MG_BINARY, "validate", bad});
  EXPECT_EQ(r.exit_code, 1);
  // Line 14: the Workload takes 8 lines, then the separator and 4 of the profile.
  EXPECT_NE(r.err.find(bad + ":14:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SandboxProfile: spec.network.mode"), std::string::npos) << r.err;

  const std::string unknown =
      dir.write("unknown.yaml", workload({"w", "/bin/true", {}, "nope", 0, ""}));
  auto u = testing::runCommand({MG_BINARY, "validate", unknown});
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_NE(u.err.find("sandboxProfile \"nope\" is neither a SandboxProfile"), std::string::npos)
      << u.err;

  // The learned nginx profile is a valid config document, and so is a Workload using it.
  const std::string nginx = std::string(MG_SOURCE_DIR) + "/examples/sandbox/nginx.yaml";
  auto n = testing::runCommand({MG_BINARY, "validate", nginx});
  EXPECT_EQ(n.exit_code, 0) << n.err;
}

TEST(Workload, PythonHttpServerBehindTheProxyGatedByReadiness) {
  MG_REQUIRE_SANDBOX();
  testing::TempDir site;
  ::chmod(site.path().c_str(), 0777);  // the sandbox writes as an unprivileged id
  site.write("hello.txt", "hello from a sandbox\n");
  const uint16_t port = testing::pickFreePort();
  const std::string profile =
      derivedProfile(std::string(sandbox::builtinProfileYaml("http-service")), "http-service",
                     "pyfiles", "      - {source: " + site.path() + ", readOnly: false}\n");
  const std::string cfg =
      baseConfig() + profile +
      workload({"files",
                "/usr/bin/python3",
                {"-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"},
                "pyfiles",
                port,
                "  workingDir: " + site.path() +
                    "\n  env: [{name: PYTHONUNBUFFERED, value: \"1\"}]\n"
                    "  readinessProbe: {httpGet: {path: /ready.txt}, periodSeconds: 1, "
                    "failureThreshold: 1}\n"}) +
      routeToWorkload("files", port);
  MeshgateProcess mg(MG_BINARY, cfg);
  const uint16_t front = mg.listenerPort("default/main");
  ASSERT_NE(front, 0);

  // The server comes up, but /ready.txt is 404 until the file exists: the
  // endpoint stays unhealthy and the proxy answers 503 itself.
  ASSERT_TRUE(waitUntil([&] {
    return mg.metric(series("meshgate_workload_starts_total", "files")) == 1;
  })) << mg.process().stderrText();
  ASSERT_TRUE(testing::waitForTcpPort(port, kSlow)) << mg.process().stderrText();
  auto before = httpGet(front, "/hello.txt");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 503);
  EXPECT_EQ(before->body, "no healthy upstream");
  EXPECT_EQ(mg.metric(series("meshgate_workload_up", "files")), 0);

  site.write("ready.txt", "ok\n");
  ASSERT_TRUE(waitUntil(
      [&] {
        auto r = httpGet(front, "/hello.txt");
        return r && r->status == 200;
      },
      kSlow))
      << mg.process().stderrText();
  auto after = httpGet(front, "/hello.txt");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "hello from a sandbox\n");
  EXPECT_EQ(mg.metric(series("meshgate_workload_up", "files")), 1);
  EXPECT_TRUE(mg.process().waitForOutput("workload default/files: ready (status 200)"));

  // Readiness lost again (failureThreshold 1): back to 503 without a restart.
  ASSERT_EQ(::unlink(site.file("ready.txt").c_str()), 0);
  ASSERT_TRUE(waitUntil(
      [&] {
        auto r = httpGet(front, "/hello.txt");
        return r && r->status == 503;
      },
      kSlow))
      << mg.process().stderrText();
  EXPECT_EQ(mg.metric(series("meshgate_workload_starts_total", "files")), 1);

  mg.process().signal(SIGTERM);
  EXPECT_EQ(mg.process().wait(std::chrono::seconds(20)), 0) << mg.process().stderrText();
}

TEST(Workload, NginxBehindTheProxy) {
  MG_REQUIRE_SANDBOX();
  if (::access("/usr/sbin/nginx", X_OK) != 0) GTEST_SKIP() << "nginx is not installed";
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const uint16_t port = testing::pickFreePort();
  std::filesystem::create_directory(dir.file("site"));
  ::chmod(dir.file("site").c_str(), 0755);
  dir.write("site/index.html", "nginx in a sandbox\n");
  dir.write("nginx.conf",
            "daemon off;\nmaster_process on;\nworker_processes 1;\npid /tmp/nginx.pid;\n"
            "error_log stderr warn;\nevents { worker_connections 64; }\nhttp {\n"
            "  access_log off;\n  client_body_temp_path /tmp/client;\n"
            "  proxy_temp_path /tmp/proxy;\n  fastcgi_temp_path /tmp/fastcgi;\n"
            "  uwsgi_temp_path /tmp/uwsgi;\n  scgi_temp_path /tmp/scgi;\n"
            "  server {\n    listen 127.0.0.1:" +
                std::to_string(port) +
                ";\n    root /srv/site;\n    location /healthz { return 204; }\n  }\n}\n");
  ::chmod(dir.file("nginx.conf").c_str(), 0644);
  ::chmod(dir.file("site/index.html").c_str(), 0644);
  auto example = base::readFile(std::string(MG_SOURCE_DIR) + "/examples/sandbox/nginx.yaml");
  ASSERT_TRUE(example.ok());
  const std::string profile = derivedProfile(
      *example, "nginx", "nginx-site", "      - {source: " + dir.path() + ", target: /srv}\n");
  const std::string cfg =
      baseConfig() + profile +
      workload({"web",
                "/usr/sbin/nginx",
                {"-e", "stderr", "-p", "/tmp", "-c", "/srv/nginx.conf"},
                "nginx-site",
                port,
                "  readinessProbe: {httpGet: {path: /healthz}, periodSeconds: 1}\n"
                "  terminationGracePeriodSeconds: 5\n"}) +
      // A route may name the Workload itself as its destination host.
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\n"
      "spec:\n  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: web}}]\n";
  MeshgateProcess mg(MG_BINARY, cfg);
  const uint16_t front = mg.listenerPort("default/main");
  ASSERT_NE(front, 0);
  ASSERT_TRUE(waitUntil(
      [&] {
        auto r = httpGet(front, "/index.html");
        return r && r->status == 200;
      },
      std::chrono::seconds(15)))
      << mg.process().stderrText();
  auto r = httpGet(front, "/index.html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "nginx in a sandbox\n");
  EXPECT_EQ(mg.metric(series("meshgate_workload_up", "web")), 1);
  // Its master and worker stay inside the sandbox's pid namespace; SIGTERM
  // lets nginx shut down cleanly within its grace period.
  mg.process().signal(SIGTERM);
  EXPECT_EQ(mg.process().wait(std::chrono::seconds(20)), 0) << mg.process().stderrText();
  EXPECT_EQ(mg.process().stderrText().find("workload default/web: sending SIGKILL"),
            std::string::npos)
      << mg.process().stderrText();
  EXPECT_NE(mg.process().stderrText().find("workload default/web: stopped: exited with status 0"),
            std::string::npos)
      << mg.process().stderrText();
}

TEST(Workload, CrashesAreRestartedWithBackoffAndViolationsLogged) {
  MG_REQUIRE_SANDBOX();
  const std::string cfg =
      baseConfig() +
      workload({"crash",
                "/bin/sh",
                {"-c", "exit 3"},
                "shell",
                0,
                "  backoff: {initial: 100ms, max: 400ms}\n"}) +
      // python3 needs more than `strict` allows: a violation, not restarted.
      workload({"confined",
                "/usr/bin/python3",
                {"-c", "pass"},
                "strict",
                0,
                "  restartPolicy: Never\n"}) +
      workload({"once", "/bin/sh", {"-c", "exit 0"}, "shell", 0, "  restartPolicy: OnFailure\n"}) +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
      "  hosts: [\"*\"]\n  http:\n  - directResponse: {status: 200}\n";
  MeshgateProcess mg(MG_BINARY, cfg);
  ASSERT_TRUE(waitUntil(
      [&] { return mg.metric(series("meshgate_workload_restarts_total", "crash")) >= 4; }, kSlow))
      << mg.process().stderrText();
  EXPECT_GE(mg.metric(series("meshgate_workload_exits_total", "crash", ",reason=\"error\"")), 4);
  const std::string log = mg.process().stderrText();
  // 100ms, 200ms, 400ms, then capped at 400ms.
  const auto first = log.find("workload default/crash: restarting in 100ms (failure 1 in a row)");
  const auto second = log.find("workload default/crash: restarting in 200ms (failure 2 in a row)");
  const auto third = log.find("workload default/crash: restarting in 400ms (failure 3 in a row)");
  const auto fourth = log.find("workload default/crash: restarting in 400ms (failure 4 in a row)");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_LT(third, fourth);
  EXPECT_NE(fourth, std::string::npos);
  EXPECT_NE(log.find("workload default/crash: exited with status 3"), std::string::npos) << log;
  // OnFailure and a clean exit: started once, never restarted.
  ASSERT_TRUE(waitUntil(
      [&] {
        return mg.metric(
                   series("meshgate_workload_exits_total", "once", ",reason=\"completed\"")) == 1;
      },
      kSlow));
  EXPECT_EQ(mg.metric(series("meshgate_workload_starts_total", "once")), 1);
  EXPECT_EQ(mg.metric(series("meshgate_workload_restarts_total", "once")), 0);
  EXPECT_TRUE(mg.process().waitForOutput("workload default/once: not restarted (restartPolicy)"));
  ASSERT_TRUE(waitUntil(
      [&] {
        return mg.metric(series("meshgate_workload_exits_total", "confined",
                                ",reason=\"violation\"")) == 1;
      },
      kSlow))
      << mg.process().stderrText();
  EXPECT_EQ(mg.metric(series("meshgate_workload_starts_total", "confined")), 1);
  EXPECT_TRUE(mg.process().waitForOutput("workload default/confined: killed: seccomp violation"));
  EXPECT_TRUE(mg.process().waitForOutput(
      "workload default/confined: {\"time\":"));  // the sandbox's JSON event
  EXPECT_NE(mg.process().stderrText().find("\"event\":\"seccomp_violation\""), std::string::npos);
  // The admin listener's view of the same workloads.
  auto workloads = mg.admin("/workloads");
  ASSERT_TRUE(workloads.has_value());
  EXPECT_EQ(workloads->status, 200);
  EXPECT_NE(
      workloads->body.find("{\"name\":\"default/once\",\"phase\":\"stopped\",\"ready\":false,"
                           "\"pid\":0,\"starts\":1,\"restarts\":0,\"last_exit\":\"exited with "
                           "status 0\"}"),
      std::string::npos)
      << workloads->body;
  EXPECT_NE(
      workloads->body.find("{\"name\":\"default/confined\",\"phase\":\"stopped\",\"ready\":"
                           "false,\"pid\":0,\"starts\":1,\"restarts\":0,\"last_exit\":\"killed: "
                           "seccomp violation"),
      std::string::npos)
      << workloads->body;
  std::smatch crash;
  ASSERT_TRUE(std::regex_search(
      workloads->body, crash,
      std::regex("\\{\"name\":\"default/crash\",\"phase\":\"(running|backoff)\","
                 "\"ready\":(true|false),\"pid\":[0-9]+,\"starts\":([0-9]+),"
                 "\"restarts\":([0-9]+),\"last_exit\":\"exited with status 3\"\\}")))
      << workloads->body;
  EXPECT_GE(std::stoi(crash[4]), 4);
  EXPECT_EQ(std::stoi(crash[3]), std::stoi(crash[4]) + 1);
  mg.process().signal(SIGTERM);
  EXPECT_EQ(mg.process().wait(std::chrono::seconds(20)), 0) << mg.process().stderrText();
}

TEST(Workload, SigtermStopsWorkloadsThenKillsThoseThatIgnoreIt) {
  MG_REQUIRE_SANDBOX();
  const std::string marker = "4242." + std::to_string(::getpid());
  const std::string cfg =
      baseConfig() +
      workload({"polite",
                "/bin/sh",
                {"-c", "exec sleep 1" + marker},
                "shell",
                0,
                "  terminationGracePeriodSeconds: 20\n"}) +
      workload({"stubborn",
                "/bin/sh",
                {"-c", "trap '' TERM; while :; do sleep 2" + marker + "; done"},
                "shell",
                0,
                "  terminationGracePeriodSeconds: 1\n"}) +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
      "  hosts: [\"*\"]\n  http:\n  - directResponse: {status: 200}\n";
  MeshgateProcess mg(MG_BINARY, cfg);
  // polite is one process (sh exec'd sleep), stubborn a shell and its sleep.
  ASSERT_TRUE(waitUntil(
      [&] {
        return processesWith("1" + marker).size() == 1 && processesWith("2" + marker).size() == 2;
      },
      kSlow))
      << mg.process().stderrText();
  mg.process().signal(SIGTERM);
  EXPECT_EQ(mg.process().wait(std::chrono::seconds(20)), 0) << mg.process().stderrText();
  const std::string log = mg.process().stderrText();
  EXPECT_NE(log.find("workload default/polite: stopped: killed by SIGTERM"), std::string::npos)
      << log;
  EXPECT_NE(log.find("workload default/stubborn: sending SIGKILL"), std::string::npos) << log;
  EXPECT_NE(log.find("workload default/stubborn: stopped: killed by SIGKILL"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("workload default/polite: sending SIGKILL"), std::string::npos) << log;
  // The sandboxes' pid namespaces took every descendant with them.
  EXPECT_TRUE(waitUntil([&] { return processesWith(marker).empty(); }, std::chrono::seconds(5)));
}

TEST(Workload, ReloadRestartsOnlyTheChangedWorkload) {
  MG_REQUIRE_SANDBOX();
  const std::string marker = "5151." + std::to_string(::getpid());
  auto config = [&](const std::string& b_arg, bool with_c) {
    std::string y = baseConfig() +
                    workload({"a",
                              "/bin/sleep",
                              {"1" + marker},
                              "shell",
                              0,
                              "  terminationGracePeriodSeconds: 5\n"}) +
                    workload({"b",
                              "/bin/sleep",
                              {b_arg + marker},
                              "shell",
                              0,
                              "  terminationGracePeriodSeconds: 5\n"});
    y += with_c ? workload({"c",
                            "/bin/sleep",
                            {"3" + marker},
                            "shell",
                            0,
                            "  terminationGracePeriodSeconds: 5\n"})
                : workload({"d",
                            "/bin/sleep",
                            {"4" + marker},
                            "shell",
                            0,
                            "  terminationGracePeriodSeconds: 5\n"});
    return y +
           "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\n"
           "spec:\n  hosts: [\"*\"]\n  http:\n  - directResponse: {status: 200}\n";
  };
  MeshgateProcess mg(MG_BINARY, config("2", false));
  ASSERT_TRUE(waitUntil([&] { return processesWith(marker).size() == 3; }, kSlow))
      << mg.process().stderrText();
  const auto a_pids = processesWith("1" + marker);
  ASSERT_EQ(a_pids.size(), 1u);

  // b's args change, d goes, c comes; a stays as it is.
  mg.writeConfig(config("6", true));
  ASSERT_TRUE(waitUntil(
      [&] {
        return mg.metric(series("meshgate_workload_starts_total", "b")) == 2 &&
               mg.metric(series("meshgate_workload_starts_total", "c")) == 1 &&
               processesWith("4" + marker).empty() && processesWith("2" + marker).empty() &&
               processesWith(marker).size() == 3;
      },
      kSlow))
      << mg.process().stderrText();
  EXPECT_EQ(mg.metric(series("meshgate_workload_starts_total", "a")), 1);
  EXPECT_EQ(processesWith("1" + marker), a_pids);
  EXPECT_EQ(processesWith("6" + marker).size(), 1u);
  // A configuration change is not a crash: no restart counted for b.
  EXPECT_EQ(mg.metric(series("meshgate_workload_restarts_total", "b")), 0);
  const std::string log = mg.process().stderrText();
  EXPECT_NE(log.find("workload default/b: configuration changed; restarting"), std::string::npos);
  EXPECT_NE(log.find("workload default/d: removed from the configuration"), std::string::npos);
  EXPECT_EQ(log.find("workload default/a: configuration changed"), std::string::npos);

  mg.process().signal(SIGTERM);
  EXPECT_EQ(mg.process().wait(std::chrono::seconds(20)), 0) << mg.process().stderrText();
  EXPECT_TRUE(waitUntil([&] { return processesWith(marker).empty(); }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace meshgate::integration
