// SPDX-License-Identifier: Apache-2.0
// `meshgate sandbox run|learn|show`: run a command under a SandboxProfile,
// learn a profile from a run, or print the effective profile.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/docker_seccomp.h"
#include "sandbox/profile_yaml.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_bpf.h"
#include "sandbox/syscalls.h"

namespace meshgate::cli {
namespace {

namespace sb = meshgate::sandbox;

// Exit statuses of meshgate itself (docs/sandbox.md "Exit codes").
constexpr int kExitSandboxError = 125;

constexpr const char* kUsage =
    R"(usage: meshgate sandbox run   [options] -- COMMAND [ARG...]
       meshgate sandbox learn [-o FILE] [options] -- COMMAND [ARG...]
       meshgate sandbox show  [options]
       meshgate sandbox bpf   [-o FILE] [--filter policy|baseline] [options]

run     runs COMMAND in a sandbox; exits with COMMAND's status, or with
        124 (wall time), 125 (sandbox error), 126/127 (cannot execute / not
        found), 128+N (signal N), 137 (memory limit), 152 (CPU time),
        159 (seccomp violation)
learn   runs COMMAND once, records its syscalls and writes the minimal
        SandboxProfile that allows them (stdout, or -o FILE)
show    prints the effective SandboxProfile and its compiled filter size
bpf     writes a compiled seccomp filter as raw struct sock_filter[] (stdout,
        or -o FILE), for `bwrap --add-seccomp-fd` and the like: the policy
        with kernel-enforced actions (no violation reports), or meshgate's
        baseline filter (socket families, TIOCSTI), which meshgate stacks
        under every policy

profile:
  --profile FILE        a SandboxProfile (YAML) or a Docker seccomp profile (JSON)
  --builtin NAME        strict, http-service or shell (default: shell)
  --seccomp FILE        a Docker seccomp profile replacing the profile's policy
flags (override the profile):
  --net none|loopback|host
  --ro PATH[:DEST]      read-only bind (repeatable)
  --rw PATH[:DEST]      read-write bind (repeatable)
  --tmpfs PATH[:SIZE]   a tmpfs (repeatable)
  --mem SIZE            memory limit (cgroup), e.g. 256Mi
  --pids N              process limit (cgroup)
  --cpu CORES           CPU bandwidth (cgroup), e.g. 500m
  --cpu-time DURATION   CPU-time limit, e.g. 10s
  --wall-time DURATION  wall-clock limit, e.g. 1m
  --rlimit NAME=N       e.g. nofile=1024 (repeatable)
  --env NAME[=VALUE]    add to the (otherwise empty) environment (repeatable)
  --chdir DIR           working directory inside
  --hostname NAME
  --uid N --gid N       ids inside the sandbox (mapped to unprivileged host ids)
  --cap CAP             keep a capability (repeatable)
  --pass-fd N           keep fd N open in the sandbox (repeatable)
  --allow SYSCALL       add to the seccomp allowlist (repeatable)
  --default-action kill|errno|log   the seccomp default action
  --landlock off|bestEffort|required
  --bind-port PORT      Landlock: bind(2) only to these TCP ports (repeatable)
  --connect-port PORT   Landlock: connect(2) only to these TCP ports (repeatable)
  --no-init             the command is pid 1 itself (violations: SIGSYS only)
  --no-report           kernel-enforced seccomp, no violation events
  --allow-32bit         admit the x86 and x32 syscall ABIs (refused by default)
reporting:
  --violations FILE     JSON events (violations, limits) to FILE instead of stderr
  --verbose             report each setup step, the Landlock ABI, and the outcome
  --cgroup-parent PATH  parent of the sandbox's cgroups (default: meshgate's own)
)";

struct Options {
  std::string subcommand;
  std::optional<std::string> profile_file;
  std::optional<std::string> builtin;
  std::optional<std::string> seccomp_file;
  std::optional<std::string> output;
  std::string filter = "policy";                           // bpf: policy or baseline
  std::vector<std::pair<std::string, std::string>> flags;  // applied in order
  std::optional<std::string> violations;
  std::string cgroup_parent;
  bool verbose = false;
  bool legacy_mounts = false;
  std::vector<std::string> command;
};

