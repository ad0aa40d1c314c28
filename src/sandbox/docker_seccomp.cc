// SPDX-License-Identifier: Apache-2.0
#include "sandbox/docker_seccomp.h"

#include <simdjson.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "base/strings.h"
#include "sandbox/profile.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::Result;
using base::Status;
namespace od = simdjson::ondemand;

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

// Where the first JSON value of `text` ends, skipping the whitespace after it
// (text.size() when nothing follows): On-Demand does not look past the root.
size_t endOfRootValue(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        ++i;
        break;
      }
    }
  }
  while (i < text.size() &&
         (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
    ++i;
  return i;
}

bool isNull(od::value& v) {
  bool null = false;
  return v.is_null().get(null) == simdjson::SUCCESS && null;
}

// A position-aware reader over simdjson's forward-only On-Demand API.
class JsonReader {
 public:
  JsonReader(const simdjson::padded_string& text, std::string_view file)
      : text_(text), file_(file) {}

  Error errorAt(size_t offset, const std::string& path, const std::string& message) const {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_.data()[i] == '\n') {
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
  size_t offsetOf(od::value& v) const {
    std::string_view tok = v.raw_json_token();
    const char* p = tok.data();
    if (p < text_.data() || p > text_.data() + text_.size()) return text_.size();
    return static_cast<size_t>(p - text_.data());
  }
  size_t size() const { return text_.size(); }
  Error typeError(od::value& v, const std::string& path, const char* expected) const {
    return errorAt(offsetOf(v), path, std::string("expected ") + expected);
  }

  Result<std::string> string(od::value& v, const std::string& path) const {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return typeError(v, path, "a string");
    return std::string(s);
  }
  Result<uint64_t> uint(od::value& v, const std::string& path) const {
    uint64_t n;
    if (v.get_uint64().get(n) != simdjson::SUCCESS)
      return typeError(v, path, "an unsigned integer");
    return n;
  }
  Result<std::vector<std::string>> strings(od::value& v, const std::string& path) const {
    std::vector<std::string> out;
    if (isNull(v)) return out;
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return typeError(v, path, "a list of strings");
    size_t i = 0;
    for (auto item : arr) {
      od::value iv;
      if (item.get(iv) != simdjson::SUCCESS) return errorAt(text_.size(), path, "malformed JSON");
      auto s = string(iv, path + "[" + std::to_string(i++) + "]");
      if (!s.ok()) return std::move(s).error();
      out.push_back(std::move(s).value());
    }
    return out;
  }

 private:
  const simdjson::padded_string& text_;
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

Result<KernelVersion> parseKernelVersion(const JsonReader& r, od::value& v,
                                         const std::string& path) {
  size_t at = r.offsetOf(v);
  std::string s;
  MG_TRY_ASSIGN(s, r.string(v, path));
  auto parts = base::split(s, '.');
  auto bad = [&](const char* why) {
    return r.errorAt(at, path,
                     "invalid kernel version '" + s + "', expected \"<kernel>.<major>\"" + why);
  };
  if (parts.size() != 2) return bad("");
  auto a = base::parseUint64(parts[0]);
  auto b = base::parseUint64(parts[1]);
  if (!a || !b || *a > 255 || *b > 255) return bad("");
  if (*a == 0 && *b == 0) return bad(": version cannot be 0.0");
  return KernelVersion{static_cast<int>(*a), static_cast<int>(*b)};
}

Result<Filter> parseFilter(const JsonReader& r, od::value& v, const std::string& path) {
  Filter f;
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return r.typeError(v, path, "an object");
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return r.errorAt(r.offsetOf(v), path, "malformed key");
    }
    std::string k(key);
    od::value fv;
    if (field.value().get(fv) != simdjson::SUCCESS)
      return r.errorAt(r.size(), path, "malformed JSON");
    if (keyIs(k, "caps")) {
      MG_TRY_ASSIGN(f.caps, r.strings(fv, path + ".caps"));
    } else if (keyIs(k, "arches")) {
      MG_TRY_ASSIGN(f.arches, r.strings(fv, path + ".arches"));
    } else if (keyIs(k, "minKernel")) {
      if (isNull(fv)) continue;
      KernelVersion kv;
      MG_TRY_ASSIGN(kv, parseKernelVersion(r, fv, path + ".minKernel"));
      f.min_kernel = kv;
    }
  }
  return f;
}

Result<ArgCondition> parseArg(const JsonReader& r, od::value& v, const std::string& path) {
  ArgCondition c;
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return r.typeError(v, path, "an object");
  size_t at = r.offsetOf(v);
  bool has_op = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS)
      return r.errorAt(at, path, "malformed key");
    od::value fv;
    if (field.value().get(fv) != simdjson::SUCCESS)
      return r.errorAt(r.size(), path, "malformed JSON");
    std::string k(key);
    if (keyIs(k, "index")) {
      uint64_t idx;
      size_t iat = r.offsetOf(fv);
      MG_TRY_ASSIGN(idx, r.uint(fv, path + ".index"));
      if (idx > 5) return r.errorAt(iat, path + ".index", "argument index above 5");
      c.index = static_cast<unsigned>(idx);
    } else if (keyIs(k, "value")) {
      MG_TRY_ASSIGN(c.value, r.uint(fv, path + ".value"));
    } else if (keyIs(k, "valueTwo")) {
      MG_TRY_ASSIGN(c.value_two, r.uint(fv, path + ".valueTwo"));
    } else if (keyIs(k, "op")) {
      size_t oat = r.offsetOf(fv);
      std::string op;
      MG_TRY_ASSIGN(op, r.string(fv, path + ".op"));
      static const std::pair<std::string_view, ArgOp> kOps[] = {
          {"SCMP_CMP_NE", ArgOp::Ne},
          {"SCMP_CMP_LT", ArgOp::Lt},
          {"SCMP_CMP_LE", ArgOp::Le},
          {"SCMP_CMP_EQ", ArgOp::Eq},
          {"SCMP_CMP_GE", ArgOp::Ge},
          {"SCMP_CMP_GT", ArgOp::Gt},
          {"SCMP_CMP_MASKED_EQ", ArgOp::MaskedEq},
      };
      bool found = false;
      for (const auto& [name, value] : kOps) {
        if (op == name) {
          c.op = value;
          found = true;
        }
      }
      if (!found) return r.errorAt(oat, path + ".op", "unknown operator '" + op + "'");
      has_op = true;
    }
  }
  if (!has_op) return r.errorAt(at, path, "missing 'op'");
  return c;
}

