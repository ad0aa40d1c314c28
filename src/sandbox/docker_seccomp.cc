// SPDX-License-Identifier: Apache-2.0
#include "sandbox/docker_seccomp.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "base/json_reader.h"
#include "base/strings.h"
#include "sandbox/profile.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::Result;
using base::Status;

struct KernelVersion {
  int major = 0;
  int minor = 0;
};

struct Filter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> min_kernel;
};

struct DockerRule {
  std::vector<std::string> names;
  std::string action;
  std::optional<uint64_t> errno_ret;
  std::vector<ArgCondition> args;
  std::optional<Filter> includes;
  std::optional<Filter> excludes;
  size_t offset = 0;
};

struct ArchEntry {
  std::string arch;
  std::vector<std::string> subs;
};

// What the profile says, before it is resolved against the context.
struct DockerProfile {
  std::string default_action;
  size_t default_at = 0;
  std::optional<uint64_t> default_errno;
  std::vector<std::string> architectures;
  std::vector<ArchEntry> arch_map;
  std::vector<DockerRule> rules;
  std::vector<std::string> flags;
  std::string listener_path;
  size_t listener_at = 0;
};

// Errors at line:col of the profile's text.
class Locator {
 public:
  Locator(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  Error errorAt(size_t offset, const std::string& path, const std::string& message) const {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Error{std::string(file_) + ":" + std::to_string(line) + ":" + std::to_string(col) +
                     ": " + (path.empty() ? "" : path + ": ") + message,
                 0, base::ErrorSource::Config};
  }

 private:
  std::string_view text_;
  std::string_view file_;
};

// Go's encoding/json matches keys case-insensitively.
bool keyIs(std::string_view key, std::string_view want) {
  return base::iequals(key, want);
}

#define MG_TRY_ASSIGN(lhs, expr)                      \
  do {                                                \
    auto mg_r_ = (expr);                              \
    if (!mg_r_.ok()) return std::move(mg_r_).error(); \
    lhs = std::move(mg_r_).value();                   \
  } while (0)

Result<KernelVersion> parseKernelVersion(const Locator& loc, size_t at, const std::string& s,
                                         const std::string& path) {
  auto parts = base::split(s, '.');
  auto bad = [&](const char* why) {
    return loc.errorAt(at, path,
                       "invalid kernel version '" + s + "', expected \"<kernel>.<major>\"" + why);
  };
  if (parts.size() != 2) return bad("");
  auto a = base::parseUint64(parts[0]);
  auto b = base::parseUint64(parts[1]);
  if (!a || !b || *a > 255 || *b > 255) return bad("");
  if (*a == 0 && *b == 0) return bad(": version cannot be 0.0");
  return KernelVersion{static_cast<int>(*a), static_cast<int>(*b)};
}

std::optional<ArgOp> argOp(std::string_view op) {
  static const std::pair<std::string_view, ArgOp> kOps[] = {
      {"SCMP_CMP_NE", ArgOp::Ne},
      {"SCMP_CMP_LT", ArgOp::Lt},
      {"SCMP_CMP_LE", ArgOp::Le},
      {"SCMP_CMP_EQ", ArgOp::Eq},
      {"SCMP_CMP_GE", ArgOp::Ge},
      {"SCMP_CMP_GT", ArgOp::Gt},
      {"SCMP_CMP_MASKED_EQ", ArgOp::MaskedEq},
  };
  for (const auto& [name, value] : kOps) {
    if (op == name) return value;
  }
  return std::nullopt;
}

// Where a value sits: the profile, one of its objects, one of its lists, or a value that is
// not ours (unknown keys are ignored, as Go's encoding/json does for Docker).
enum class Scope : uint8_t {
  Profile,
  ArchEntry,
  Rule,
  Arg,
  Filter,
  ArchMap,
  Syscalls,
  Args,
  Strings,
  Ignored
};

enum class Field : uint8_t {
  Ignored,
  DefaultAction,
  DefaultErrnoRet,
  Architectures,
  ArchMap,
  Syscalls,
  Flags,
  ListenerPath,
  ListenerMetadata,
  Architecture,
  SubArchitectures,
  Names,
  Name,
  Action,
  ErrnoRet,
  Args,
  Includes,
  Excludes,
  Comment,
  Index,
  Value,
  ValueTwo,
  Op,
  Caps,
  Arches,
  MinKernel,
};

struct FieldName {
  Scope scope;
  std::string_view name;
  Field field;
};

constexpr FieldName kFields[] = {
    {Scope::Profile, "defaultAction", Field::DefaultAction},
    {Scope::Profile, "defaultErrnoRet", Field::DefaultErrnoRet},
    {Scope::Profile, "architectures", Field::Architectures},
    {Scope::Profile, "archMap", Field::ArchMap},
    {Scope::Profile, "syscalls", Field::Syscalls},
    {Scope::Profile, "flags", Field::Flags},
    {Scope::Profile, "listenerPath", Field::ListenerPath},
    {Scope::Profile, "listenerMetadata", Field::ListenerMetadata},
    {Scope::ArchEntry, "architecture", Field::Architecture},
    {Scope::ArchEntry, "subArchitectures", Field::SubArchitectures},
    {Scope::Rule, "names", Field::Names},
    {Scope::Rule, "name", Field::Name},
    {Scope::Rule, "action", Field::Action},
    {Scope::Rule, "errnoRet", Field::ErrnoRet},
    {Scope::Rule, "args", Field::Args},
    {Scope::Rule, "includes", Field::Includes},
    {Scope::Rule, "excludes", Field::Excludes},
    {Scope::Rule, "comment", Field::Comment},
    {Scope::Arg, "index", Field::Index},
    {Scope::Arg, "value", Field::Value},
    {Scope::Arg, "valueTwo", Field::ValueTwo},
    {Scope::Arg, "op", Field::Op},
    {Scope::Filter, "caps", Field::Caps},
    {Scope::Filter, "arches", Field::Arches},
    {Scope::Filter, "minKernel", Field::MinKernel},
};

// Builds the DockerProfile straight from the JSON events. Rules, args, filters and archMap
// entries do not nest in one another's kind, so one of each is in progress at a time.
class ProfileBuilder final : public base::JsonHandler {
 public:
  explicit ProfileBuilder(const Locator& loc) : loc_(loc) {}

