// SPDX-License-Identifier: Apache-2.0
// builtin_profiles_gen OUT.cc: writes builtin_data.h's tables. Parses each
// built-in profile's YAML with the profile loader, compiles its seccomp policy
// in every filter mode with libseccomp, and emits both as C++ initialisers.
// Run by CMake at build time; links builtin_data_none.cc, so nothing it reads
// comes from an earlier run.
#include <seccomp.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "base/file.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/seccomp_bpf.h"

namespace meshgate::sandbox {
namespace {

std::string literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string str(const std::string& s) {
  return "std::string(" + literal(s) + ")";
}

std::string num(uint64_t v) {
  return std::to_string(v) + "ull";
}

template <typename T, typename F>
std::string list(const std::vector<T>& items, F each) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + each(items[i]);
  return out + "}";
}

template <typename T, typename F>
std::string optional(const std::optional<T>& v, F each) {
  return v ? "std::make_optional(" + each(*v) + ")" : std::string("std::nullopt");
}

template <typename E>
std::string enumValue(const char* type, E e) {
  return "static_cast<" + std::string(type) + ">(" + std::to_string(static_cast<int>(e)) + ")";
}

std::string nanos(std::chrono::nanoseconds d) {
  return "std::chrono::nanoseconds(" + std::to_string(d.count()) + "ll)";
}

std::string action(const SeccompAction& a) {
  return "SeccompAction{" + enumValue("SeccompActionKind", a.kind) + ", " +
         std::to_string(a.errno_value) + "}";
}

// Every member, so that the table never depends on defaults.
std::string profileCode(const Profile& p) {
  const auto strs = [](const std::vector<std::string>& v) { return list(v, str); };
  const auto ints = [](const std::vector<int>& v) {
    return list(v, [](int i) { return std::to_string(i); });
  };
  const auto ports = [](const std::vector<uint16_t>& v) {
    return "std::vector<uint16_t>" + list(v, [](uint16_t i) { return std::to_string(i); });
  };
  std::string c;
  c += "  Profile p;\n";
  c += "  p.name = " + str(p.name) + ";\n";
  const UserSpec& u = p.user;
  c += "  p.user = UserSpec{" + std::to_string(u.uid) + "u, " + std::to_string(u.gid) + "u, " +
       std::to_string(u.host_uid) + "u, " + std::to_string(u.host_gid) + "u, " +
       std::to_string(u.count) + "u};\n";
  const ProcessSpec& pr = p.process;
  c += "  p.process.init = " + std::string(pr.init ? "true" : "false") + ";\n";
  c += "  p.process.working_dir = " + str(pr.working_dir) + ";\n";
  c += "  p.process.hostname = " + str(pr.hostname) + ";\n";
  c += "  p.process.env = std::vector<EnvVar>" +
       list(pr.env,
            [](const EnvVar& e) {
              return "EnvVar{" + str(e.name) + ", " + optional(e.value, str) + "}";
            }) +
       ";\n";
  c += "  p.process.pass_fds = std::vector<int>" + ints(pr.pass_fds) + ";\n";
  c += "  p.filesystem.mounts = std::vector<MountSpec>" +
       list(p.filesystem.mounts,
            [](const MountSpec& m) {
              return "MountSpec{" + enumValue("MountKind", m.kind) + ", " + str(m.source) + ", " +
                     str(m.target) + ", " + (m.read_only ? "true" : "false") + ", " +
                     (m.optional ? "true" : "false") + ", " + num(m.size_bytes) + ", " +
                     std::to_string(m.mode) + "u}";
            }) +
       ";\n";
  c += "  p.filesystem.proc = " + std::string(p.filesystem.proc ? "true" : "false") + ";\n";
  c += "  p.filesystem.dev = " + std::string(p.filesystem.dev ? "true" : "false") + ";\n";
  c += "  p.network.mode = " + enumValue("NetworkMode", p.network.mode) + ";\n";
  c += "  p.network.socket_families = " +
       optional(p.network.socket_families,
                [&](const std::vector<int>& v) { return "std::vector<int>" + ints(v); }) +
       ";\n";
  const LimitsSpec& l = p.limits;
  c += "  p.limits.memory_bytes = " + optional(l.memory_bytes, num) + ";\n";
  c += "  p.limits.pids = " + optional(l.pids, num) + ";\n";
  c += "  p.limits.cpu_cores = " +
       optional(l.cpu_cores,
                [](double d) {
                  char buf[64];
                  std::snprintf(buf, sizeof buf, "%a", d);  // exact
                  return std::string(buf);
                }) +
       ";\n";
  c += "  p.limits.cpu_time = " + optional(l.cpu_time, nanos) + ";\n";
  c += "  p.limits.wall_time = " + optional(l.wall_time, nanos) + ";\n";
  c += "  p.limits.rlimits = std::vector<Rlimit>" +
       list(l.rlimits,
            [](const Rlimit& r) {
              return "Rlimit{" + std::to_string(r.resource) + ", " + num(r.soft) + ", " +
                     num(r.hard) + "}";
            }) +
       ";\n";
  c += "  p.capabilities = std::vector<int>" + ints(p.capabilities) + ";\n";
  const LandlockSpec& ll = p.landlock;
  c += "  p.landlock.mode = " + enumValue("LandlockMode", ll.mode) + ";\n";
  c += "  p.landlock.paths = " +
       optional(ll.paths,
                [](const std::vector<LandlockPathRule>& v) {
                  return "std::vector<LandlockPathRule>" + list(v, [](const LandlockPathRule& r) {
                           return "LandlockPathRule{" + str(r.path) + ", " +
                                  std::to_string(r.access) + "u}";
                         });
                }) +
       ";\n";
  c += "  p.landlock.bind_tcp = " + optional(ll.bind_tcp, ports) + ";\n";
  c += "  p.landlock.connect_tcp = " + optional(ll.connect_tcp, ports) + ";\n";
  c += "  p.landlock.scope_signals = " + std::string(ll.scope_signals ? "true" : "false") + ";\n";
  c += "  p.landlock.scope_abstract_unix = " +
       std::string(ll.scope_abstract_unix ? "true" : "false") + ";\n";
  const SeccompPolicy& sc = p.seccomp;
  c += "  p.seccomp.default_action = " + action(sc.default_action) + ";\n";
  c += "  p.seccomp.rules = std::vector<SyscallRule>" +
       list(sc.rules,
            [&](const SyscallRule& r) {
              return "SyscallRule{std::vector<std::string>" + strs(r.names) + ", " +
                     action(r.action) + ", std::vector<ArgCondition>" +
                     list(r.args,
                          [](const ArgCondition& a) {
                            return "ArgCondition{" + std::to_string(a.index) + "u, " +
                                   enumValue("ArgOp", a.op) + ", " + num(a.value) + ", " +
                                   num(a.value_two) + "}";
                          }) +
                     ", " + (r.split_same_index_conditions ? "true" : "false") + "}";
            }) +
       ";\n";
  c += "  p.seccomp.architectures = std::vector<SeccompArch>" +
       list(sc.architectures, [](SeccompArch a) { return enumValue("SeccompArch", a); }) + ";\n";
  c += "  p.seccomp.report = " + std::string(sc.report ? "true" : "false") + ";\n";
  c += "  p.seccomp.kernel_log = " + std::string(sc.kernel_log ? "true" : "false") + ";\n";
  c += "  p.seccomp.origin = " + str(sc.origin) + ";\n";
  c += "  return p;\n";
  return c;
}

int run(const char* out_path) {
  std::string code =
      "// Generated by builtin_profiles_gen from src/sandbox/builtin_profiles.cc: do not edit.\n"
      "#include \"sandbox/builtin_data.h\"\n\n"
      "namespace meshgate::sandbox {\n"
      "namespace {\n\n";
  std::string profiles;
  std::string policies;
  size_t policy_count = 0;
  for (const std::string& name : builtinProfileNames()) {
    auto profile = parseBuiltinProfileYaml(name);
    if (!profile.ok()) {
      std::fprintf(stderr, "builtin_profiles_gen: %s: %s\n", name.c_str(),
                   profile.error().describe().c_str());
      return 1;
    }
    profiles += "  if (name == " + literal(name) + ") {\n" + profileCode(profile.value()) + "  }\n";
    for (FilterMode mode : {FilterMode::Enforce, FilterMode::Report, FilterMode::Learn}) {
      // A kernel without user notification (the build machine's) only
      // leaves those modes to run-time compilation.
      auto compiled = compilePolicyUncached(profile.value().seccomp, mode);
      if (!compiled.ok()) continue;
      const CompiledPolicy& cp = compiled.value();
      std::string array = "kProgram" + std::to_string(policy_count++);
      code += "constexpr sock_filter " + array + "[] = {\n";
      for (const sock_filter& f : cp.program.insns) {
        char line[96];
        std::snprintf(line, sizeof line, "    {0x%04x, %u, %u, 0x%08" PRIx32 "},\n", f.code, f.jt,
                      f.jf, f.k);
        code += line;
      }
      code += "};\n";
      policies +=
          "  if (key == " + literal(policyCacheKey(profile.value().seccomp, mode)) +
          ") {\n    CompiledPolicy c;\n    c.program.insns.assign(std::begin(" + array +
          "), std::end(" + array + "));\n    c.unknown_syscalls = std::vector<std::string>" +
          list(cp.unknown_syscalls, str) +
          ";\n    c.allowed_syscalls = " + std::to_string(cp.allowed_syscalls) +
          ";\n    c.uses_notification = " + (cp.uses_notification ? "true" : "false") +
          ";\n    c.kernel_log = " + (cp.kernel_log ? "true" : "false") + ";\n    return c;\n  }\n";
    }
  }
  code += "constexpr int kApiLevel = " + std::to_string(seccomp_api_get()) + ";\n\n";
  code += "}  // namespace\n\n";
  code += "std::optional<Profile> generatedBuiltinProfile(std::string_view name) {\n" + profiles +
          "  return std::nullopt;\n}\n\n";
  code +=
      "std::optional<CompiledPolicy> precompiledPolicy(int api_level, std::string_view key) {\n"
      "  if (api_level != kApiLevel) return std::nullopt;\n" +
      policies + "  return std::nullopt;\n}\n\n";
  code += "size_t precompiledPolicyCount() {\n  return " + std::to_string(policy_count) +
          ";\n}\n\n}  // namespace meshgate::sandbox\n";
  if (auto s = base::writeFileAtomic(out_path, code); !s.ok()) {
    std::fprintf(stderr, "builtin_profiles_gen: %s\n", s.error().describe().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace meshgate::sandbox

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: builtin_profiles_gen OUT.cc\n");
    return 2;
  }
  return meshgate::sandbox::run(argv[1]);
}