int usageError(const std::string& message) {
  std::fprintf(stderr, "meshgate sandbox: %s\n\n%s", message.c_str(), kUsage);
  return kExitSandboxError;
}

bool takesValue(std::string_view flag) {
  static constexpr std::string_view kWithValue[] = {"--profile",
                                                    "--builtin",
                                                    "--seccomp",
                                                    "--net",
                                                    "--ro",
                                                    "--rw",
                                                    "--tmpfs",
                                                    "--mem",
                                                    "--pids",
                                                    "--cpu",
                                                    "--cpu-time",
                                                    "--wall-time",
                                                    "--rlimit",
                                                    "--env",
                                                    "--chdir",
                                                    "--hostname",
                                                    "--uid",
                                                    "--gid",
                                                    "--cap",
                                                    "--pass-fd",
                                                    "--allow",
                                                    "--landlock",
                                                    "--default-action",
                                                    "--bind-port",
                                                    "--connect-port",
                                                    "--violations",
                                                    "--cgroup-parent",
                                                    "--filter",
                                                    "-o",
                                                    "--output"};
  return std::find(std::begin(kWithValue), std::end(kWithValue), flag) != std::end(kWithValue);
}

std::optional<std::string> parseArgs(Args args, Options& o) {
  if (args.empty()) return "missing subcommand (run, learn, show or bpf)";
  o.subcommand = args[0];
  if (o.subcommand == "-h" || o.subcommand == "--help") return std::string();
  if (o.subcommand != "run" && o.subcommand != "learn" && o.subcommand != "show" &&
      o.subcommand != "bpf") {
    return "unknown subcommand '" + o.subcommand + "'";
  }
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--") {
      for (size_t j = i + 1; j < args.size(); ++j)
        o.command.emplace_back(args[j]);
      break;
    }
    std::string value;
    size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      if (!takesValue(a)) return "option " + a + " takes no value";
    } else if (takesValue(a)) {
      if (i + 1 >= args.size()) return "option " + a + " needs a value";
      value = args[++i];
    }
    if (a == "--profile") {
      o.profile_file = value;
    } else if (a == "--builtin") {
      o.builtin = value;
    } else if (a == "--seccomp") {
      o.seccomp_file = value;
    } else if (a == "-o" || a == "--output") {
      o.output = value;
    } else if (a == "--filter") {
      if (value != "policy" && value != "baseline") return "--filter: expected policy or baseline";
      o.filter = value;
    } else if (a == "--violations") {
      o.violations = value;
    } else if (a == "--cgroup-parent") {
      o.cgroup_parent = value;
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--legacy-mounts") {
      o.legacy_mounts = true;
    } else if (a == "--no-init" || a == "--no-report" || a == "--allow-32bit") {
      o.flags.emplace_back(a, "");
    } else if (takesValue(a)) {
      o.flags.emplace_back(a, value);
    } else if (a == "-h" || a == "--help") {
      return std::string();
    } else if (!a.empty() && a[0] != '-') {
      return "put '--' before the command: meshgate sandbox " + o.subcommand + " [options] -- " + a;
    } else {
      return "unknown option '" + a + "'";
    }
  }
  if (o.profile_file && o.builtin) return "use either --profile or --builtin";
  const bool needs_command = o.subcommand == "run" || o.subcommand == "learn";
  if (!needs_command && !o.command.empty()) return o.subcommand + " takes no command";
  if (needs_command && o.command.empty()) return "missing the command (after --)";
  if (o.output && o.subcommand != "learn" && o.subcommand != "bpf")
    return "-o is for learn and bpf";
  return std::nullopt;
}

std::pair<std::string, std::string> splitPair(const std::string& v) {
  size_t colon = v.find(':');
  if (colon == std::string::npos) return {v, ""};
  return {v.substr(0, colon), v.substr(colon + 1)};
}

base::Status flagError(const std::string& flag, const std::string& message) {
  return base::Error{flag + ": " + message, 0, base::ErrorSource::Config};
}

