// SPDX-License-Identifier: Apache-2.0
#include "sandbox/profile_yaml.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "base/yaml_guard.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/docker_seccomp.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::Result;
using base::Status;

constexpr std::string_view kApiVersion = "meshgate.io/v1";
constexpr std::string_view kKind = "SandboxProfile";

std::optional<uint64_t> parseInteger(std::string_view s) {
  s = base::trim(s);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v = 0;
    for (char c : s.substr(2)) {
      const int d = base::hexDigitValue(c);
      if (d < 0) return std::nullopt;
      if (v >> 60) return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') {
    uint64_t v = 0;
    for (char c : s.substr(2)) {
      if (c < '0' || c > '7' || (v >> 61)) return std::nullopt;
      v = v * 8 + static_cast<uint64_t>(c - '0');
    }
    return v;
  }
  return base::parseUint64(s);
}

// Edit distance, for "did you mean" hints.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      size_t sub = prev + (base::asciiLower(a[i - 1]) == base::asciiLower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, sub});
      prev = cur;
    }
  }
  return row[b.size()];
}

// A strict, position-aware reader over a yaml-cpp tree.
class Reader {
 public:
  explicit Reader(const ProfileParseOptions& options) : options_(options) {}

  Error error(const YAML::Node& at, const std::string& path, const std::string& message) const {
    return errorAt(at.Mark(), path, message);
  }
  Error errorAt(const YAML::Mark& mark, const std::string& path, const std::string& message) const {
    if (options_.error_detail != nullptr) {
      options_.error_detail->line = mark.line;
      options_.error_detail->column = mark.column;
      options_.error_detail->message = (path.empty() ? "" : path + ": ") + message;
    }
    std::string where = options_.file_name;
    if (mark.line >= 0) {
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    return Error{where + ": " + (path.empty() ? "" : path + ": ") + message, 0,
                 base::ErrorSource::Config};
  }

  // The map's fields, checked against `allowed`. Each value carries the
  // key's mark for messages about empty values.
  struct Field {
    std::string key;
    YAML::Node value;
    YAML::Mark key_mark;
  };
  Result<std::vector<Field>> fields(const YAML::Node& n, const std::string& path,
                                    std::initializer_list<std::string_view> allowed) const {
    if (!n.IsMap()) return error(n, path, "expected a mapping, got " + kindOf(n));
    std::vector<Field> out;
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) return error(it->first, path, "keys must be strings");
      std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string hint;
        size_t best = 3;
        for (std::string_view a : allowed) {
          size_t d = distance(key, a);
          if (d < best) {
            best = d;
            hint = " (did you mean '" + std::string(a) + "'?)";
          }
        }
        return error(it->first, path, "unknown field '" + key + "'" + hint);
      }
      if (!seen.insert(key).second) return error(it->first, path, "duplicate field '" + key + "'");
      out.push_back({key, it->second, it->first.Mark()});
    }
    return out;
  }

  static std::string kindOf(const YAML::Node& n) {
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    if (n.IsNull()) return "nothing";
    return "'" + n.Scalar() + "'";
  }

  Result<std::string> string(const Field& f, const std::string& path) const {
    if (!f.value.IsScalar())
      return errorAt(markOf(f), path, "expected a string, got " + kindOf(f.value));
    return f.value.Scalar();
  }
  Result<std::string> string(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) return error(n, path, "expected a string, got " + kindOf(n));
    return n.Scalar();
  }
  Result<bool> boolean(const Field& f, const std::string& path) const {
    if (f.value.IsScalar() && f.value.Tag() != "!") {
      if (f.value.Scalar() == "true") return true;
      if (f.value.Scalar() == "false") return false;
    }
    return errorAt(markOf(f), path, "expected true or false, got " + kindOf(f.value));
  }
  Result<uint64_t> integer(const YAML::Node& n, const YAML::Mark& mark, const std::string& path,
                           uint64_t max) const {
    if (n.IsScalar()) {
      if (auto v = parseInteger(n.Scalar()); v && *v <= max) return *v;
    }
    return errorAt(n.IsNull() ? mark : n.Mark(), path,
                   "expected an integer from 0 to " + std::to_string(max) + ", got " + kindOf(n));
  }
  Result<uint64_t> integer(const Field& f, const std::string& path, uint64_t max) const {
    return integer(f.value, markOf(f), path, max);
  }
  Result<std::vector<YAML::Node>> list(const Field& f, const std::string& path) const {
    if (f.value.IsNull()) return std::vector<YAML::Node>{};
    if (!f.value.IsSequence())
      return errorAt(markOf(f), path, "expected a list, got " + kindOf(f.value));
    std::vector<YAML::Node> out;
    for (const YAML::Node& item : f.value)
      out.push_back(item);
    return out;
  }
  Result<std::vector<std::string>> stringList(const Field& f, const std::string& path) const {
    auto items = list(f, path);
    if (!items.ok()) return std::move(items).error();
    std::vector<std::string> out;
    for (size_t i = 0; i < items->size(); ++i) {
      auto s = string((*items)[i], path + "[" + std::to_string(i) + "]");
      if (!s.ok()) return std::move(s).error();
      out.push_back(std::move(s).value());
    }
    return out;
  }
  static YAML::Mark markOf(const Field& f) {
    return f.value.IsNull() || f.value.Mark().line < 0 ? f.key_mark : f.value.Mark();
  }

  const ProfileParseOptions& options() const { return options_; }

 private:
  const ProfileParseOptions& options_;
};

#define MG_TRY_ASSIGN(lhs, expr)                      \
  do {                                                \
    auto mg_r_ = (expr);                              \
    if (!mg_r_.ok()) return std::move(mg_r_).error(); \
    lhs = std::move(mg_r_).value();                   \
  } while (0)

Result<std::string> absolutePath(const Reader& r, const YAML::Node& n, const std::string& path) {
  auto s = r.string(n, path);
  if (!s.ok()) return s;
  const std::string& p = s.value();
  bool ok = !p.empty() && p[0] == '/';
  for (std::string_view part : base::split(std::string_view(p), '/')) {
    if (part == "." || part == "..") ok = false;
  }
  if (!ok) return r.error(n, path, "expected an absolute path without . or .., got '" + p + "'");
  std::string clean = p;
  while (clean.size() > 1 && clean.back() == '/')
    clean.pop_back();
  return clean;
}

