// SPDX-License-Identifier: Apache-2.0
// A destination for log lines (access log, decision log): stdout, stderr or a
// file opened for append. Depends on base/result.h only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace meshgate::base {

/// Thread-safe: every write is whole lines, and a line is never split across
/// writes (O_APPEND files append atomically; writes to pipes, terminals and
/// sockets stay under PIPE_BUF, cut at a line end).
class LineSink {
 public:
  /// Opens `path` for append (created 0644). `what` names the log in the error
  /// ("access log").
  static Result<std::shared_ptr<LineSink>> openFile(const std::string& path, std::string_view what);
  /// Writes to an inherited descriptor (1, 2), which the sink does not close.
  static std::shared_ptr<LineSink> forFd(int fd, std::string name);
  ~LineSink();
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;

  const std::string& name() const { return name_; }
  /// Writes whole lines (each ending in '\n'). A failing target drops them: a
  /// broken log must not take the proxy down.
  void writeLines(std::string_view lines) const;

 private:
  LineSink(int fd, std::string name, bool owned, bool is_pipe);
  int fd_;
  std::string name_;
  bool owned_;
  bool is_pipe_;
};

}  // namespace meshgate::base