std::string dirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Applies the command-line overrides, in order.
base::Status applyFlags(const Options& o, sb::Profile& p, bool& allow_32bit) {
  for (const auto& [flag, value] : o.flags) {
    if (flag == "--net") {
      if (value == "none")
        p.network.mode = sb::NetworkMode::None;
      else if (value == "loopback")
        p.network.mode = sb::NetworkMode::Loopback;
      else if (value == "host")
        p.network.mode = sb::NetworkMode::Host;
      else
        return flagError(flag, "expected none, loopback or host");
      p.network.socket_families.reset();
    } else if (flag == "--ro" || flag == "--rw") {
      auto [src, dst] = splitPair(value);
      sb::addBind(p, src, dst.empty() ? src : dst, flag == "--ro");
    } else if (flag == "--tmpfs") {
      auto parts = splitPair(value);
      const std::string path = parts.first;
      const std::string size = parts.second;
      uint64_t bytes = 64ull << 20;
      if (!size.empty()) {
        auto b = sb::parseByteQuantity(size);
        if (!b) return flagError(flag, "bad size '" + size + "'");
        bytes = *b;
      }
      auto& mounts = p.filesystem.mounts;
      mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                  [&](const sb::MountSpec& m) {
                                    return m.kind == sb::MountKind::Tmpfs && m.target == path;
                                  }),
                   mounts.end());
      mounts.push_back(sb::tmpfsMount(path, bytes));
    } else if (flag == "--mem") {
      auto b = sb::parseByteQuantity(value);
      if (!b) return flagError(flag, "expected a size such as 256Mi");
      p.limits.memory_bytes = b;
    } else if (flag == "--pids") {
      auto n = base::parseUint64(value);
      if (!n || *n == 0) return flagError(flag, "expected a positive number");
      p.limits.pids = n;
    } else if (flag == "--cpu") {
      auto c = sb::parseCpuQuantity(value);
      if (!c) return flagError(flag, "expected cores such as 500m or 2");
      p.limits.cpu_cores = c;
    } else if (flag == "--cpu-time" || flag == "--wall-time") {
      auto d = base::parseDuration(value);
      if (!d || d->count() <= 0) return flagError(flag, "expected a duration such as 10s");
      (flag == "--cpu-time" ? p.limits.cpu_time : p.limits.wall_time) = *d;
    } else if (flag == "--rlimit") {
      size_t eq = value.find('=');
      auto res = sb::rlimitFromName(value.substr(0, eq));
      std::optional<uint64_t> n;
      if (eq != std::string::npos) {
        std::string v = value.substr(eq + 1);
        n = v == "unlimited" ? std::optional<uint64_t>(~uint64_t{0}) : base::parseUint64(v);
      }
      if (!res || !n) return flagError(flag, "expected NAME=N, e.g. nofile=1024");
      auto& rl = p.limits.rlimits;
      rl.erase(std::remove_if(rl.begin(), rl.end(),
                              [&](const sb::Rlimit& r) { return r.resource == *res; }),
               rl.end());
      rl.push_back(sb::Rlimit{*res, *n, *n});
    } else if (flag == "--env") {
      size_t eq = value.find('=');
      sb::EnvVar var;
      var.name = value.substr(0, eq);
      if (eq != std::string::npos) var.value = value.substr(eq + 1);
      auto& env = p.process.env;
      env.erase(std::remove_if(env.begin(), env.end(),
                               [&](const sb::EnvVar& e) { return e.name == var.name; }),
                env.end());
      env.push_back(std::move(var));
    } else if (flag == "--chdir") {
      p.process.working_dir = value;
    } else if (flag == "--hostname") {
      p.process.hostname = value;
    } else if (flag == "--uid" || flag == "--gid") {
      auto n = base::parseUint64(value);
      if (!n || *n > 65535) return flagError(flag, "expected an id from 0 to 65535");
      (flag == "--uid" ? p.user.uid : p.user.gid) = static_cast<uint32_t>(*n);
    } else if (flag == "--cap") {
      auto cap = sb::capabilityFromName(value);
      if (!cap) return flagError(flag, "unknown capability '" + value + "'");
      p.capabilities.push_back(*cap);
    } else if (flag == "--pass-fd") {
      auto n = base::parseUint64(value);
      if (!n || *n < 3) return flagError(flag, "expected an fd number of 3 or more");
      p.process.pass_fds.push_back(static_cast<int>(*n));
    } else if (flag == "--allow") {
      if (!sb::syscallNumber(value)) return flagError(flag, "unknown syscall '" + value + "'");
      p.seccomp.rules.push_back(sb::SyscallRule{{value}, sb::SeccompAction::allow(), {}, false});
    } else if (flag == "--default-action") {
      if (value == "kill")
        p.seccomp.default_action = sb::SeccompAction::kill();
      else if (value == "errno")
        p.seccomp.default_action = sb::SeccompAction::fail(EPERM);
      else if (value == "log")
        p.seccomp.default_action = {sb::SeccompActionKind::Log, 0};
      else
        return flagError(flag, "expected kill, errno or log");
    } else if (flag == "--landlock") {
      if (value == "off")
        p.landlock.mode = sb::LandlockMode::Off;
      else if (value == "bestEffort")
        p.landlock.mode = sb::LandlockMode::BestEffort;
      else if (value == "required")
        p.landlock.mode = sb::LandlockMode::Required;
      else
        return flagError(flag, "expected off, bestEffort or required");
    } else if (flag == "--bind-port" || flag == "--connect-port") {
      auto n = base::parseUint64(value);
      if (!n || *n > 65535) return flagError(flag, "expected a TCP port");
      auto& ports = flag == "--bind-port" ? p.landlock.bind_tcp : p.landlock.connect_tcp;
      if (!ports) ports.emplace();
      ports->push_back(static_cast<uint16_t>(*n));
    } else if (flag == "--no-init") {
      p.process.init = false;
    } else if (flag == "--no-report") {
      p.seccomp.report = false;
    } else if (flag == "--allow-32bit") {
      allow_32bit = true;
      p.seccomp.architectures = {sb::SeccompArch::Native, sb::SeccompArch::X86,
                                 sb::SeccompArch::X32};
    }
  }
  return base::okStatus();
}