  DockerProfile& profile() { return profile_; }

  bool null() override { return value(Kind::Null, {}); }
  bool boolean(bool) override { return value(Kind::Other, {}); }
  bool number(std::string_view text) override { return value(Kind::Number, text); }
  bool string(std::string_view s) override { return value(Kind::String, s); }
  bool beginObject() override { return value(Kind::Object, {}); }
  bool beginArray() override { return value(Kind::Array, {}); }

  bool key(std::string_view name) override {
    Frame& f = frames_.back();
    f.field = Field::Ignored;
    for (const FieldName& d : kFields) {
      if (d.scope == f.scope && keyIs(name, d.name)) {
        f.field = d.field;
        f.field_path = (f.path.empty() ? "" : f.path + ".") + std::string(d.name);
        break;
      }
    }
    return true;
  }

  bool endObject() override {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    switch (f.scope) {
      case Scope::Rule:
        if (!rule_name_.empty()) {
          if (!rule_.names.empty()) {
            return fail(loc_.errorAt(rule_.offset, f.path,
                                     "both 'name' and 'names' are specified in the seccomp "
                                     "profile, use either 'name' or 'names'"));
          }
          rule_.names = {rule_name_};
        }
        profile_.rules.push_back(std::move(rule_));
        return true;
      case Scope::Arg:
        if (!arg_has_op_) return fail(loc_.errorAt(f.offset, f.path, "missing 'op'"));
        rule_.args.push_back(arg_);
        return true;
      case Scope::Filter:
        (filter_is_includes_ ? rule_.includes : rule_.excludes) = std::move(filter_);
        return true;
      case Scope::ArchEntry:
        profile_.arch_map.push_back(std::move(arch_));
        return true;
      default:
        return true;
    }
  }
  bool endArray() override {
    frames_.pop_back();
    return true;
  }

 private:
  enum class Kind : uint8_t { Null, Number, String, Object, Array, Other };

  struct Frame {
    Scope scope = Scope::Ignored;
    std::string path;
    size_t offset = 0;
    size_t index = 0;                             // the next element of a list
    std::vector<std::string>* strings = nullptr;  // Scope::Strings: where they go
    Field field = Field::Ignored;                 // objects: the member being read
    std::string field_path;
  };

  static bool isContainer(Kind kind) { return kind == Kind::Object || kind == Kind::Array; }

  bool enter(Scope scope, std::string path, size_t offset,
             std::vector<std::string>* strings = nullptr) {
    Frame& f = frames_.emplace_back();
    f.scope = scope;
    f.path = std::move(path);
    f.offset = offset;
    f.strings = strings;
    return true;
  }
  bool expected(size_t at, const std::string& path, const char* what) {
    return fail(loc_.errorAt(at, path, std::string("expected ") + what));
  }

