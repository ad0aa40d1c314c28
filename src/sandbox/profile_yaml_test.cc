// SPDX-License-Identifier: Apache-2.0
#include "sandbox/profile_yaml.h"

#include <seccomp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "base/file.h"
#include "sandbox/builtin_data.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/seccomp_bpf.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

constexpr const char* kHeader =
    "apiVersion: meshgate.io/v1\nkind: SandboxProfile\nmetadata:\n  name: t\n";

base::Result<Profile> parse(const std::string& spec, const std::string& file = "p.yaml") {
  ProfileParseOptions o;
  o.file_name = file;
  return parseProfileYaml(std::string(kHeader) + spec, o);
}

std::string errorOf(const std::string& spec) {
  auto r = parse(spec);
  return r.ok() ? std::string("<parsed>") : r.error().message;
}

TEST(ProfileYaml, MinimalProfileGetsSafeDefaults) {
  auto r = parse("spec: {}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Profile& p = r.value();
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.user.uid, 0u);
  EXPECT_EQ(p.user.host_uid, 65534u);
  EXPECT_EQ(p.network.mode, NetworkMode::None);
  EXPECT_TRUE(p.process.init);
  ASSERT_EQ(p.filesystem.mounts.size(), 1u);
  EXPECT_EQ(p.filesystem.mounts[0].kind, MountKind::Tmpfs);
  EXPECT_EQ(p.filesystem.mounts[0].target, "/tmp");
  EXPECT_TRUE(p.capabilities.empty());
  // No spec.seccomp: the shell profile's policy.
  EXPECT_EQ(p.seccomp.default_action.kind, SeccompActionKind::Errno);
  EXPECT_FALSE(p.seccomp.rules.empty());
  EXPECT_EQ(p.process.env.size(), 1u);
  EXPECT_EQ(p.process.env[0].name, "PATH");
}