base::Result<sb::Profile> loadProfile(const Options& o) {
  sb::Profile profile;
  std::optional<std::string> docker_text;
  std::string docker_name;
  if (o.profile_file) {
    auto text = base::readFile(*o.profile_file);
    if (!text.ok()) return std::move(text).error();
    if (sb::looksLikeJson(text.value())) {
      auto base_profile = sb::builtinProfile("shell");
      if (!base_profile.ok()) return std::move(base_profile).error();
      profile = std::move(base_profile).value();
      profile.name = "shell+" + *o.profile_file;
      docker_text = std::move(text).value();
      docker_name = *o.profile_file;
    } else {
      sb::ProfileParseOptions po;
      po.file_name = *o.profile_file;
      po.base_dir = dirOf(*o.profile_file);
      auto parsed = sb::parseProfileYaml(text.value(), po);
      if (!parsed.ok()) return std::move(parsed).error();
      profile = std::move(parsed).value();
    }
  } else {
    auto parsed = sb::builtinProfile(o.builtin.value_or("shell"));
    if (!parsed.ok()) return std::move(parsed).error();
    profile = std::move(parsed).value();
  }
  if (o.seccomp_file) {
    auto text = base::readFile(*o.seccomp_file);
    if (!text.ok()) return std::move(text).error();
    docker_text = std::move(text).value();
    docker_name = *o.seccomp_file;
  }
  bool allow_32bit = false;
  MG_RETURN_IF_ERROR(applyFlags(o, profile, allow_32bit));
  if (docker_text) {
    // Resolved last, against the final capabilities (Docker's includes.caps).
    sb::DockerContext ctx = sb::hostDockerContext(profile.capabilities);
    ctx.admit_sub_architectures = allow_32bit;
    auto policy = sb::parseDockerSeccomp(*docker_text, ctx, docker_name);
    if (!policy.ok()) return std::move(policy).error();
    sb::SeccompPolicy resolved = std::move(policy).value();
    resolved.report = profile.seccomp.report;
    for (const auto& [flag, value] : o.flags) {
      if (flag == "--allow") {
        resolved.rules.push_back(sb::SyscallRule{{value}, sb::SeccompAction::allow(), {}, false});
      }
    }
    profile.seccomp = std::move(resolved);
  }
  MG_RETURN_IF_ERROR(profile.validate());
  return profile;
}