  bool value(Kind kind, std::string_view text) {
    size_t at = tokenOffset();
    if (frames_.empty()) {
      if (kind != Kind::Object) {
        return fail(loc_.errorAt(0, "", "expected a JSON object (a Docker seccomp profile)"));
      }
      return enter(Scope::Profile, "", at);
    }
    Frame& f = frames_.back();
    switch (f.scope) {
      case Scope::Ignored:
        return isContainer(kind) ? enter(Scope::Ignored, "", at) : true;
      case Scope::Strings: {
        std::string path = f.path + "[" + std::to_string(f.index++) + "]";
        if (kind != Kind::String) return expected(at, path, "a string");
        f.strings->emplace_back(text);
        return true;
      }
      case Scope::ArchMap:
      case Scope::Syscalls:
      case Scope::Args: {
        Scope scope = f.scope == Scope::ArchMap    ? Scope::ArchEntry
                      : f.scope == Scope::Syscalls ? Scope::Rule
                                                   : Scope::Arg;
        std::string path = f.path + "[" + std::to_string(f.index++) + "]";
        if (kind != Kind::Object) return expected(at, path, "an object");
        if (scope == Scope::ArchEntry) arch_ = ArchEntry{};
        if (scope == Scope::Rule) {
          rule_ = DockerRule{};
          rule_.offset = at;
          rule_name_.clear();
        }
        if (scope == Scope::Arg) {
          arg_ = ArgCondition{};
          arg_has_op_ = false;
        }
        return enter(scope, std::move(path), at);
      }
      default:
        return member(f.field, f.field_path, kind, text, at);
    }
  }

  // The value of an object member we know.
  bool member(Field field, const std::string& path, Kind kind, std::string_view text, size_t at) {
    switch (field) {
      case Field::Ignored:
        return isContainer(kind) ? enter(Scope::Ignored, "", at) : true;
      case Field::DefaultAction:
        profile_.default_at = at;
        return stringInto(kind, text, at, path, profile_.default_action);
      case Field::ListenerPath:
        profile_.listener_at = at;
        return stringInto(kind, text, at, path, profile_.listener_path);
      case Field::ListenerMetadata:
      case Field::Comment: {
        std::string ignored;
        return stringInto(kind, text, at, path, ignored);
      }
      case Field::Architecture:
        return stringInto(kind, text, at, path, arch_.arch);
      case Field::Name:
        return stringInto(kind, text, at, path, rule_name_);
      case Field::Action:
        return stringInto(kind, text, at, path, rule_.action);
      case Field::Op: {
        if (kind != Kind::String) return expected(at, path, "a string");
        auto op = argOp(text);
        if (!op)
          return fail(loc_.errorAt(at, path, "unknown operator '" + std::string(text) + "'"));
        arg_.op = *op;
        arg_has_op_ = true;
        return true;
      }
      case Field::DefaultErrnoRet:
      case Field::ErrnoRet: {
        if (kind == Kind::Null) return true;
        uint64_t n = 0;
        if (!uintInto(kind, text, at, path, n)) return false;
        (field == Field::ErrnoRet ? rule_.errno_ret : profile_.default_errno) = n;
        return true;
      }
      case Field::Index: {
        uint64_t n = 0;
        if (!uintInto(kind, text, at, path, n)) return false;
        if (n > 5) return fail(loc_.errorAt(at, path, "argument index above 5"));
        arg_.index = static_cast<unsigned>(n);
        return true;
      }
      case Field::Value:
        return uintInto(kind, text, at, path, arg_.value);
      case Field::ValueTwo:
        return uintInto(kind, text, at, path, arg_.value_two);
      case Field::Architectures:
        return strings(kind, at, path, profile_.architectures);
      case Field::Flags:
        return strings(kind, at, path, profile_.flags);
      case Field::SubArchitectures:
        return strings(kind, at, path, arch_.subs);
      case Field::Names:
        return strings(kind, at, path, rule_.names);
      case Field::Caps:
        return strings(kind, at, path, filter_.caps);
      case Field::Arches:
        return strings(kind, at, path, filter_.arches);
      case Field::ArchMap:
      case Field::Syscalls:
      case Field::Args: {
        if (kind == Kind::Null) return true;
        if (kind != Kind::Array) return expected(at, path, "a list");
        Scope scope = field == Field::ArchMap    ? Scope::ArchMap
                      : field == Field::Syscalls ? Scope::Syscalls
                                                 : Scope::Args;
        return enter(scope, path, at);
      }
      case Field::Includes:
      case Field::Excludes:
        if (kind == Kind::Null) return true;
        if (kind != Kind::Object) return expected(at, path, "an object");
        filter_ = Filter{};
        filter_is_includes_ = field == Field::Includes;
        return enter(Scope::Filter, path, at);
      case Field::MinKernel: {
        if (kind == Kind::Null) return true;
        if (kind != Kind::String) return expected(at, path, "a string");
        auto kv = parseKernelVersion(loc_, at, std::string(text), path);
        if (!kv.ok()) return fail(std::move(kv).error());
        filter_.min_kernel = *kv;
        return true;
      }
    }
    return true;
  }