Result<DockerRule> parseRule(const JsonReader& r, od::value& v, const std::string& path) {
  DockerRule rule;
  rule.offset = r.offsetOf(v);
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return r.typeError(v, path, "an object");
  std::string name;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return r.errorAt(rule.offset, path, "malformed key");
    }
    od::value fv;
    if (field.value().get(fv) != simdjson::SUCCESS)
      return r.errorAt(r.size(), path, "malformed JSON");
    std::string k(key);
    if (keyIs(k, "names")) {
      MG_TRY_ASSIGN(rule.names, r.strings(fv, path + ".names"));
    } else if (keyIs(k, "name")) {
      MG_TRY_ASSIGN(name, r.string(fv, path + ".name"));
    } else if (keyIs(k, "action")) {
      MG_TRY_ASSIGN(rule.action, r.string(fv, path + ".action"));
    } else if (keyIs(k, "errnoRet")) {
      if (isNull(fv)) continue;
      uint64_t e;
      MG_TRY_ASSIGN(e, r.uint(fv, path + ".errnoRet"));
      rule.errno_ret = e;
    } else if (keyIs(k, "args")) {
      if (isNull(fv)) continue;
      od::array arr;
      if (fv.get_array().get(arr) != simdjson::SUCCESS)
        return r.typeError(fv, path + ".args", "a list");
      size_t i = 0;
      for (auto item : arr) {
        od::value iv;
        if (item.get(iv) != simdjson::SUCCESS)
          return r.errorAt(rule.offset, path, "malformed JSON");
        ArgCondition c;
        MG_TRY_ASSIGN(c, parseArg(r, iv, path + ".args[" + std::to_string(i++) + "]"));
        rule.args.push_back(c);
      }
    } else if (keyIs(k, "includes") || keyIs(k, "excludes")) {
      if (isNull(fv)) continue;
      Filter f;
      MG_TRY_ASSIGN(f, parseFilter(r, fv, path + "." + k));
      (keyIs(k, "includes") ? rule.includes : rule.excludes) = std::move(f);
    } else if (keyIs(k, "comment")) {
      std::string ignored;
      MG_TRY_ASSIGN(ignored, r.string(fv, path + ".comment"));
    }
  }
  if (!name.empty()) {
    if (!rule.names.empty()) {
      return r.errorAt(rule.offset, path,
                       "both 'name' and 'names' are specified in the seccomp profile, use either "
                       "'name' or 'names'");
    }
    rule.names = {name};
  }
  return rule;
}