// Where JSON events go: stderr or a file, one line each, written whole.
class EventSink {
 public:
  explicit EventSink(int fd) : fd_(fd) {}
  void write(const sb::Event& e) {
    std::string line = e.toJson() + "\n";
    (void)!::write(fd_, line.data(), line.size());
  }

 private:
  int fd_;
};

// Library errors start with "sandbox: "; after our own prefix that is noise.
std::string errorText(const base::Error& e) {
  std::string text = e.describe();
  if (text.rfind("sandbox: ", 0) == 0) text.erase(0, 9);
  return text;
}

void verboseLine(const std::string& text) {
  std::string line = "meshgate sandbox: " + text + "\n";
  (void)!::write(2, line.data(), line.size());
}

// Runs the sandbox to its end, forwarding meshgate's termination signals to it.
int supervise(sb::Child& child, bool verbose) {
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
    sigaddset(&forwarded, sig);
  sigset_t old;
  sigprocmask(SIG_BLOCK, &forwarded, &old);
  int sfd = signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
  while (!child.pollOutcome()) {
    std::vector<pollfd> pfds;
    for (int fd : child.watchFds())
      pfds.push_back(pollfd{fd, POLLIN, 0});
    if (sfd >= 0) pfds.push_back(pollfd{sfd, POLLIN, 0});
    int timeout = -1;
    if (auto next = child.nextDeadline()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *next - std::chrono::steady_clock::now())
                    .count();
      timeout = static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 60000));
    }
    ::poll(pfds.data(), pfds.size(), timeout);
    signalfd_siginfo si;
    while (sfd >= 0 && ::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      if (verbose) verboseLine("forwarding signal " + std::to_string(si.ssi_signo));
      (void)child.signal(static_cast<int>(si.ssi_signo));
    }
  }
  if (sfd >= 0) ::close(sfd);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return 0;
}

void printReport(const sb::Profile& profile, const sb::SetupReport& r) {
  verboseLine("profile " + profile.name + " (seccomp from " + profile.seccomp.origin + ")");
  verboseLine("namespaces: " + r.namespaces);
  verboseLine("ids: " + r.id_map);
  for (const std::string& m : r.mounts)
    verboseLine("mount: " + m);
  verboseLine("landlock: " + r.landlock);
  verboseLine("seccomp: " + r.seccomp);
  verboseLine("cgroups: " +
              (r.cgroups.empty() ? std::string("none (no limit needs one)") : r.cgroups));
  for (const std::string& n : r.notes)
    verboseLine("note: " + n);
}

std::string learnedProfile(const sb::Profile& base, const sb::Child& child,
                           const std::vector<std::string>& command) {
  sb::Profile p = base;
  std::string prog = command[0];
  size_t slash = prog.rfind('/');
  if (slash != std::string::npos) prog = prog.substr(slash + 1);
  p.name = "learned-" + (prog.empty() ? std::string("command") : prog);
  p.seccomp = sb::SeccompPolicy{};
  p.seccomp.default_action = sb::SeccompAction::kill();
  std::vector<std::string> names;
  bool saw_clone = false;
  for (int nr : child.learnedSyscalls()) {
    sb::DecodedSyscall d = sb::decodeSyscall(sb::auditArch(sb::SeccompArch::Native), nr);
    if (d.name == "clone") {
      saw_clone = true;
      continue;
    }
    names.push_back(d.name);
  }
  for (const char* always : {"execve", "exit_group"}) {
    if (std::find(names.begin(), names.end(), always) == names.end()) names.push_back(always);
  }
  std::sort(names.begin(), names.end());
  p.seccomp.rules.push_back(sb::SyscallRule{names, sb::SeccompAction::allow(), {}, false});
  if (saw_clone) {
    // Threads and processes, but never new namespaces.
    p.seccomp.rules.push_back(sb::SyscallRule{
        {"clone"}, sb::SeccompAction::allow(), {{0, sb::ArgOp::MaskedEq, 0x7e020000, 0}}, false});
  }
  if (!child.learnedSocketFamilies().empty()) {
    p.network.socket_families = std::vector<int>(child.learnedSocketFamilies().begin(),
                                                 child.learnedSocketFamilies().end());
  }
  std::string comment = "Learned by `meshgate sandbox learn` from one run of:";
  for (const std::string& a : command)
    comment += " " + a;
  comment += "\n" + std::to_string(names.size() + (saw_clone ? 1 : 0)) +
             " syscalls seen; anything else kills the sandbox.";
  return sb::writeProfileYaml(p, comment);
}

