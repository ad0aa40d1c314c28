// SPDX-License-Identifier: Apache-2.0
#include "sandbox/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>

#include "base/file.h"
#include "base/strings.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::Status;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// mountinfo escapes spaces and friends as \ooo.
std::string unescapeMountField(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') ok = false;
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Status writeCgroupFile(const std::string& dir, const char* file, const std::string& value) {
  std::string path = dir + "/" + file;
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return base::errnoError("cgroup: open " + path);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return base::errnoError("cgroup: write '" + value + "' to " + path, n < 0 ? err : EIO);
  }
  return base::okStatus();
}

std::optional<std::string> readCgroupFile(const std::string& dir, const char* file) {
  auto r = base::readFile(dir + "/" + file);
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

// "key value" lines (memory.events, cpu.stat, memory.oom_control).
std::optional<uint64_t> keyedValue(const std::string& text, std::string_view key) {
  for (std::string_view line : base::split(text, '\n')) {
    auto parts = base::split(base::trim(line), ' ');
    if (parts.size() == 2 && parts[0] == key) return base::parseUint64(parts[1]);
  }
  return std::nullopt;
}

std::optional<uint64_t> plainValue(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return base::parseUint64(base::trim(*text));
}

// The hierarchies, read once per process.
const std::vector<CgroupHierarchy>& hierarchies() {
  static const std::vector<CgroupHierarchy> all = [] {
    auto mountinfo = base::readFile("/proc/self/mountinfo");
    auto self = base::readFile("/proc/self/cgroup");
    if (!mountinfo.ok() || !self.ok()) return std::vector<CgroupHierarchy>{};
    return parseCgroupHierarchies(mountinfo.value(), self.value());
  }();
  return all;
}

}  // namespace

std::vector<CgroupHierarchy> parseCgroupHierarchies(const std::string& mountinfo,
                                                    const std::string& self_cgroup) {
  struct Membership {
    std::string controllers;  // "memory", "cpu,cpuacct", "" for v2
    std::string path;
  };
  std::vector<Membership> members;
  for (std::string_view line : base::split(self_cgroup, '\n')) {
    if (line.empty()) continue;
    size_t a = line.find(':');
    size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    members.push_back(
        {std::string(line.substr(a + 1, b - a - 1)), std::string(line.substr(b + 1))});
  }
  std::vector<CgroupHierarchy> out;
  for (std::string_view line : base::split(mountinfo, '\n')) {
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto pre = base::split(line.substr(0, dash), ' ');
    auto post = base::split(line.substr(dash + 3), ' ');
    if (pre.size() < 5 || post.size() < 3) continue;
    std::string_view fstype = post[0];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupHierarchy h;
    h.version = fstype == "cgroup2" ? 2 : 1;
    std::string root = unescapeMountField(pre[3]);
    h.mount_point = unescapeMountField(pre[4]);
    std::string key;
    if (h.version == 1) {
      std::vector<std::string> named;
      for (std::string_view opt : base::split(post[2], ',')) {
        if (opt == "rw" || opt == "ro" || opt.empty()) continue;
        if (opt.rfind("name=", 0) == 0) {
          named.emplace_back(opt);
          continue;
        }
        static constexpr std::string_view kKnown[] = {
            "cpu",   "cpuacct",    "cpuset",   "memory",  "devices", "freezer", "net_cls",
            "blkio", "perf_event", "net_prio", "hugetlb", "pids",    "rdma",    "misc"};
        if (std::find(std::begin(kKnown), std::end(kKnown), opt) != std::end(kKnown)) {
          h.controllers.emplace_back(opt);
        }
      }
      std::vector<std::string> all = h.controllers;
      all.insert(all.end(), named.begin(), named.end());
      for (const std::string& c : all)
        key += (key.empty() ? "" : ",") + c;
    }
    bool found = false;
    for (const Membership& m : members) {
      bool match;
      if (h.version == 2) {
        match = m.controllers.empty();
      } else {
        auto have = base::split(m.controllers, ',');
        auto want = base::split(key, ',');
        match = !key.empty() && have.size() == want.size() &&
                std::all_of(want.begin(), want.end(), [&](std::string_view w) {
                  return std::find(have.begin(), have.end(), w) != have.end();
                });
      }
      if (!match) continue;
      std::string path = m.path;
      if (root != "/" && path.rfind(root, 0) == 0) path.erase(0, root.size());
      if (path.empty()) path = "/";
      h.own_path = path;
      found = true;
      break;
    }
    if (!found) continue;
    if (h.version == 1 && h.controllers.empty()) continue;  // name=systemd and the like
    out.push_back(std::move(h));
  }
  return out;
}