Status parseUser(const Reader& r, const YAML::Node& n, UserSpec& user) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs, r.fields(n, "spec.user", {"uid", "gid", "hostUid", "hostGid", "count"}));
  for (const auto& f : fs) {
    const std::string path = "spec.user." + f.key;
    uint64_t v;
    MG_TRY_ASSIGN(v, r.integer(f, path, 0xFFFFFFFEull));
    if (f.key == "uid")
      user.uid = static_cast<uint32_t>(v);
    else if (f.key == "gid")
      user.gid = static_cast<uint32_t>(v);
    else if (f.key == "hostUid")
      user.host_uid = static_cast<uint32_t>(v);
    else if (f.key == "hostGid")
      user.host_gid = static_cast<uint32_t>(v);
    else
      user.count = static_cast<uint32_t>(v);
    if ((f.key == "hostUid" || f.key == "hostGid") && v == 0) {
      return r.errorAt(Reader::markOf(f), path, "sandbox ids may not map onto host id 0");
    }
  }
  return base::okStatus();
}

Status parseEnv(const Reader& r, const Reader::Field& f, std::vector<EnvVar>& env) {
  std::vector<YAML::Node> items;
  MG_TRY_ASSIGN(items, r.list(f, "spec.process.env"));
  env.clear();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = "spec.process.env[" + std::to_string(i) + "]";
    EnvVar var;
    if (items[i].IsScalar()) {
      std::string s = items[i].Scalar();
      size_t eq = s.find('=');
      var.name = s.substr(0, eq);
      if (eq != std::string::npos) var.value = s.substr(eq + 1);
    } else {
      std::vector<Reader::Field> fs;
      MG_TRY_ASSIGN(fs, r.fields(items[i], path, {"name", "value"}));
      bool has_name = false;
      for (const auto& g : fs) {
        std::string s;
        MG_TRY_ASSIGN(s, r.string(g, path + "." + g.key));
        if (g.key == "name") {
          var.name = s;
          has_name = true;
        } else {
          var.value = s;
        }
      }
      if (!has_name) return r.error(items[i], path, "missing 'name'");
    }
    if (var.name.empty() || var.name.find('=') != std::string::npos) {
      return r.error(items[i], path, "invalid variable name '" + var.name + "'");
    }
    env.push_back(std::move(var));
  }
  return base::okStatus();
}

Status parseProcess(const Reader& r, const YAML::Node& n, ProcessSpec& process) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs,
                r.fields(n, "spec.process", {"init", "workingDir", "hostname", "env", "passFds"}));
  for (const auto& f : fs) {
    const std::string path = "spec.process." + f.key;
    if (f.key == "init") {
      MG_TRY_ASSIGN(process.init, r.boolean(f, path));
    } else if (f.key == "workingDir") {
      MG_TRY_ASSIGN(process.working_dir, absolutePath(r, f.value, path));
    } else if (f.key == "hostname") {
      MG_TRY_ASSIGN(process.hostname, r.string(f, path));
      if (process.hostname.empty() || process.hostname.size() > 64) {
        return r.errorAt(Reader::markOf(f), path, "must be 1 to 64 characters");
      }
    } else if (f.key == "env") {
      MG_RETURN_IF_ERROR(parseEnv(r, f, process.env));
    } else {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      process.pass_fds.clear();
      for (size_t i = 0; i < items.size(); ++i) {
        uint64_t fd;
        MG_TRY_ASSIGN(fd, r.integer(items[i], items[i].Mark(), path + "[" + std::to_string(i) + "]",
                                    1 << 20));
        if (fd < 3) return r.error(items[i], path, "fds 0-2 are always passed");
        process.pass_fds.push_back(static_cast<int>(fd));
      }
    }
  }
  return base::okStatus();
}

Status parseFilesystem(const Reader& r, const YAML::Node& n, FilesystemSpec& fs_spec) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs, r.fields(n, "spec.filesystem",
                             {"readOnly", "readWrite", "binds", "tmpfs", "proc", "dev"}));
  std::vector<MountSpec> binds;
  std::optional<std::vector<MountSpec>> tmpfs;
  for (const auto& f : fs) {
    const std::string path = "spec.filesystem." + f.key;
    if (f.key == "proc") {
      MG_TRY_ASSIGN(fs_spec.proc, r.boolean(f, path));
    } else if (f.key == "dev") {
      MG_TRY_ASSIGN(fs_spec.dev, r.boolean(f, path));
    } else if (f.key == "readOnly" || f.key == "readWrite") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      for (size_t i = 0; i < items.size(); ++i) {
        std::string p;
        MG_TRY_ASSIGN(p, absolutePath(r, items[i], path + "[" + std::to_string(i) + "]"));
        MountSpec m;
        m.kind = MountKind::Bind;
        m.source = p;
        m.target = p;
        m.read_only = f.key == "readOnly";
        binds.push_back(std::move(m));
      }
    } else if (f.key == "binds") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = path + "[" + std::to_string(i) + "]";
        std::vector<Reader::Field> bf;
        MG_TRY_ASSIGN(bf, r.fields(items[i], ipath, {"source", "target", "readOnly", "optional"}));
        MountSpec m;
        m.kind = MountKind::Bind;
        bool has_source = false;
        for (const auto& g : bf) {
          const std::string gpath = ipath + "." + g.key;
          if (g.key == "source") {
            MG_TRY_ASSIGN(m.source, absolutePath(r, g.value, gpath));
            has_source = true;
          } else if (g.key == "target") {
            MG_TRY_ASSIGN(m.target, absolutePath(r, g.value, gpath));
          } else if (g.key == "readOnly") {
            MG_TRY_ASSIGN(m.read_only, r.boolean(g, gpath));
          } else {
            MG_TRY_ASSIGN(m.optional, r.boolean(g, gpath));
          }
        }
        if (!has_source) return r.error(items[i], ipath, "missing 'source'");
        if (m.target.empty()) m.target = m.source;
        binds.push_back(std::move(m));
      }
    } else {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      tmpfs.emplace();
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = path + "[" + std::to_string(i) + "]";
        MountSpec m = tmpfsMount("", 0);
        if (items[i].IsScalar()) {
          MG_TRY_ASSIGN(m.target, absolutePath(r, items[i], ipath));
        } else {
          std::vector<Reader::Field> tf;
          MG_TRY_ASSIGN(tf, r.fields(items[i], ipath, {"path", "size", "mode"}));
          for (const auto& g : tf) {
            const std::string gpath = ipath + "." + g.key;
            if (g.key == "path") {
              MG_TRY_ASSIGN(m.target, absolutePath(r, g.value, gpath));
            } else if (g.key == "size") {
              std::string s;
              MG_TRY_ASSIGN(s, r.string(g, gpath));
              auto bytes = parseByteQuantity(s);
              if (!bytes)
                return r.errorAt(Reader::markOf(g), gpath,
                                 "expected a size such as 64Mi, got '" + s + "'");
              m.size_bytes = *bytes;
            } else {
              std::string s;
              MG_TRY_ASSIGN(s, r.string(g, gpath));
              uint64_t mode = 0;
              bool ok = !s.empty() && s.size() <= 5;
              for (char c : s) {
                if (c < '0' || c > '7') ok = false;
                mode = mode * 8 + static_cast<uint64_t>(c - '0');
              }
              if (!ok || mode > 07777)
                return r.errorAt(Reader::markOf(g), gpath,
                                 "expected an octal mode such as \"1777\"");
              m.mode = static_cast<uint32_t>(mode);
            }
          }
          if (m.target.empty()) return r.error(items[i], ipath, "missing 'path'");
        }
        if (m.target == "/") return r.error(items[i], ipath, "the root is always a tmpfs");
        tmpfs->push_back(std::move(m));
      }
    }
  }
  fs_spec.mounts = std::move(binds);
  if (tmpfs) {
    fs_spec.mounts.insert(fs_spec.mounts.end(), tmpfs->begin(), tmpfs->end());
  } else {
    fs_spec.mounts.push_back(tmpfsMount("/tmp", 64ull << 20));
  }
  return base::okStatus();
}