// `sandbox bpf`: the profile's policy compiled with kernel actions (nobody
// would answer a user notification), or the baseline filter, as the raw
// sock_filter array that `bwrap --seccomp`/`--add-seccomp-fd` read.
int writeBpf(const Options& o, const sb::Profile& profile) {
  sb::BpfProgram program;
  if (o.filter == "baseline") {
    program = sb::compileBaseline(profile.effectiveSocketFamilies(), profile.seccomp.architectures);
  } else {
    auto compiled = sb::compilePolicy(profile.seccomp, sb::FilterMode::Enforce);
    if (!compiled.ok()) {
      std::fprintf(stderr, "meshgate sandbox: %s\n", errorText(compiled.error()).c_str());
      return kExitSandboxError;
    }
    program = std::move(compiled.value().program);
  }
  std::string_view bytes(reinterpret_cast<const char*>(program.insns.data()),
                         program.insns.size() * sizeof(sock_filter));
  if (o.output) {
    if (auto s = base::writeFileAtomic(*o.output, bytes); !s.ok()) {
      std::fprintf(stderr, "meshgate sandbox: %s\n", s.error().describe().c_str());
      return kExitSandboxError;
    }
    return 0;
  }
  return std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size() &&
                 std::fflush(stdout) == 0
             ? 0
             : kExitSandboxError;
}

// MG_SANDBOX_TRACE=1: when each phase of `sandbox run` ended, in microseconds
// since the command started, printed once the sandbox has ended (printing
// while it starts would be measured too). For start-up work; the process's
// own loading, before main, is not in it (compare with `meshgate version`).
class Trace {
 public:
  Trace() {
    const char* env = std::getenv("MG_SANDBOX_TRACE");
    enabled_ = env != nullptr && *env != '\0' && std::string_view(env) != "0";
    start_ = std::chrono::steady_clock::now();
  }
  bool enabled() const { return enabled_; }
  void mark(std::string what, base::MonoTime at = std::chrono::steady_clock::now()) {
    if (!enabled_) return;
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    marks_.push_back(Mark{at, std::move(what), ru.ru_minflt});
  }
  void print() const {
    if (!enabled_) return;
    base::MonoTime last = start_;
    for (const auto& [at, what, faults] : marks_) {
      char line[160];
      std::snprintf(line, sizeof line, "trace %7lld us (+%6lld) %s (meshgate: %ld page faults)",
                    static_cast<long long>((at - start_) / std::chrono::microseconds(1)),
                    static_cast<long long>((at - last) / std::chrono::microseconds(1)),
                    what.c_str(), faults);
      verboseLine(line);
      last = at;
    }
    auto cpuMicros = [](int who) {
      rusage ru{};
      ::getrusage(who, &ru);
      return static_cast<long long>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
             ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    };
    char line[160];
    std::snprintf(line, sizeof line, "trace cpu: meshgate %lld us, the sandbox %lld us",
                  cpuMicros(RUSAGE_SELF), cpuMicros(RUSAGE_CHILDREN));
    verboseLine(line);
  }

 private:
  bool enabled_ = false;
  base::MonoTime start_;
  struct Mark {
    base::MonoTime at;
    std::string what;
    long faults;  // the supervisor's minor page faults so far
  };
  std::vector<Mark> marks_;
};

}  // namespace

