// SPDX-License-Identifier: Apache-2.0
// Watches a config file or directory with inotify for an epoll loop. Handles
// editors that write-and-rename, Kubernetes ConfigMap `..data` symlink swaps,
// and files appearing and disappearing. Debouncing is the caller's job.
// Depends on base.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace meshgate::config {

/// Not thread-safe: owned by one event loop.
class Watcher {
 public:
  /// Starts watching `path` (a file or a directory). The path must exist.
  /// `any_name`: in directory mode, every file counts (policy bundles), not
  /// only YAML files.
  static base::Result<std::unique_ptr<Watcher>> create(const std::string& path,
                                                       bool any_name = false);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  /// A non-blocking inotify fd: readable (EPOLLIN) when events are pending.
  int fd() const { return fd_; }

  /// Reads every pending event (never blocks) and re-arms watches that a
  /// rename or symlink swap invalidated. Returns true when a relevant file may
  /// have changed and the caller should reload (after its own debounce delay).
  bool drain();

  const std::string& path() const { return path_; }

 private:
  Watcher(int fd, std::string path, bool is_dir);
  /// (Re-)adds the watches: the directory (directory mode), or the file's
  /// directory and, when the file is a symlink, its target's directory.
  base::Status arm();
  bool relevant(int wd, std::string_view name) const;

  struct Watch {
    int wd = -1;
    std::string dir;
    std::string name;  // file mode: the file name that matters in `dir`
  };
  int fd_ = -1;
  std::string path_;
  bool is_dir_ = false;
  bool any_name_ = false;
  std::vector<Watch> watches_;
};

}  // namespace meshgate::config