Status parseNetwork(const Reader& r, const YAML::Node& n, NetworkSpec& net) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs, r.fields(n, "spec.network", {"mode", "socketFamilies"}));
  for (const auto& f : fs) {
    const std::string path = "spec.network." + f.key;
    if (f.key == "mode") {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      if (s == "none")
        net.mode = NetworkMode::None;
      else if (s == "loopback")
        net.mode = NetworkMode::Loopback;
      else if (s == "host")
        net.mode = NetworkMode::Host;
      else
        return r.errorAt(Reader::markOf(f), path,
                         "expected none, loopback or host, got '" + s + "'");
    } else {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      std::vector<int> families;
      for (size_t i = 0; i < items.size(); ++i) {
        std::string s;
        MG_TRY_ASSIGN(s, r.string(items[i], path));
        auto fam = socketFamilyFromName(s);
        if (!fam) return r.error(items[i], path, "unknown socket family '" + s + "'");
        families.push_back(*fam);
      }
      net.socket_families = std::move(families);
    }
  }
  return base::okStatus();
}

Status parseLimits(const Reader& r, const YAML::Node& n, LimitsSpec& limits) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(
      fs, r.fields(n, "spec.limits", {"memory", "pids", "cpu", "cpuTime", "wallTime", "rlimits"}));
  for (const auto& f : fs) {
    const std::string path = "spec.limits." + f.key;
    if (f.key == "pids") {
      uint64_t v;
      MG_TRY_ASSIGN(v, r.integer(f, path, 1u << 22));
      if (v == 0) return r.errorAt(Reader::markOf(f), path, "must be at least 1");
      limits.pids = v;
    } else if (f.key == "memory") {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      auto v = parseByteQuantity(s);
      if (!v || *v < (1u << 20)) {
        return r.errorAt(Reader::markOf(f), path,
                         "expected a size of at least 1Mi, such as 256Mi, got '" + s + "'");
      }
      limits.memory_bytes = v;
    } else if (f.key == "cpu") {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      auto v = parseCpuQuantity(s);
      if (!v || *v < 0.01)
        return r.errorAt(Reader::markOf(f), path,
                         "expected cores such as 500m or 2, got '" + s + "'");
      limits.cpu_cores = v;
    } else if (f.key == "cpuTime" || f.key == "wallTime") {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      auto d = base::parseDuration(s);
      if (!d || d->count() <= 0)
        return r.errorAt(Reader::markOf(f), path,
                         "expected a duration such as 30s, got '" + s + "'");
      if (f.key == "cpuTime" && d->count() < 1'000'000'000) {
        return r.errorAt(Reader::markOf(f), path, "must be at least 1s");
      }
      (f.key == "cpuTime" ? limits.cpu_time : limits.wall_time) = *d;
    } else {
      if (!f.value.IsMap())
        return r.errorAt(Reader::markOf(f), path, "expected a mapping of rlimit names");
      for (auto it = f.value.begin(); it != f.value.end(); ++it) {
        std::string name = it->first.Scalar();
        auto res = rlimitFromName(name);
        if (!res) return r.error(it->first, path, "unknown rlimit '" + name + "'");
        const std::string rpath = path + "." + name;
        auto value = [&](const YAML::Node& v) -> Result<uint64_t> {
          if (v.IsScalar() && (v.Scalar() == "unlimited" || v.Scalar() == "infinity")) {
            return ~uint64_t{0};
          }
          if (v.IsScalar()) {
            if (auto q = parseByteQuantity(v.Scalar())) return *q;
          }
          return r.error(v, rpath, "expected a number or 'unlimited', got " + Reader::kindOf(v));
        };
        Rlimit rl;
        rl.resource = *res;
        if (it->second.IsMap()) {
          Reader::Field holder{name, it->second, it->first.Mark()};
          std::vector<Reader::Field> lf;
          MG_TRY_ASSIGN(lf, r.fields(it->second, rpath, {"soft", "hard"}));
          bool has_soft = false, has_hard = false;
          for (const auto& g : lf) {
            uint64_t v;
            MG_TRY_ASSIGN(v, value(g.value));
            if (g.key == "soft") {
              rl.soft = v;
              has_soft = true;
            } else {
              rl.hard = v;
              has_hard = true;
            }
          }
          if (!has_soft || !has_hard)
            return r.error(it->second, rpath, "needs both 'soft' and 'hard'");
          if (rl.soft > rl.hard) return r.error(it->second, rpath, "soft limit above hard limit");
        } else {
          MG_TRY_ASSIGN(rl.soft, value(it->second));
          rl.hard = rl.soft;
        }
        auto existing = std::find_if(limits.rlimits.begin(), limits.rlimits.end(),
                                     [&](const Rlimit& x) { return x.resource == rl.resource; });
        if (existing != limits.rlimits.end()) {
          *existing = rl;
        } else {
          limits.rlimits.push_back(rl);
        }
      }
    }
  }
  return base::okStatus();
}