int sandboxCommand(Args args) {
  Trace trace;
  Options o;
  if (auto err = parseArgs(args, o)) {
    if (err->empty()) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    return usageError(*err);
  }
  auto loaded = loadProfile(o);
  if (!loaded.ok()) {
    std::fprintf(stderr, "meshgate sandbox: %s\n", errorText(loaded.error()).c_str());
    return kExitSandboxError;
  }
  sb::Profile profile = std::move(loaded).value();
  trace.mark("profile loaded");

  if (o.subcommand == "show") {
    auto compiled = sb::compilePolicy(profile.seccomp, sb::FilterMode::Report);
    std::string comment = "Effective profile.";
    if (compiled.ok()) {
      comment += " Seccomp: " + std::to_string(compiled->allowed_syscalls) + " syscalls allowed, " +
                 std::to_string(compiled->program.size()) + " BPF instructions.";
    } else {
      comment += " Seccomp does not compile: " + compiled.error().describe();
    }
    std::fputs(sb::writeProfileYaml(profile, comment).c_str(), stdout);
    return compiled.ok() ? 0 : kExitSandboxError;
  }

  if (o.subcommand == "bpf") return writeBpf(o, profile);

  int events_fd = 2;
  if (o.violations) {
    events_fd = ::open(o.violations->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (events_fd < 0) {
      std::fprintf(stderr, "meshgate sandbox: open %s: %s\n", o.violations->c_str(),
                   std::strerror(errno));
      return kExitSandboxError;
    }
  }
  EventSink sink(events_fd);
  sb::SpawnOptions so;
  so.cgroup_parent = o.cgroup_parent;
  so.trace_steps = o.verbose || trace.enabled();
  so.legacy_mount_api = o.legacy_mounts;
  so.learn = o.subcommand == "learn";
  so.on_event = [&](const sb::Event& e) {
    if (e.kind == sb::EventKind::Step) {
      trace.mark(std::string("step ") + sb::stepName(e.step), e.at);
      if (o.verbose) {
        verboseLine("step " + std::string(sb::stepName(e.step)) + " done (+" +
                    std::to_string(e.elapsed.count() / 1000) + " us)");
      }
    } else {
      sink.write(e);
    }
  };
  sb::Command command{o.command};
  if (o.verbose) verboseLine("starting " + o.command[0]);
  auto spawned = sb::spawn(profile, command, so);
  if (!spawned.ok()) {
    std::fprintf(stderr, "meshgate sandbox: %s\n", errorText(spawned.error()).c_str());
    return kExitSandboxError;
  }
  sb::Child& child = *spawned.value();
  trace.mark("spawned");
  if (o.verbose) printReport(profile, child.report());
  if (!child.ended()) supervise(child, o.verbose);
  trace.mark("ended");
  trace.print();
  const sb::Outcome& out = child.outcome();
  if (out.kind == sb::Outcome::Kind::ExecFailed) {
    std::fprintf(stderr, "meshgate sandbox: %s: %s\n", o.command[0].c_str(),
                 out.describe().c_str());
  } else if (out.kind != sb::Outcome::Kind::Exited || o.verbose) {
    std::string text = "command " + out.describe() + " after " +
                       std::to_string(out.wall_time.count() / 1000000) + " ms";
    if (out.cpu_nanos) text += ", cpu " + std::to_string(*out.cpu_nanos / 1000000) + " ms";
    if (out.memory_peak_bytes) {
      text += ", memory peak " + std::to_string(*out.memory_peak_bytes >> 10) + " KiB";
    }
    verboseLine(text + " (exit status " + std::to_string(out.exitStatus()) + ")");
  }
  if (so.learn) {
    if (out.kind == sb::Outcome::Kind::ExecFailed) return out.exitStatus();
    std::string yaml = learnedProfile(profile, child, o.command);
    if (o.output) {
      if (auto s = base::writeFileAtomic(*o.output, yaml); !s.ok()) {
        std::fprintf(stderr, "meshgate sandbox: %s\n", s.error().describe().c_str());
        return kExitSandboxError;
      }
      verboseLine("wrote " + *o.output + " (" + std::to_string(child.learnedSyscalls().size()) +
                  " syscalls)");
    } else {
      std::fputs(yaml.c_str(), stdout);
    }
  }
  if (events_fd != 2) ::close(events_fd);
  // Pid 1 may still be exiting (docs/sandbox.md, "When run returns"): leave
  // it to the host's init instead of waiting for it in the destructor.
  const int status = out.exitStatus();
  child.detach();
  return status;
}

}  // namespace meshgate::cli
