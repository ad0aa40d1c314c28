// SPDX-License-Identifier: Apache-2.0
// Watches directories, never files: editors replace files by rename and
// Kubernetes swaps a `..data` symlink, both of which invalidate a watch on the
// file itself but show up as events in its directory.
#include "config/watcher.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace meshgate::config {
namespace {

constexpr uint32_t kDirEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                IN_ONLYDIR;

std::string dirName(const std::string& p) {
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string baseName(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool isYamlName(std::string_view n) {
  if (n.empty() || n[0] == '.') return false;
  return (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") ||
         (n.size() > 4 && n.substr(n.size() - 4) == ".yml");
}

}  // namespace

base::Result<std::unique_ptr<Watcher>> Watcher::create(const std::string& path, bool any_name) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return base::errnoError("cannot watch " + path);
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return base::errnoError("inotify_init1");
  std::unique_ptr<Watcher> w(new Watcher(fd, path, S_ISDIR(st.st_mode)));
  w->any_name_ = any_name;
  MG_RETURN_IF_ERROR(w->arm());
  return w;
}

Watcher::Watcher(int fd, std::string path, bool is_dir)
    : fd_(fd), path_(std::move(path)), is_dir_(is_dir) {
  while (path_.size() > 1 && path_.back() == '/')
    path_.pop_back();
}

Watcher::~Watcher() {
  if (fd_ >= 0) ::close(fd_);
}

base::Status Watcher::arm() {
  // The watches we want now. Existing ones are kept (removing a watch queues an
  // IN_IGNORED event, and re-adding it would make every drain look like a change).
  std::vector<std::pair<std::string, std::string>> wanted;
  if (is_dir_) {
    wanted.emplace_back(path_, "");
  } else {
    wanted.emplace_back(dirName(path_), baseName(path_));
    // A symlinked file (e.g. a ConfigMap key mounted elsewhere): watch the target too.
    char resolved[PATH_MAX];
    if (::realpath(path_.c_str(), resolved) != nullptr) {
      const std::string target = resolved;
      if (dirName(target) != dirName(path_)) wanted.emplace_back(dirName(target), baseName(target));
    }
  }
  std::vector<Watch> kept;
  for (const Watch& w : watches_) {
    bool keep = false;
    for (const auto& [dir, name] : wanted)
      keep = keep || (w.dir == dir && w.name == name);
    if (keep)
      kept.push_back(w);
    else
      ::inotify_rm_watch(fd_, w.wd);
  }
  watches_ = std::move(kept);
  base::Status status;
  for (const auto& [dir, name] : wanted) {
    // inotify_add_watch returns the existing descriptor for a directory already
    // watched, or a new one when the directory was replaced.
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirEvents);
    if (wd < 0) {
      if (status.ok()) status = base::errnoError("inotify_add_watch " + dir);
      continue;
    }
    bool known = false;
    for (Watch& w : watches_) {
      if (w.dir == dir && w.name == name) {
        w.wd = wd;
        known = true;
      }
    }
    if (!known) watches_.push_back({wd, dir, name});
  }
  return status;
}

bool Watcher::relevant(int wd, std::string_view name) const {
  for (const Watch& w : watches_) {
    if (w.wd != wd) continue;
    if (name.empty()) return true;  // the directory itself moved or went away
    if (name == "..data") return true;
    if (w.name.empty()) return any_name_ || isYamlName(name);
    return name == w.name;
  }
  return false;
}

bool Watcher::drain() {
  bool reload = false;
  bool rearm = false;
  alignas(inotify_event) char buf[16 * 1024];
  // Bounded: the queue holds at most max_queued_events; stop at EAGAIN.
  for (int rounds = 0; rounds < 1024; ++rounds) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      const std::string_view name = ev->len > 0 ? std::string_view(ev->name) : std::string_view();
      if (ev->mask & IN_Q_OVERFLOW) {
        reload = rearm = true;
        continue;
      }
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        // Only for a watch we still hold: one we removed ourselves is no news.
        bool ours = false;
        for (const Watch& w : watches_)
          ours = ours || w.wd == ev->wd;
        if (ours) {
          reload = rearm = true;
          if (ev->mask & IN_IGNORED) {
            std::erase_if(watches_, [&](const Watch& w) { return w.wd == ev->wd; });
          }
        }
        continue;
      }
      if (relevant(ev->wd, name)) {
        reload = true;
        if (ev->mask & (IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)) rearm = true;
      }
    }
  }
  // Symlink targets move on every ConfigMap update; re-resolve them. A failure
  // (a directory gone for a moment) is retried on the next event.
  if (rearm || !is_dir_) (void)arm();
  return reload;
}

}  // namespace meshgate::config