Status parseCapabilities(const Reader& r, const Reader::Field& f, std::vector<int>& caps) {
  std::vector<YAML::Node> items;
  MG_TRY_ASSIGN(items, r.list(f, "spec.capabilities"));
  caps.clear();
  for (const YAML::Node& item : items) {
    std::string s;
    MG_TRY_ASSIGN(s, r.string(item, "spec.capabilities"));
    auto cap = capabilityFromName(s);
    if (!cap) return r.error(item, "spec.capabilities", "unknown capability '" + s + "'");
    caps.push_back(*cap);
  }
  return base::okStatus();
}

Result<std::vector<uint16_t>> parsePorts(const Reader& r, const Reader::Field& f,
                                         const std::string& path) {
  std::vector<YAML::Node> items;
  MG_TRY_ASSIGN(items, r.list(f, path));
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < items.size(); ++i) {
    uint64_t p;
    MG_TRY_ASSIGN(
        p, r.integer(items[i], items[i].Mark(), path + "[" + std::to_string(i) + "]", 65535));
    ports.push_back(static_cast<uint16_t>(p));
  }
  return ports;
}

Status parseLandlock(const Reader& r, const YAML::Node& n, LandlockSpec& ll) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs,
                r.fields(n, "spec.landlock", {"mode", "paths", "bindTcp", "connectTcp", "scopes"}));
  for (const auto& f : fs) {
    const std::string path = "spec.landlock." + f.key;
    if (f.key == "mode") {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      if (s == "off")
        ll.mode = LandlockMode::Off;
      else if (s == "bestEffort")
        ll.mode = LandlockMode::BestEffort;
      else if (s == "required")
        ll.mode = LandlockMode::Required;
      else
        return r.errorAt(Reader::markOf(f), path,
                         "expected off, bestEffort or required, got '" + s + "'");
    } else if (f.key == "paths") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      std::vector<LandlockPathRule> rules;
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = path + "[" + std::to_string(i) + "]";
        std::vector<Reader::Field> rf;
        MG_TRY_ASSIGN(rf, r.fields(items[i], ipath, {"path", "access"}));
        LandlockPathRule rule;
        for (const auto& g : rf) {
          if (g.key == "path") {
            MG_TRY_ASSIGN(rule.path, absolutePath(r, g.value, ipath + ".path"));
            continue;
          }
          std::vector<YAML::Node> acc;
          MG_TRY_ASSIGN(acc, r.list(g, ipath + ".access"));
          for (const YAML::Node& a : acc) {
            std::string s;
            MG_TRY_ASSIGN(s, r.string(a, ipath + ".access"));
            if (s == "read")
              rule.access |= kLandlockRead;
            else if (s == "write")
              rule.access |= kLandlockWrite;
            else if (s == "execute")
              rule.access |= kLandlockExecute;
            else if (s == "ioctl")
              rule.access |= kLandlockIoctl;
            else
              return r.error(a, ipath + ".access",
                             "expected read, write, execute or ioctl, got '" + s + "'");
          }
        }
        if (rule.path.empty()) return r.error(items[i], ipath, "missing 'path'");
        if (rule.access == 0) return r.error(items[i], ipath, "grants no access");
        rules.push_back(std::move(rule));
      }
      ll.paths = std::move(rules);
    } else if (f.key == "bindTcp") {
      MG_TRY_ASSIGN(ll.bind_tcp, parsePorts(r, f, path));
    } else if (f.key == "connectTcp") {
      MG_TRY_ASSIGN(ll.connect_tcp, parsePorts(r, f, path));
    } else {
      std::vector<std::string> scopes;
      MG_TRY_ASSIGN(scopes, r.stringList(f, path));
      ll.scope_signals = false;
      ll.scope_abstract_unix = false;
      for (const std::string& s : scopes) {
        if (s == "signal")
          ll.scope_signals = true;
        else if (s == "abstractUnixSocket")
          ll.scope_abstract_unix = true;
        else
          return r.errorAt(Reader::markOf(f), path,
                           "expected signal or abstractUnixSocket, got '" + s + "'");
      }
    }
  }
  return base::okStatus();
}

Result<SeccompAction> parseAction(const Reader& r, const YAML::Node& n, const std::string& path) {
  auto s = r.string(n, path);
  if (!s.ok()) return std::move(s).error();
  std::string a = base::toLower(s.value());
  if (a.rfind("scmp_act_", 0) == 0) a.erase(0, 9);
  if (a == "kill" || a == "kill_process") return SeccompAction{SeccompActionKind::KillProcess, 0};
  if (a == "kill_thread") return SeccompAction{SeccompActionKind::KillThread, 0};
  if (a == "trap") return SeccompAction{SeccompActionKind::Trap, 0};
  if (a == "errno") return SeccompAction{SeccompActionKind::Errno, EPERM};
  if (a == "log") return SeccompAction{SeccompActionKind::Log, 0};
  if (a == "trace") return SeccompAction{SeccompActionKind::Trace, EPERM};
  if (a == "allow") return SeccompAction{SeccompActionKind::Allow, 0};
  return r.error(
      n, path,
      "expected kill, kill_thread, trap, errno, trace, log or allow, got '" + s.value() + "'");
}

Result<int> parseErrno(const Reader& r, const YAML::Node& n, const std::string& path) {
  auto s = r.string(n, path);
  if (!s.ok()) return std::move(s).error();
  auto e = errnoFromName(s.value());
  if (!e) return r.error(n, path, "unknown errno '" + s.value() + "'");
  return *e;
}

Status checkSyscallName(const Reader& r, const YAML::Node& n, const std::string& path,
                        const std::string& name) {
  for (SeccompArch a : {SeccompArch::Native, SeccompArch::X86, SeccompArch::X32}) {
    if (syscallNumber(name, a)) return base::okStatus();
  }
  return r.error(n, path, "unknown syscall '" + name + "'");
}