Result<SeccompAction> dockerAction(const JsonReader& r, size_t at, const std::string& path,
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
  simdjson::padded_string padded(json);
  JsonReader r(padded, file_name);
  if (size_t end = endOfRootValue(json); end < json.size()) {
    return r.errorAt(end, "", "trailing content after the profile");
  }
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    return r.errorAt(0, "", "not a JSON document");
  }
  od::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) {
    return r.errorAt(0, "", "expected a JSON object (a Docker seccomp profile)");
  }
  std::string default_action;
  size_t default_at = 0;
  std::optional<uint64_t> default_errno;
  std::vector<std::string> architectures;
  struct ArchEntry {
    std::string arch;
    std::vector<std::string> subs;
  };
  std::vector<ArchEntry> arch_map;
  std::vector<DockerRule> rules;
  std::vector<std::string> flags;
  std::string listener_path;
  size_t listener_at = 0;
  auto malformed = [&](simdjson::error_code code) {
    const char* loc = nullptr;
    size_t at = padded.size();
    if (doc.current_location().get(loc) == simdjson::SUCCESS && loc != nullptr) {
      at = static_cast<size_t>(loc - padded.data());
    }
    return r.errorAt(at, "", std::string("malformed JSON: ") + simdjson::error_message(code));
  };
  for (auto field : top) {
    std::string_view key;
    if (auto code = field.unescaped_key().get(key); code != simdjson::SUCCESS)
      return malformed(code);
    od::value v;
    if (auto code = field.value().get(v); code != simdjson::SUCCESS) return malformed(code);
    std::string k(key);
    if (keyIs(k, "defaultAction")) {
      default_at = r.offsetOf(v);
      MG_TRY_ASSIGN(default_action, r.string(v, "defaultAction"));
    } else if (keyIs(k, "defaultErrnoRet")) {
      if (isNull(v)) continue;
      uint64_t e;
      MG_TRY_ASSIGN(e, r.uint(v, "defaultErrnoRet"));
      default_errno = e;
    } else if (keyIs(k, "architectures")) {
      MG_TRY_ASSIGN(architectures, r.strings(v, "architectures"));
    } else if (keyIs(k, "archMap")) {
      if (isNull(v)) continue;
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return r.typeError(v, "archMap", "a list");
      size_t i = 0;
      for (auto item : arr) {
        od::value iv;
        if (auto code = item.get(iv); code != simdjson::SUCCESS) return malformed(code);
        const std::string path = "archMap[" + std::to_string(i++) + "]";
        od::object obj;
        if (iv.get_object().get(obj) != simdjson::SUCCESS)
          return r.typeError(iv, path, "an object");
        ArchEntry entry;
        for (auto af : obj) {
          std::string_view akey;
          if (auto code = af.unescaped_key().get(akey); code != simdjson::SUCCESS)
            return malformed(code);
          od::value av;
          if (auto code = af.value().get(av); code != simdjson::SUCCESS) return malformed(code);
          if (keyIs(akey, "architecture")) {
            MG_TRY_ASSIGN(entry.arch, r.string(av, path + ".architecture"));
          } else if (keyIs(akey, "subArchitectures")) {
            MG_TRY_ASSIGN(entry.subs, r.strings(av, path + ".subArchitectures"));
          }
        }
        arch_map.push_back(std::move(entry));
      }
    } else if (keyIs(k, "syscalls")) {
      if (isNull(v)) continue;
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return r.typeError(v, "syscalls", "a list");
      size_t i = 0;
      for (auto item : arr) {
        od::value iv;
        if (auto code = item.get(iv); code != simdjson::SUCCESS) return malformed(code);
        DockerRule rule;
        MG_TRY_ASSIGN(rule, parseRule(r, iv, "syscalls[" + std::to_string(i++) + "]"));
        rules.push_back(std::move(rule));
      }
    } else if (keyIs(k, "flags")) {
      MG_TRY_ASSIGN(flags, r.strings(v, "flags"));
    } else if (keyIs(k, "listenerPath")) {
      listener_at = r.offsetOf(v);
      MG_TRY_ASSIGN(listener_path, r.string(v, "listenerPath"));
    } else if (keyIs(k, "listenerMetadata")) {
      std::string ignored;
      MG_TRY_ASSIGN(ignored, r.string(v, "listenerMetadata"));
    }
    // Other keys are ignored, as Go's encoding/json does for Docker.
  }
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