base::Result<std::unique_ptr<CgroupSet>> CgroupSet::create(const LimitsSpec& limits,
                                                           const std::string& parent,
                                                           const std::string& name) {
  std::vector<std::string> needed;
  if (limits.memory_bytes) needed.push_back("memory");
  if (limits.pids) needed.push_back("pids");
  if (limits.cpu_cores) needed.push_back("cpu");
  const bool want_cpu_accounting = limits.cpu_time.has_value();
  if (needed.empty() && !want_cpu_accounting) return std::unique_ptr<CgroupSet>();

  const auto& all = hierarchies();
  const CgroupHierarchy* v2 = nullptr;
  for (const CgroupHierarchy& h : all) {
    if (h.version == 2) v2 = &h;
  }
  auto dirUnder = [&](const CgroupHierarchy& h) {
    std::string base_path = parent.empty() ? h.own_path : parent;
    if (base_path.empty() || base_path[0] != '/') base_path = "/" + base_path;
    std::string dir = h.mount_point + (base_path == "/" ? "" : base_path);
    return dir;
  };
  std::vector<std::string> v2_controllers;
  if (v2 != nullptr) {
    if (auto text = readCgroupFile(dirUnder(*v2), "cgroup.controllers")) {
      for (std::string_view c : base::split(base::trim(*text), ' ')) {
        if (!c.empty()) v2_controllers.emplace_back(c);
      }
    }
  }

  std::unique_ptr<CgroupSet> set(new CgroupSet());
  // Which hierarchy serves which controller.
  std::vector<std::pair<const CgroupHierarchy*, std::vector<std::string>>> plan;
  auto assign = [&](const CgroupHierarchy* h, const std::string& controller) {
    for (auto& [hier, list] : plan) {
      if (hier == h) {
        list.push_back(controller);
        return;
      }
    }
    plan.push_back({h, {controller}});
  };
  for (const std::string& c : needed) {
    const CgroupHierarchy* where = nullptr;
    if (v2 != nullptr && contains(v2_controllers, c)) {
      where = v2;
    } else {
      for (const CgroupHierarchy& h : all) {
        if (h.version == 1 && contains(h.controllers, c)) where = &h;
      }
    }
    if (where == nullptr) {
      return Error{"cgroup: no hierarchy offers the '" + c + "' controller (needed by " +
                       (c == "memory" ? "limits.memory"
                        : c == "pids" ? "limits.pids"
                                      : "limits.cpu") +
                       ")",
                   0, base::ErrorSource::Local};
    }
    assign(where, c);
  }
  if (want_cpu_accounting) {
    // cpu.stat exists in every v2 group; v1 needs the cpuacct controller.
    if (v2 != nullptr && ::access(dirUnder(*v2).c_str(), W_OK) == 0) {
      assign(v2, "cpuacct");
    } else {
      for (const CgroupHierarchy& h : all) {
        if (h.version == 1 && contains(h.controllers, "cpuacct")) {
          assign(&h, "cpuacct");
          break;
        }
      }
    }
  }

  for (auto& [h, controllers] : plan) {
    std::string parent_dir = dirUnder(*h);
    if (h->version == 2) {
      // Controllers must be enabled in the parent's subtree_control.
      std::vector<std::string> enable;
      auto subtree = readCgroupFile(parent_dir, "cgroup.subtree_control").value_or("");
      auto enabled = base::split(base::trim(subtree), ' ');
      for (const std::string& c : controllers) {
        if (c == "cpuacct") continue;
        if (std::find(enabled.begin(), enabled.end(), c) == enabled.end()) enable.push_back(c);
      }
      for (const std::string& c : enable) {
        Status s = writeCgroupFile(parent_dir, "cgroup.subtree_control", "+" + c);
        if (!s.ok()) {
          Error e = std::move(s).error();
          e.message += " (the '" + c + "' controller is not delegated to " + parent_dir +
                       "; pick a delegated parent with --cgroup-parent)";
          return e;
        }
      }
    }
    std::string dir = parent_dir + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0) return base::errnoError("cgroup: mkdir " + dir);
    set->groups_.push_back(Group{h->version, dir, controllers});
  }

  for (const Group& g : set->groups_) {
    for (const std::string& c : g.controllers) {
      if (c == "memory") {
        std::string bytes = std::to_string(*limits.memory_bytes);
        if (g.version == 2) {
          MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "memory.max", bytes));
          // No swapping around the limit where swap accounting exists.
          if (::access((g.dir + "/memory.swap.max").c_str(), F_OK) == 0) {
            MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "memory.swap.max", "0"));
          }
        } else {
          MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "memory.limit_in_bytes", bytes));
          if (::access((g.dir + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0) {
            MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "memory.memsw.limit_in_bytes", bytes));
          }
        }
      } else if (c == "pids") {
        MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "pids.max", std::to_string(*limits.pids)));
      } else if (c == "cpu") {
        const uint64_t period = 100000;
        auto quota = static_cast<uint64_t>(std::llround(*limits.cpu_cores * period));
        if (g.version == 2) {
          MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "cpu.max",
                                             std::to_string(quota) + " " + std::to_string(period)));
        } else {
          MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "cpu.cfs_period_us", std::to_string(period)));
          MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "cpu.cfs_quota_us", std::to_string(quota)));
        }
      }
    }
    if (g.version == 2) {
      set->v2_dir_fd_ = ::open(g.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (set->v2_dir_fd_ < 0) return base::errnoError("cgroup: open " + g.dir);
    }
  }
  return set;
}