TEST(ProfileYaml, EveryFieldParses) {
  auto r = parse(R"(spec:
  user: {uid: 1000, gid: 1000, hostUid: 200000, hostGid: 200000, count: 65536}
  process:
    init: false
    workingDir: /srv
    hostname: web
    env:
      - name: PATH
        value: /usr/bin
      - name: LANG
      - TZ=UTC
    passFds: [3, 4]
  filesystem:
    readOnly: [/usr, /etc/ssl/]
    readWrite: [/srv/data]
    binds:
      - {source: /opt/app, target: /app, readOnly: true, optional: true}
    tmpfs:
      - /run
      - {path: /tmp, size: 32Mi, mode: "0700"}
    proc: false
    dev: true
  network:
    mode: loopback
    socketFamilies: [unix, AF_INET]
  limits:
    memory: 256Mi
    pids: 64
    cpu: 500m
    cpuTime: 10s
    wallTime: 1m30s
    rlimits:
      nofile: 1024
      RLIMIT_CORE: 0
      stack: {soft: 8Mi, hard: unlimited}
  capabilities: [CAP_NET_BIND_SERVICE, chown]
  landlock:
    mode: required
    paths:
      - {path: /usr, access: [read, execute]}
      - {path: /srv/data, access: [read, write]}
    bindTcp: [8080]
    connectTcp: []
    scopes: [signal]
  seccomp:
    defaultAction: errno
    defaultErrno: ENOSYS
    allow: [read, write]
    rules:
      - names: [ioctl]
        action: allow
        args: [{index: 1, op: eq, value: 0x5401}]
      - names: [socket]
        action: errno
        errno: EACCES
    architectures: [native]
    report: false
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Profile& p = r.value();
  EXPECT_EQ(p.user.uid, 1000u);
  EXPECT_EQ(p.user.host_uid, 200000u);
  EXPECT_EQ(p.user.count, 65536u);
  EXPECT_FALSE(p.process.init);
  EXPECT_EQ(p.process.working_dir, "/srv");
  EXPECT_EQ(p.process.hostname, "web");
  ASSERT_EQ(p.process.env.size(), 3u);
  EXPECT_EQ(p.process.env[1].name, "LANG");
  EXPECT_FALSE(p.process.env[1].value.has_value());
  EXPECT_EQ(p.process.env[2].value.value_or(""), "UTC");
  EXPECT_EQ(p.process.pass_fds, (std::vector<int>{3, 4}));
  // readOnly, readWrite, binds, then tmpfs in order; trailing slash dropped.
  ASSERT_EQ(p.filesystem.mounts.size(), 6u);
  EXPECT_EQ(p.filesystem.mounts[1].target, "/etc/ssl");
  EXPECT_FALSE(p.filesystem.mounts[2].read_only);
  EXPECT_EQ(p.filesystem.mounts[3].source, "/opt/app");
  EXPECT_EQ(p.filesystem.mounts[3].target, "/app");
  EXPECT_TRUE(p.filesystem.mounts[3].optional);
  EXPECT_EQ(p.filesystem.mounts[5].size_bytes, 32u << 20);
  EXPECT_EQ(p.filesystem.mounts[5].mode, 0700u);
  EXPECT_FALSE(p.filesystem.proc);
  EXPECT_EQ(p.network.mode, NetworkMode::Loopback);
  EXPECT_EQ(p.effectiveSocketFamilies(), (std::vector<int>{AF_UNIX, AF_INET}));
  EXPECT_EQ(*p.limits.memory_bytes, 256u << 20);
  EXPECT_EQ(*p.limits.pids, 64u);
  EXPECT_DOUBLE_EQ(*p.limits.cpu_cores, 0.5);
  EXPECT_EQ(*p.limits.cpu_time, std::chrono::seconds(10));
  EXPECT_EQ(*p.limits.wall_time, std::chrono::seconds(90));
  bool saw_stack = false;
  for (const Rlimit& rl : p.limits.rlimits) {
    if (rl.resource == RLIMIT_STACK) {
      saw_stack = true;
      EXPECT_EQ(rl.soft, 8u << 20);
      EXPECT_EQ(rl.hard, RLIM_INFINITY);
    }
  }
  EXPECT_TRUE(saw_stack);
  EXPECT_EQ(p.capabilities, (std::vector<int>{10, 0}));
  EXPECT_EQ(p.landlock.mode, LandlockMode::Required);
  ASSERT_TRUE(p.landlock.paths.has_value());
  EXPECT_EQ((*p.landlock.paths)[1].access, kLandlockRead | kLandlockWrite);
  EXPECT_EQ(*p.landlock.bind_tcp, (std::vector<uint16_t>{8080}));
  EXPECT_TRUE(p.landlock.connect_tcp->empty());
  EXPECT_TRUE(p.landlock.scope_signals);
  EXPECT_FALSE(p.landlock.scope_abstract_unix);
  EXPECT_EQ(p.seccomp.default_action.kind, SeccompActionKind::Errno);
  EXPECT_EQ(p.seccomp.default_action.errno_value, ENOSYS);
  ASSERT_EQ(p.seccomp.rules.size(), 3u);
  EXPECT_EQ(p.seccomp.rules[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(p.seccomp.rules[1].args[0].value, 0x5401u);
  EXPECT_EQ(p.seccomp.rules[2].action.errno_value, EACCES);
  EXPECT_FALSE(p.seccomp.report);
}

TEST(ProfileYaml, ErrorsPointAtFileLineAndColumn) {
  EXPECT_EQ(errorOf("spec:\n  filesystem:\n    readonly: [/usr]\n"),
            "p.yaml:7:5: spec.filesystem: unknown field 'readonly' (did you mean 'readOnly'?)");
  EXPECT_EQ(errorOf("spec:\n  limits:\n    pids: lots\n"),
            "p.yaml:7:11: spec.limits.pids: expected an integer from 0 to 4194304, got 'lots'");
  EXPECT_EQ(errorOf("spec:\n  process:\n    init: yes\n"),
            "p.yaml:7:11: spec.process.init: expected true or false, got 'yes'");
  EXPECT_EQ(errorOf("spec:\n  seccomp:\n    allow: [read, reed]\n"),
            "p.yaml:7:19: spec.seccomp.allow: unknown syscall 'reed'");
  EXPECT_EQ(errorOf("spec:\n  capabilities: [CAP_SYS_ADMIM]\n"),
            "p.yaml:6:18: spec.capabilities: unknown capability 'CAP_SYS_ADMIM'");
  EXPECT_EQ(errorOf("spec:\n  network: {mode: bridge}\n"),
            "p.yaml:6:19: spec.network.mode: expected none, loopback or host, got 'bridge'");
  EXPECT_EQ(errorOf("spec:\n  filesystem: {readOnly: [usr]}\n"),
            "p.yaml:6:27: spec.filesystem.readOnly[0]: expected an absolute path without . or .., "
            "got 'usr'");
  EXPECT_EQ(errorOf("spec:\n  filesystem: {readOnly: /usr}\n"),
            "p.yaml:6:26: spec.filesystem.readOnly: expected a list, got '/usr'");
  EXPECT_EQ(errorOf("spec:\n  user: {hostUid: 0}\n"),
            "p.yaml:6:19: spec.user.hostUid: sandbox ids may not map onto host id 0");
  EXPECT_EQ(errorOf("spec:\n  limits: {memory: 12 parsecs}\n"),
            "p.yaml:6:20: spec.limits.memory: expected a size of at least 1Mi, such as 256Mi, got "
            "'12 parsecs'");
  EXPECT_EQ(errorOf("spec:\n  seccomp:\n    rules:\n      - names: [ioctl]\n"),
            "p.yaml:8:9: spec.seccomp.rules[0]: missing 'action'");
  EXPECT_EQ(errorOf("spec:\n  bogus: 1\n"), "p.yaml:6:3: spec: unknown field 'bogus'");
}

TEST(ProfileYaml, DocumentLevelErrors) {
  ProfileParseOptions o;
  o.file_name = "x.yaml";
  EXPECT_EQ(parseProfileYaml("apiVersion: v1\nkind: SandboxProfile\n", o).error().message,
            "x.yaml:1:13: apiVersion: expected meshgate.io/v1, got 'v1'");
  EXPECT_EQ(parseProfileYaml("apiVersion: meshgate.io/v1\nkind: Pod\n", o).error().message,
            "x.yaml:2:7: kind: expected SandboxProfile, got 'Pod'");
  EXPECT_EQ(parseProfileYaml("apiVersion: meshgate.io/v1\nkind: SandboxProfile\nspec: {}\n", o)
                .error()
                .message,
            "x.yaml:1:1: missing 'metadata'");
  EXPECT_EQ(parseProfileYaml("a: [1, 2\n", o).error().message.rfind("x.yaml:", 0), 0u);
  EXPECT_NE(parseProfileYaml("a: [1, 2\n", o).error().message.find("YAML:"), std::string::npos);
  EXPECT_EQ(parseProfileYaml("---\na: 1\n---\nb: 2\n", o).error().message,
            "x.yaml: expected one YAML document, found 2");
  EXPECT_EQ(parseProfileYaml("a: 1\n---\nb: 2\n", o).error().message,
            "x.yaml: expected one YAML document, found 2");
  EXPECT_EQ(parseProfileYaml("# nothing\n", o).error().message,
            "x.yaml: expected one YAML document, found 0");
  // One document, with markers.
  EXPECT_EQ(parseProfileYaml("---\n- 1\n...\n", o).error().message,
            "x.yaml:2:1: expected a mapping, got a list");
  EXPECT_EQ(parseProfileYaml("- 1\n", o).error().message,
            "x.yaml:1:1: expected a mapping, got a list");
}

TEST(ProfileYaml, ValidationErrorsAreReported) {
  EXPECT_EQ(errorOf("spec:\n  user: {uid: 5, count: 2}\n"),
            "p.yaml:1:1: spec.user.uid and spec.user.gid must be below spec.user.count (2)");
  EXPECT_EQ(errorOf("spec:\n  seccomp: {defaultAction: kill, allow: [read]}\n"),
            "<parsed>");  // execve is checked when the filter is compiled
  EXPECT_EQ(errorOf("spec:\n  seccomp: {defaultErrno: EPERM}\n"),
            "p.yaml:6:12: spec.seccomp: defaultErrno needs defaultAction errno");
}

TEST(ProfileYaml, DockerProfileReference) {
  ProfileParseOptions o;
  o.file_name = "dir/p.yaml";
  o.base_dir = "dir";
  std::string seen;
  o.read_file = [&](const std::string& path) -> base::Result<std::string> {
    seen = path;
    return std::string(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "write", "execve", "exit_group"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})");
  };
  auto r = parseProfileYaml(
      std::string(kHeader) + "spec:\n  seccomp:\n    dockerProfile: docker.json\n", o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen, "dir/docker.json");
  EXPECT_EQ(r->seccomp.default_action, SeccompAction::fail(EPERM));
  ASSERT_EQ(r->seccomp.rules.size(), 1u);  // mount needs CAP_SYS_ADMIN, which the profile lacks
  auto both = parseProfileYaml(
      std::string(kHeader) + "spec:\n  seccomp:\n    dockerProfile: d.json\n    allow: [read]\n",
      o);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().message,
            "dir/p.yaml:7:20: spec.seccomp.dockerProfile: use either dockerProfile or allow/rules, "
            "not both");
}

TEST(ProfileYaml, WriterRoundTripsEveryBuiltin) {
  for (const std::string& name : builtinProfileNames()) {
    auto p = builtinProfile(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().message;
    std::string yaml = writeProfileYaml(p.value(), "round trip");
    auto again = parseProfileYaml(yaml);
    ASSERT_TRUE(again.ok()) << name << ": " << again.error().message << "\n" << yaml;
    EXPECT_EQ(writeProfileYaml(again.value(), "round trip"), yaml) << name;
    // The same filter comes out of both.
    auto a = compilePolicy(p->seccomp, FilterMode::Report);
    auto b = compilePolicy(again->seccomp, FilterMode::Report);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->program.size(), b->program.size()) << name;
  }
}

TEST(ProfileYaml, Quantities) {
  EXPECT_EQ(parseByteQuantity("64Mi"), 64u << 20);
  EXPECT_EQ(parseByteQuantity("1.5Gi"), 3ull << 29);
  EXPECT_EQ(parseByteQuantity("1G"), 1000000000u);
  EXPECT_EQ(parseByteQuantity("4096"), 4096u);
  EXPECT_EQ(parseByteQuantity("0.5"), std::nullopt);  // half a byte
  EXPECT_EQ(parseByteQuantity("12 MB"), std::nullopt);
  EXPECT_EQ(parseByteQuantity(""), std::nullopt);
  EXPECT_EQ(parseByteQuantity("99999999999Pi"), std::nullopt);
  EXPECT_EQ(parseCpuQuantity("500m"), 0.5);
  EXPECT_EQ(parseCpuQuantity("2"), 2.0);
  EXPECT_EQ(parseCpuQuantity("0.25"), 0.25);
  EXPECT_EQ(parseCpuQuantity("-1"), std::nullopt);
  EXPECT_EQ(parseCpuQuantity("m"), std::nullopt);
  EXPECT_EQ(parseCpuQuantity("0"), std::nullopt);
}

TEST(BuiltinProfiles, HttpServiceAllowsAtMostFortySyscalls) {
  auto p = builtinProfile("http-service");
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto compiled = compilePolicy(p->seccomp, FilterMode::Report);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  EXPECT_LE(compiled->allowed_syscalls, 40u);
  EXPECT_EQ(compiled->allowed_syscalls, 40u);
  EXPECT_TRUE(compiled->unknown_syscalls.empty());
}

TEST(BuiltinProfiles, StrictIsSmallAndKills) {
  auto p = builtinProfile("strict");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->seccomp.default_action.kind, SeccompActionKind::KillProcess);
  EXPECT_EQ(p->network.mode, NetworkMode::None);
  auto compiled = compilePolicy(p->seccomp, FilterMode::Enforce);
  ASSERT_TRUE(compiled.ok());
  EXPECT_LE(compiled->allowed_syscalls, 30u);
  // Nothing that reaches beyond the process.
  for (const char* s : {"socket", "clone", "fork", "kill", "ptrace", "mount", "ioctl"}) {
    EXPECT_EQ(evaluate(compiled->program, nativeCall(*syscallNumber(s))), SECCOMP_RET_KILL_PROCESS)
        << s;
  }
}