Status parseSeccomp(const Reader& r, const YAML::Node& n, SeccompPolicy& sc,
                    std::optional<std::pair<std::string, YAML::Mark>>& docker) {
  std::vector<Reader::Field> fs;
  MG_TRY_ASSIGN(fs, r.fields(n, "spec.seccomp",
                             {"defaultAction", "defaultErrno", "allow", "rules", "architectures",
                              "report", "kernelLog", "dockerProfile"}));
  std::optional<int> default_errno;
  bool has_rules = false;
  for (const auto& f : fs) {
    const std::string path = "spec.seccomp." + f.key;
    if (f.key == "defaultAction") {
      MG_TRY_ASSIGN(sc.default_action, parseAction(r, f.value, path));
    } else if (f.key == "defaultErrno") {
      MG_TRY_ASSIGN(default_errno, parseErrno(r, f.value, path));
    } else if (f.key == "allow") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      SyscallRule rule;
      for (const YAML::Node& item : items) {
        std::string s;
        MG_TRY_ASSIGN(s, r.string(item, path));
        MG_RETURN_IF_ERROR(checkSyscallName(r, item, path, s));
        rule.names.push_back(s);
      }
      if (!rule.names.empty()) sc.rules.insert(sc.rules.begin(), std::move(rule));
      has_rules = true;
    } else if (f.key == "rules") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = path + "[" + std::to_string(i) + "]";
        std::vector<Reader::Field> rf;
        MG_TRY_ASSIGN(rf, r.fields(items[i], ipath, {"names", "action", "errno", "args"}));
        SyscallRule rule;
        std::optional<int> err;
        bool has_action = false;
        for (const auto& g : rf) {
          const std::string gpath = ipath + "." + g.key;
          if (g.key == "names") {
            std::vector<YAML::Node> names;
            MG_TRY_ASSIGN(names, r.list(g, gpath));
            for (const YAML::Node& nm : names) {
              std::string s;
              MG_TRY_ASSIGN(s, r.string(nm, gpath));
              MG_RETURN_IF_ERROR(checkSyscallName(r, nm, gpath, s));
              rule.names.push_back(s);
            }
          } else if (g.key == "action") {
            MG_TRY_ASSIGN(rule.action, parseAction(r, g.value, gpath));
            has_action = true;
          } else if (g.key == "errno") {
            MG_TRY_ASSIGN(err, parseErrno(r, g.value, gpath));
          } else {
            std::vector<YAML::Node> args;
            MG_TRY_ASSIGN(args, r.list(g, gpath));
            for (size_t k = 0; k < args.size(); ++k) {
              const std::string apath = gpath + "[" + std::to_string(k) + "]";
              std::vector<Reader::Field> af;
              MG_TRY_ASSIGN(af, r.fields(args[k], apath, {"index", "op", "value", "valueTwo"}));
              ArgCondition c;
              bool has_op = false;
              bool has_value = false;
              for (const auto& h : af) {
                const std::string hpath = apath + "." + h.key;
                if (h.key == "index") {
                  uint64_t v;
                  MG_TRY_ASSIGN(v, r.integer(h, hpath, 5));
                  c.index = static_cast<unsigned>(v);
                } else if (h.key == "op") {
                  std::string s;
                  MG_TRY_ASSIGN(s, r.string(h, hpath));
                  std::string o = base::toLower(s);
                  if (o.rfind("scmp_cmp_", 0) == 0) o.erase(0, 9);
                  if (o == "eq")
                    c.op = ArgOp::Eq;
                  else if (o == "ne")
                    c.op = ArgOp::Ne;
                  else if (o == "lt")
                    c.op = ArgOp::Lt;
                  else if (o == "le")
                    c.op = ArgOp::Le;
                  else if (o == "gt")
                    c.op = ArgOp::Gt;
                  else if (o == "ge")
                    c.op = ArgOp::Ge;
                  else if (o == "maskedeq" || o == "masked_eq")
                    c.op = ArgOp::MaskedEq;
                  else
                    return r.errorAt(
                        Reader::markOf(h), hpath,
                        "expected eq, ne, lt, le, gt, ge or maskedEq, got '" + s + "'");
                  has_op = true;
                } else if (h.key == "value") {
                  MG_TRY_ASSIGN(c.value, r.integer(h, hpath, ~uint64_t{0}));
                  has_value = true;
                } else {
                  MG_TRY_ASSIGN(c.value_two, r.integer(h, hpath, ~uint64_t{0}));
                }
              }
              if (!has_op || !has_value) return r.error(args[k], apath, "needs 'op' and 'value'");
              rule.args.push_back(c);
            }
          }
        }
        if (rule.names.empty()) return r.error(items[i], ipath, "missing 'names'");
        if (!has_action) return r.error(items[i], ipath, "missing 'action'");
        if (rule.action.kind == SeccompActionKind::Errno && err) rule.action.errno_value = *err;
        if (err && rule.action.kind != SeccompActionKind::Errno) {
          return r.error(items[i], ipath, "'errno' needs action errno");
        }
        sc.rules.push_back(std::move(rule));
      }
      has_rules = true;
    } else if (f.key == "architectures") {
      std::vector<YAML::Node> items;
      MG_TRY_ASSIGN(items, r.list(f, path));
      sc.architectures = {SeccompArch::Native};
      for (const YAML::Node& item : items) {
        std::string s;
        MG_TRY_ASSIGN(s, r.string(item, path));
        auto a = archFromName(s);
        if (!a) return r.error(item, path, "unknown architecture '" + s + "' (native, x86, x32)");
        if (std::find(sc.architectures.begin(), sc.architectures.end(), *a) ==
            sc.architectures.end()) {
          sc.architectures.push_back(*a);
        }
      }
    } else if (f.key == "report") {
      MG_TRY_ASSIGN(sc.report, r.boolean(f, path));
    } else if (f.key == "kernelLog") {
      MG_TRY_ASSIGN(sc.kernel_log, r.boolean(f, path));
    } else {
      std::string s;
      MG_TRY_ASSIGN(s, r.string(f, path));
      docker = std::make_pair(s, Reader::markOf(f));
    }
  }
  if (sc.default_action.kind == SeccompActionKind::Errno) {
    sc.default_action.errno_value = default_errno.value_or(EPERM);
  } else if (default_errno) {
    return r.error(n, "spec.seccomp", "defaultErrno needs defaultAction errno");
  }
  if (docker && has_rules) {
    return r.errorAt(docker->second, "spec.seccomp.dockerProfile",
                     "use either dockerProfile or allow/rules, not both");
  }
  return base::okStatus();
}