  bool stringInto(Kind kind, std::string_view text, size_t at, const std::string& path,
                  std::string& out) {
    if (kind != Kind::String) return expected(at, path, "a string");
    out.assign(text);
    return true;
  }
  bool uintInto(Kind kind, std::string_view text, size_t at, const std::string& path,
                uint64_t& out) {
    std::optional<uint64_t> n;
    if (kind == Kind::Number) n = base::parseUint64(text);
    if (!n) return expected(at, path, "an unsigned integer");
    out = *n;
    return true;
  }
  // null (no strings) or a list of strings.
  bool strings(Kind kind, size_t at, const std::string& path, std::vector<std::string>& out) {
    if (kind != Kind::Null && kind != Kind::Array) return expected(at, path, "a list of strings");
    out.clear();
    return kind == Kind::Array ? enter(Scope::Strings, path, at, &out) : true;
  }

  const Locator& loc_;
  DockerProfile profile_;
  std::vector<Frame> frames_;
  DockerRule rule_;
  std::string rule_name_;
  ArgCondition arg_;
  bool arg_has_op_ = false;
  Filter filter_;
  bool filter_is_includes_ = false;
  ArchEntry arch_;
};

Result<SeccompAction> dockerAction(const Locator& r, size_t at, const std::string& path,
                                   const std::string& name, std::optional<uint64_t> errno_ret) {
  auto err = [&]() { return static_cast<int>(errno_ret.value_or(EPERM)); };
  if (errno_ret && *errno_ret > 4095) return r.errorAt(at, path, "errnoRet above 4095");
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") {
    return SeccompAction{SeccompActionKind::KillThread, 0};
  }
  if (name == "SCMP_ACT_KILL_PROCESS") return SeccompAction{SeccompActionKind::KillProcess, 0};
  if (name == "SCMP_ACT_TRAP") return SeccompAction{SeccompActionKind::Trap, 0};
  if (name == "SCMP_ACT_ERRNO") return SeccompAction{SeccompActionKind::Errno, err()};
  if (name == "SCMP_ACT_TRACE") return SeccompAction{SeccompActionKind::Trace, err()};
  if (name == "SCMP_ACT_ALLOW") return SeccompAction{SeccompActionKind::Allow, 0};
  if (name == "SCMP_ACT_LOG") return SeccompAction{SeccompActionKind::Log, 0};
  if (name == "SCMP_ACT_NOTIFY") {
    return r.errorAt(at, path,
                     "SCMP_ACT_NOTIFY needs an external listener; meshgate is the sandbox's "
                     "seccomp listener itself (use SCMP_ACT_LOG or a default action to report)");
  }
  return r.errorAt(at, path, "unknown action '" + name + "'");
}

bool kernelAtLeast(const DockerContext& ctx, const KernelVersion& v) {
  return ctx.kernel_major > v.major || (ctx.kernel_major == v.major && ctx.kernel_minor >= v.minor);
}

bool hasCap(const std::vector<std::string>& caps, const std::string& name) {
  return std::find(caps.begin(), caps.end(), name) != caps.end();
}