TEST(BuiltinProfiles, UnknownName) {
  EXPECT_FALSE(builtinProfile("lenient").ok());
  EXPECT_EQ(builtinProfileYaml("lenient"), "");
}

}  // namespace
}  // namespace meshgate::sandbox

namespace meshgate::sandbox {
namespace {

// The build-time table (builtin_data.h) must be exactly what the loader makes
// of the YAML today, and the precompiled programs what libseccomp compiles.
TEST(BuiltinProfiles, GeneratedTableEqualsTheYamlLoader) {
  for (const std::string& name : builtinProfileNames()) {
    auto parsed = parseBuiltinProfileYaml(name);
    ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
    auto generated = generatedBuiltinProfile(name);
    ASSERT_TRUE(generated.has_value()) << name << " is missing from the generated table";
    EXPECT_TRUE(*generated == parsed.value()) << name << ": the table differs from the YAML";
    auto served = builtinProfile(name);
    ASSERT_TRUE(served.ok());
    EXPECT_TRUE(served.value() == parsed.value()) << name;
  }
  EXPECT_FALSE(generatedBuiltinProfile("nope").has_value());
}

TEST(BuiltinProfiles, PrecompiledProgramsEqualAFreshCompilation) {
  const int api = static_cast<int>(seccomp_api_get());
  size_t found = 0;
  for (const std::string& name : builtinProfileNames()) {
    auto profile = parseBuiltinProfileYaml(name);
    ASSERT_TRUE(profile.ok());
    for (FilterMode mode : {FilterMode::Enforce, FilterMode::Report, FilterMode::Learn}) {
      auto fresh = compilePolicyUncached(profile.value().seccomp, mode);
      auto pre = precompiledPolicy(api, policyCacheKey(profile.value().seccomp, mode));
      if (!fresh.ok()) {
        EXPECT_FALSE(pre.has_value()) << name;
        continue;
      }
      ASSERT_TRUE(pre.has_value()) << name << " mode " << static_cast<int>(mode);
      ++found;
      const auto& a = pre->program.insns;
      const auto& b = fresh.value().program.insns;
      ASSERT_EQ(a.size(), b.size()) << name;
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(a[i].code == b[i].code && a[i].jt == b[i].jt && a[i].jf == b[i].jf &&
                    a[i].k == b[i].k)
            << name << " instruction " << i;
      }
      EXPECT_EQ(pre->unknown_syscalls, fresh.value().unknown_syscalls);
      EXPECT_EQ(pre->allowed_syscalls, fresh.value().allowed_syscalls);
      EXPECT_EQ(pre->uses_notification, fresh.value().uses_notification);
      EXPECT_EQ(pre->kernel_log, fresh.value().kernel_log);
      // Another API level (another kernel's features) never gets them.
      EXPECT_FALSE(
          precompiledPolicy(api + 1, policyCacheKey(profile.value().seccomp, mode)).has_value());
    }
  }
  EXPECT_EQ(found, precompiledPolicyCount());
  EXPECT_GE(found, 3u);  // at least the three Enforce programs
  // A policy changed by a flag is not a built-in's: compiled afresh.
  auto strict = builtinProfile("strict");
  ASSERT_TRUE(strict.ok());
  SeccompPolicy changed = strict.value().seccomp;
  changed.rules.push_back(SyscallRule{{"getpid"}, SeccompAction::allow(), {}, false});
  EXPECT_FALSE(precompiledPolicy(api, policyCacheKey(changed, FilterMode::Report)).has_value());
}

TEST(BuiltinProfiles, DocumentationShowsTheCompiledInYaml) {
  auto doc = base::readFile(std::string(MG_SOURCE_DIR) + "/docs/sandbox.md");
  ASSERT_TRUE(doc.ok()) << doc.error().describe();
  for (const std::string& name : builtinProfileNames()) {
    EXPECT_NE(doc.value().find("```yaml\n" + std::string(builtinProfileYaml(name)) + "```"),
              std::string::npos)
        << "docs/sandbox.md does not show the built-in '" << name << "' as compiled";
  }
}

}  // namespace
}  // namespace meshgate::sandbox