Result<Profile> parseDocument(const Reader& r, const YAML::Node& doc) {
  std::vector<Reader::Field> top;
  MG_TRY_ASSIGN(top, r.fields(doc, "", {"apiVersion", "kind", "metadata", "spec"}));
  Profile profile;
  bool has_api = false, has_kind = false, has_meta = false, has_spec = false;
  std::optional<std::pair<std::string, YAML::Mark>> docker;
  std::optional<YAML::Node> seccomp_node;
  std::optional<YAML::Mark> arch_mark;
  for (const auto& f : top) {
    if (f.key == "apiVersion") {
      std::string v;
      MG_TRY_ASSIGN(v, r.string(f, "apiVersion"));
      if (v != kApiVersion)
        return r.errorAt(Reader::markOf(f), "apiVersion",
                         "expected " + std::string(kApiVersion) + ", got '" + v + "'");
      has_api = true;
    } else if (f.key == "kind") {
      std::string v;
      MG_TRY_ASSIGN(v, r.string(f, "kind"));
      if (v != kKind)
        return r.errorAt(Reader::markOf(f), "kind",
                         "expected " + std::string(kKind) + ", got '" + v + "'");
      has_kind = true;
    } else if (f.key == "metadata") {
      std::vector<Reader::Field> mf;
      MG_TRY_ASSIGN(mf,
                    r.fields(f.value, "metadata", {"name", "namespace", "labels", "annotations"}));
      for (const auto& g : mf) {
        if (g.key == "name") {
          MG_TRY_ASSIGN(profile.name, r.string(g, "metadata.name"));
        } else if (g.key == "namespace") {
          std::string ignored;
          MG_TRY_ASSIGN(ignored, r.string(g, "metadata.namespace"));
        } else if (!g.value.IsMap() && !g.value.IsNull()) {
          return r.errorAt(Reader::markOf(g), "metadata." + g.key, "expected a mapping of strings");
        }
      }
      if (profile.name.empty()) return r.error(f.value, "metadata", "missing 'name'");
      has_meta = true;
    } else {
      has_spec = true;
      std::vector<Reader::Field> sf;
      MG_TRY_ASSIGN(sf, r.fields(f.value, "spec",
                                 {"user", "process", "filesystem", "network", "limits",
                                  "capabilities", "landlock", "seccomp"}));
      for (const auto& g : sf) {
        if (g.key == "user") {
          MG_RETURN_IF_ERROR(parseUser(r, g.value, profile.user));
        } else if (g.key == "process") {
          MG_RETURN_IF_ERROR(parseProcess(r, g.value, profile.process));
        } else if (g.key == "filesystem") {
          MG_RETURN_IF_ERROR(parseFilesystem(r, g.value, profile.filesystem));
        } else if (g.key == "network") {
          MG_RETURN_IF_ERROR(parseNetwork(r, g.value, profile.network));
        } else if (g.key == "limits") {
          MG_RETURN_IF_ERROR(parseLimits(r, g.value, profile.limits));
        } else if (g.key == "capabilities") {
          MG_RETURN_IF_ERROR(parseCapabilities(r, g, profile.capabilities));
        } else if (g.key == "landlock") {
          MG_RETURN_IF_ERROR(parseLandlock(r, g.value, profile.landlock));
        } else {
          profile.seccomp.rules.clear();
          MG_RETURN_IF_ERROR(parseSeccomp(r, g.value, profile.seccomp, docker));
          seccomp_node = g.value;
          if (g.value["architectures"]) arch_mark = g.value["architectures"].Mark();
        }
      }
    }
  }
  if (!has_api) return r.error(doc, "", "missing 'apiVersion' (" + std::string(kApiVersion) + ")");
  if (!has_kind) return r.error(doc, "", "missing 'kind' (" + std::string(kKind) + ")");
  if (!has_meta) return r.error(doc, "", "missing 'metadata'");
  if (!has_spec) return r.error(doc, "", "missing 'spec'");
  if (!seccomp_node) {
    // No spec.seccomp: the shell profile's general-purpose policy.
    profile.seccomp = defaultSeccompPolicy();
  }
  profile.seccomp.origin = r.options().file_name;
  if (docker) {
    std::string path = docker->first;
    if (path.empty() || path[0] != '/') path = r.options().base_dir + "/" + path;
    auto text = r.options().read_file ? r.options().read_file(path) : base::readFile(path);
    if (!text.ok()) {
      return r.errorAt(docker->second, "spec.seccomp.dockerProfile", text.error().describe());
    }
    DockerContext ctx = hostDockerContext(profile.capabilities);
    auto policy = parseDockerSeccomp(text.value(), ctx, path);
    if (!policy.ok()) return std::move(policy).error();
    SeccompPolicy resolved = std::move(policy).value();
    resolved.architectures = profile.seccomp.architectures;
    resolved.report = profile.seccomp.report;
    resolved.kernel_log = profile.seccomp.kernel_log;
    // The YAML's defaultAction, when given, overrides the Docker file's.
    if (seccomp_node && (*seccomp_node)["defaultAction"]) {
      resolved.default_action = profile.seccomp.default_action;
    }
    profile.seccomp = std::move(resolved);
  }
  if (auto s = profile.validate(); !s.ok()) {
    return r.error(doc, "", s.error().message);
  }
  return profile;
}

}  // namespace

// Documents in a YAML stream: "---" lines start one, and content before the
// first of them is one too. ("---" inside a block scalar would be miscounted;
// profiles have no reason for that.)
static size_t countYamlDocuments(std::string_view text) {
  size_t docs = 0;
  bool open = false;     // inside a document that has content
  bool started = false;  // a "---" opened the current document
  for (std::string_view line : base::split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool marker =
        line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    if (marker) {
      if (started || open) ++docs;
      started = true;
      std::string_view rest = base::trim(line.substr(3));
      open = !rest.empty() && rest[0] != '#';
      continue;
    }
    if (line.rfind("...", 0) == 0) {
      if (started || open) ++docs;
      started = false;
      open = false;
      continue;
    }
    std::string_view t = base::trim(line);
    if (!t.empty() && t[0] != '#' && t[0] != '%') open = true;
  }
  if (started || open) ++docs;
  return docs;
}

std::optional<uint64_t> parseByteQuantity(std::string_view text) {
  std::string_view s = base::trim(text);
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
    ++i;
  std::string_view number = s.substr(0, i);
  std::string_view suffix = s.substr(i);
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
  long double value = std::strtold(std::string(number).c_str(), nullptr);
  static const std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1},
      {"k", 1e3L},
      {"K", 1e3L},
      {"M", 1e6L},
      {"G", 1e9L},
      {"T", 1e12L},
      {"P", 1e15L},
      {"Ki", 1024.0L},
      {"Mi", 1048576.0L},
      {"Gi", 1073741824.0L},
      {"Ti", 1099511627776.0L},
      {"Pi", 1125899906842624.0L},
  };
  for (const auto& [name, mult] : kSuffixes) {
    if (suffix == name) {
      long double bytes = value * mult;
      if (bytes > 1.8e19L) return std::nullopt;
      if (bytes != std::floor(bytes)) return std::nullopt;
      return static_cast<uint64_t>(bytes);
    }
  }
  return std::nullopt;
}