CgroupSet::~CgroupSet() {
  if (!destroyed_) (void)destroy();
  if (v2_dir_fd_ >= 0) ::close(v2_dir_fd_);
}

const CgroupSet::Group* CgroupSet::groupFor(const std::string& controller) const {
  for (const Group& g : groups_) {
    if (contains(g.controllers, controller)) return &g;
  }
  return nullptr;
}

Status CgroupSet::attach(pid_t pid, bool cloned_into_v2) {
  for (const Group& g : groups_) {
    if (g.version == 2 && cloned_into_v2) continue;
    MG_RETURN_IF_ERROR(writeCgroupFile(g.dir, "cgroup.procs", std::to_string(pid)));
  }
  return base::okStatus();
}

CgroupStats CgroupSet::stats() const {
  CgroupStats s;
  if (const Group* g = groupFor("memory")) {
    if (g->version == 2) {
      s.memory_peak_bytes = plainValue(readCgroupFile(g->dir, "memory.peak"));
      if (auto ev = readCgroupFile(g->dir, "memory.events")) {
        s.oom_kills = keyedValue(*ev, "oom_kill").value_or(0);
      }
    } else {
      s.memory_peak_bytes = plainValue(readCgroupFile(g->dir, "memory.max_usage_in_bytes"));
      if (auto oc = readCgroupFile(g->dir, "memory.oom_control")) {
        s.oom_kills = keyedValue(*oc, "oom_kill").value_or(0);
      }
    }
  }
  if (const Group* g = groupFor("cpuacct")) {
    if (g->version == 2) {
      if (auto st = readCgroupFile(g->dir, "cpu.stat")) {
        if (auto usec = keyedValue(*st, "usage_usec")) s.cpu_nanos = *usec * 1000;
      }
    } else {
      s.cpu_nanos = plainValue(readCgroupFile(g->dir, "cpuacct.usage"));
    }
  }
  return s;
}

std::string CgroupSet::describe() const {
  std::string out;
  for (const Group& g : groups_) {
    if (!out.empty()) out += "; ";
    out += "v" + std::to_string(g.version) + " ";
    for (size_t i = 0; i < g.controllers.size(); ++i) {
      out += (i ? "," : "") + (g.controllers[i] == "cpuacct" && g.version == 2
                                   ? std::string("cpu-accounting")
                                   : g.controllers[i]);
    }
    out += " at " + g.dir;
  }
  return out;
}

Status CgroupSet::destroy() {
  destroyed_ = true;
  Status result = base::okStatus();
  for (const Group& g : groups_) {
    // Normally empty already: the pid namespace died with its init.
    if (g.version == 2 && ::access((g.dir + "/cgroup.kill").c_str(), F_OK) == 0) {
      (void)writeCgroupFile(g.dir, "cgroup.kill", "1");
    } else if (auto procs = readCgroupFile(g.dir, "cgroup.procs")) {
      for (std::string_view p : base::split(*procs, '\n')) {
        if (auto pid = base::parseUint64(base::trim(p))) ::kill(static_cast<pid_t>(*pid), SIGKILL);
      }
    }
    // Killed tasks leave the group asynchronously: retry for up to ~1 s.
    int err = 0;
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (::rmdir(g.dir.c_str()) == 0 || errno == ENOENT) {
        err = 0;
        break;
      }
      err = errno;
      if (err != EBUSY) break;
      timespec ts{0, 5'000'000};
      ::nanosleep(&ts, nullptr);
    }
    if (err != 0 && result.ok()) result = base::errnoError("cgroup: rmdir " + g.dir, err);
  }
  return result;
}

}  // namespace meshgate::sandbox