// moby/profiles seccomp.setupSeccomp: does this rule apply here?
bool applies(const DockerRule& rule, const DockerContext& ctx,
             const std::vector<std::string>& cap_names) {
  if (rule.excludes) {
    const Filter& e = *rule.excludes;
    if (!e.arches.empty() && hasCap(e.arches, ctx.arch)) return false;
    for (const std::string& c : e.caps) {
      if (hasCap(cap_names, c)) return false;
    }
    if (e.min_kernel && kernelAtLeast(ctx, *e.min_kernel)) return false;
  }
  if (rule.includes) {
    const Filter& i = *rule.includes;
    if (!i.arches.empty() && !hasCap(i.arches, ctx.arch)) return false;
    for (const std::string& c : i.caps) {
      if (!hasCap(cap_names, c)) return false;
    }
    if (i.min_kernel && !kernelAtLeast(ctx, *i.min_kernel)) return false;
  }
  return true;
}

}  // namespace
DockerContext hostDockerContext(std::vector<int> capabilities) {
  DockerContext ctx;
  ctx.capabilities = std::move(capabilities);
  utsname u{};
  if (uname(&u) == 0) std::sscanf(u.release, "%d.%d", &ctx.kernel_major, &ctx.kernel_minor);
  return ctx;
}

bool looksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

Result<SeccompPolicy> parseDockerSeccomp(std::string_view json, const DockerContext& ctx,
                                         std::string_view file_name) {
  Locator r(json, file_name);
  ProfileBuilder builder(r);
  base::JsonSyntaxError syntax;
  if (auto read = base::readJson(json, builder, {}, &syntax); !read.ok()) {
    if (syntax.reason.empty()) return std::move(read).error();
    return r.errorAt(syntax.offset, "", "malformed JSON: " + syntax.reason);
  }
  DockerProfile& p = builder.profile();
  const std::string& default_action = p.default_action;
  const std::vector<std::string>& architectures = p.architectures;
  const std::vector<ArchEntry>& arch_map = p.arch_map;
  const std::vector<DockerRule>& rules = p.rules;
  const std::vector<std::string>& flags = p.flags;
  const std::string& listener_path = p.listener_path;
  size_t default_at = p.default_at;
  size_t listener_at = p.listener_at;
  std::optional<uint64_t> default_errno = p.default_errno;
  if (!listener_path.empty()) {
    return r.errorAt(listener_at, "listenerPath",
                     "not supported: meshgate is the sandbox's seccomp listener itself");
  }
  if (default_action.empty() && rules.empty()) {
    return r.errorAt(0, "",
                     "no defaultAction and no syscalls (Docker would disable seccomp; "
                     "meshgate refuses that)");
  }
  if (!architectures.empty() && !arch_map.empty()) {
    return r.errorAt(0, "",
                     "both 'architectures' and 'archMap' are specified in the seccomp profile, use "
                     "either 'architectures' or 'archMap'");
  }
  if (default_action.empty()) {
    return r.errorAt(0, "", "missing 'defaultAction'");
  }

  SeccompPolicy policy;
  policy.origin = std::string(file_name);
  MG_TRY_ASSIGN(policy.default_action,
                dockerAction(r, default_at, "defaultAction", default_action, default_errno));
  // Architectures: the archMap entry of the host's architecture (or the OCI
  // list). Sub-architectures only when the caller admits them.
  std::vector<std::string> arch_names = architectures;
  for (const ArchEntry& e : arch_map) {
    if (archFromName(e.arch) == SeccompArch::Native) {
      arch_names.push_back(e.arch);
      arch_names.insert(arch_names.end(), e.subs.begin(), e.subs.end());
    }
  }
  policy.architectures = {SeccompArch::Native};
  if (ctx.admit_sub_architectures) {
    for (const std::string& a : arch_names) {
      auto arch = archFromName(a);
      if (arch && std::find(policy.architectures.begin(), policy.architectures.end(), *arch) ==
                      policy.architectures.end()) {
        policy.architectures.push_back(*arch);
      }
    }
  }
  for (const std::string& f : flags) {
    if (f == "SECCOMP_FILTER_FLAG_LOG") policy.kernel_log = true;
  }

  std::vector<std::string> cap_names;
  for (int c : ctx.capabilities)
    cap_names.push_back(capabilityName(c));
  for (size_t i = 0; i < rules.size(); ++i) {
    const DockerRule& dr = rules[i];
    if (!applies(dr, ctx, cap_names)) continue;
    const std::string path = "syscalls[" + std::to_string(i) + "]";
    SyscallRule rule;
    rule.names = dr.names;
    MG_TRY_ASSIGN(rule.action,
                  dockerAction(r, dr.offset, path + ".action", dr.action, dr.errno_ret));
    rule.args = dr.args;
    // runc: two conditions on one argument become one rule each (an OR).
    for (size_t a = 0; a < rule.args.size(); ++a) {
      for (size_t b = a + 1; b < rule.args.size(); ++b) {
        if (rule.args[a].index == rule.args[b].index) rule.split_same_index_conditions = true;
      }
    }
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

}  // namespace meshgate::sandbox