std::optional<double> parseCpuQuantity(std::string_view text) {
  std::string_view s = base::trim(text);
  bool milli = !s.empty() && s.back() == 'm';
  if (milli) s.remove_suffix(1);
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.')) return std::nullopt;
  }
  if (s.find('.') != s.rfind('.') || s == ".") return std::nullopt;
  double v = std::strtod(std::string(s).c_str(), nullptr);
  if (milli) v /= 1000.0;
  if (!(v > 0) || v > 4096) return std::nullopt;
  return v;
}

Result<Profile> parseProfileYaml(std::string_view text, const ProfileParseOptions& options) {
  Reader reader(options);
  // yaml-cpp 0.7's LoadAll can loop forever on malformed input (found by
  // profile_yaml_fuzz); YAML::Load reads the first document only, so count
  // the documents ourselves.
  if (size_t docs = countYamlDocuments(text); docs != 1) {
    return Error{options.file_name + ": expected one YAML document, found " + std::to_string(docs),
                 0, base::ErrorSource::Config};
  }
  if (auto hazard = base::findYamlHazard(text)) {
    return Error{options.file_name + ":" + std::to_string(hazard->line) + ":" +
                     std::to_string(hazard->column) + ": YAML: " + hazard->message,
                 0, base::ErrorSource::Config};
  }
  try {
    return parseDocument(reader, YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return reader.errorAt(e.mark, "", "YAML: " + e.msg);
  }
}

Result<Profile> parseProfileSpec(const YAML::Node& spec, std::string_view name,
                                 const ProfileParseOptions& options) {
  Reader reader(options);
  try {
    // The spec keeps its own marks; the synthetic fields around it have none.
    YAML::Node doc(YAML::NodeType::Map);
    doc["apiVersion"] = std::string(kApiVersion);
    doc["kind"] = std::string(kKind);
    doc["metadata"]["name"] = std::string(name);
    if (spec.IsDefined() && !spec.IsNull()) doc["spec"] = spec;
    return parseDocument(reader, doc);
  } catch (const YAML::Exception& e) {
    return reader.errorAt(e.mark, "", "YAML: " + e.msg);
  }
}

}  // namespace meshgate::sandbox

namespace meshgate::sandbox {
namespace {

bool plainSafe(std::string_view s) {
  if (s.empty()) return false;
  static constexpr std::string_view kReserved[] = {"true", "false", "null", "~", "yes",
                                                   "no",   "on",    "off",  "y", "n"};
  for (std::string_view r : kReserved) {
    if (base::iequals(s, r)) return false;
  }
  if (parseInteger(s) || base::parseInt64(s)) return false;
  if (s[0] == '-' || s[0] == '.' || s[0] == ':') return s.size() > 1 && s[0] == '/';
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '/' || c == '.' || c == '-' || c == ':' || c == '+';
    if (!ok) return false;
  }
  return true;
}

std::string quote(std::string_view s) {
  if (plainSafe(s)) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string flowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

std::string actionText(SeccompActionKind k) {
  return actionName(k);
}

std::string opText(ArgOp op) {
  switch (op) {
    case ArgOp::Ne:
      return "ne";
    case ArgOp::Lt:
      return "lt";
    case ArgOp::Le:
      return "le";
    case ArgOp::Eq:
      return "eq";
    case ArgOp::Ge:
      return "ge";
    case ArgOp::Gt:
      return "gt";
    case ArgOp::MaskedEq:
      return "maskedEq";
  }
  return "eq";
}

std::string bytesText(uint64_t b) {
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"Ti", 1ull << 40}, {"Gi", 1ull << 30}, {"Mi", 1ull << 20}, {"Ki", 1ull << 10}};
  for (const auto& [unit, size] : kUnits) {
    if (b >= size && b % size == 0) return std::to_string(b / size) + unit;
  }
  return std::to_string(b);
}

std::string limitText(uint64_t v) {
  return v == ~uint64_t{0} ? "unlimited" : std::to_string(v);
}

}  // namespace

std::string writeProfileYaml(const Profile& p, const std::string& comment) {
  std::string o;
  for (std::string_view line : base::split(comment, '\n')) {
    if (!line.empty()) o += "# " + std::string(line) + "\n";
  }
  o += "apiVersion: meshgate.io/v1\nkind: SandboxProfile\nmetadata:\n";
  o += "  name: " + quote(p.name.empty() ? "unnamed" : p.name) + "\nspec:\n";
  const UserSpec defaults_user;
  o += "  user:\n";
  o += "    uid: " + std::to_string(p.user.uid) + "\n    gid: " + std::to_string(p.user.gid) + "\n";
  o += "    hostUid: " + std::to_string(p.user.host_uid) +
       "\n    hostGid: " + std::to_string(p.user.host_gid) +
       "\n    count: " + std::to_string(p.user.count) + "\n";
  (void)defaults_user;
  o += "  process:\n";
  o += std::string("    init: ") + (p.process.init ? "true" : "false") + "\n";
  o += "    workingDir: " + quote(p.process.working_dir) + "\n";
  o += "    hostname: " + quote(p.process.hostname) + "\n";
  o += "    env:";
  if (p.process.env.empty()) o += " []";
  o += "\n";
  for (const EnvVar& e : p.process.env) {
    o += "      - name: " + quote(e.name) + "\n";
    if (e.value) o += "        value: " + quote(*e.value) + "\n";
  }
  if (!p.process.pass_fds.empty()) {
    std::vector<std::string> fds;
    for (int fd : p.process.pass_fds)
      fds.push_back(std::to_string(fd));
    o += "    passFds: [";
    for (size_t i = 0; i < fds.size(); ++i)
      o += (i ? ", " : "") + fds[i];
    o += "]\n";
  }
  o += "  filesystem:\n";
  std::vector<std::string> ro, rw;
  std::vector<const MountSpec*> binds, tmpfs;
  for (const MountSpec& m : p.filesystem.mounts) {
    if (m.kind == MountKind::Tmpfs) {
      tmpfs.push_back(&m);
    } else if (m.source == m.target && !m.optional) {
      (m.read_only ? ro : rw).push_back(m.target);
    } else {
      binds.push_back(&m);
    }
  }
  if (!ro.empty()) o += "    readOnly: " + flowList(ro) + "\n";
  if (!rw.empty()) o += "    readWrite: " + flowList(rw) + "\n";
  if (!binds.empty()) {
    o += "    binds:\n";
    for (const MountSpec* m : binds) {
      o += "      - {source: " + quote(m->source) + ", target: " + quote(m->target) +
           ", readOnly: " + (m->read_only ? "true" : "false") +
           ", optional: " + (m->optional ? "true" : "false") + "}\n";
    }
  }
  o += "    tmpfs:";
  if (tmpfs.empty()) o += " []";
  o += "\n";
  for (const MountSpec* m : tmpfs) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", m->mode);
    o += "      - {path: " + quote(m->target);
    if (m->size_bytes != 0) o += ", size: " + bytesText(m->size_bytes);
    o += std::string(", mode: \"") + mode + "\"}\n";
  }
  o += std::string("    proc: ") + (p.filesystem.proc ? "true" : "false") + "\n";
  o += std::string("    dev: ") + (p.filesystem.dev ? "true" : "false") + "\n";
  o += "  network:\n    mode: " + std::string(networkModeName(p.network.mode)) + "\n";
  if (p.network.socket_families) {
    std::vector<std::string> fams;
    for (int f : *p.network.socket_families)
      fams.push_back(socketFamilyName(f));
    o += "    socketFamilies: " + flowList(fams) + "\n";
  }
  const LimitsSpec& l = p.limits;
  o += "  limits:\n";
  if (l.memory_bytes) o += "    memory: " + bytesText(*l.memory_bytes) + "\n";
  if (l.pids) o += "    pids: " + std::to_string(*l.pids) + "\n";
  if (l.cpu_cores) {
    o += "    cpu: " + std::to_string(static_cast<int64_t>(std::llround(*l.cpu_cores * 1000))) +
         "m\n";
  }
  if (l.cpu_time) o += "    cpuTime: " + base::formatDuration(*l.cpu_time) + "\n";
  if (l.wall_time) o += "    wallTime: " + base::formatDuration(*l.wall_time) + "\n";
  o += "    rlimits:";
  if (l.rlimits.empty()) o += " {}";
  o += "\n";
  for (const Rlimit& r : l.rlimits) {
    o += "      " + rlimitName(r.resource) + ": ";
    if (r.soft == r.hard) {
      o += limitText(r.soft) + "\n";
    } else {
      o += "{soft: " + limitText(r.soft) + ", hard: " + limitText(r.hard) + "}\n";
    }
  }
  std::vector<std::string> caps;
  for (int c : p.capabilities)
    caps.push_back(capabilityName(c));
  o += "  capabilities: " + flowList(caps) + "\n";
  const LandlockSpec& ll = p.landlock;
  o += "  landlock:\n    mode: ";
  o += ll.mode == LandlockMode::Off        ? "off"
       : ll.mode == LandlockMode::Required ? "required"
                                           : "bestEffort";
  o += "\n";
  if (ll.paths) {
    o += "    paths:";
    if (ll.paths->empty()) o += " []";
    o += "\n";
    for (const LandlockPathRule& r : *ll.paths) {
      std::vector<std::string> acc;
      if (r.access & kLandlockRead) acc.push_back("read");
      if (r.access & kLandlockWrite) acc.push_back("write");
      if (r.access & kLandlockExecute) acc.push_back("execute");
      if (r.access & kLandlockIoctl) acc.push_back("ioctl");
      o += "      - {path: " + quote(r.path) + ", access: " + flowList(acc) + "}\n";
    }
  }
  auto ports = [&](const char* key, const std::optional<std::vector<uint16_t>>& v) {
    if (!v) return;
    o += std::string("    ") + key + ": [";
    for (size_t i = 0; i < v->size(); ++i)
      o += (i ? ", " : "") + std::to_string((*v)[i]);
    o += "]\n";
  };
  ports("bindTcp", ll.bind_tcp);
  ports("connectTcp", ll.connect_tcp);
  std::vector<std::string> scopes;
  if (ll.scope_signals) scopes.push_back("signal");
  if (ll.scope_abstract_unix) scopes.push_back("abstractUnixSocket");
  o += "    scopes: " + flowList(scopes) + "\n";
  const SeccompPolicy& sc = p.seccomp;
  o += "  seccomp:\n    defaultAction: " + actionText(sc.default_action.kind) + "\n";
  if (sc.default_action.kind == SeccompActionKind::Errno) {
    o += "    defaultErrno: " + errnoName(sc.default_action.errno_value) + "\n";
  }
  std::vector<std::string> archs;
  for (SeccompArch a : sc.architectures) {
    if (a != SeccompArch::Native) archs.push_back(archName(a));
  }
  if (!archs.empty()) o += "    architectures: " + flowList(archs) + "\n";
  o += std::string("    report: ") + (sc.report ? "true" : "false") + "\n";
  if (sc.kernel_log) o += "    kernelLog: true\n";
  // Unconditional allow rules become the `allow` list, the rest `rules`.
  std::vector<std::string> allow;
  std::vector<const SyscallRule*> rules;
  for (const SyscallRule& r : sc.rules) {
    if (r.action.kind == SeccompActionKind::Allow && r.args.empty()) {
      allow.insert(allow.end(), r.names.begin(), r.names.end());
    } else {
      rules.push_back(&r);
    }
  }
  o += "    allow:";
  if (allow.empty()) o += " []";
  o += "\n";
  for (const std::string& s : allow)
    o += "      - " + quote(s) + "\n";
  if (!rules.empty()) {
    o += "    rules:\n";
    std::vector<SyscallRule> split;
    for (const SyscallRule* r : rules) {
      if (r->split_same_index_conditions && r->args.size() > 1) {
        // runc's semantics (one rule per condition), spelled out.
        for (const ArgCondition& c : r->args)
          split.push_back({r->names, r->action, {c}, false});
      } else {
        split.push_back(*r);
      }
    }
    for (const SyscallRule& rule : split) {
      const SyscallRule* r = &rule;
      o += "      - names: " + flowList(r->names) + "\n";
      o += "        action: " + actionText(r->action.kind) + "\n";
      if (r->action.kind == SeccompActionKind::Errno) {
        o += "        errno: " + errnoName(r->action.errno_value) + "\n";
      }
      if (!r->args.empty()) {
        o += "        args:\n";
        for (const ArgCondition& c : r->args) {
          o += "          - {index: " + std::to_string(c.index) + ", op: " + opText(c.op) +
               ", value: " + std::to_string(c.value);
          if (c.op == ArgOp::MaskedEq) o += ", valueTwo: " + std::to_string(c.value_two);
          o += "}\n";
        }
      }
    }
  }
  return o;
}

}  // namespace meshgate::sandbox
