// SPDX-License-Identifier: Apache-2.0
#include "base/line_sink.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace meshgate::base {

LineSink::LineSink(int fd, std::string name, bool owned, bool is_pipe)
    : fd_(fd), name_(std::move(name)), owned_(owned), is_pipe_(is_pipe) {}

LineSink::~LineSink() {
  if (owned_) ::close(fd_);
}

Result<std::shared_ptr<LineSink>> LineSink::openFile(const std::string& path,
                                                     std::string_view what) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errnoError("open " + std::string(what) + " " + path);
  return std::shared_ptr<LineSink>(new LineSink(fd, path, true, false));
}

std::shared_ptr<LineSink> LineSink::forFd(int fd, std::string name) {
  struct stat st {};
  const bool is_pipe = ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
  return std::shared_ptr<LineSink>(new LineSink(fd, std::move(name), false, is_pipe));
}

void LineSink::writeLines(std::string_view lines) const {
  while (!lines.empty()) {
    size_t n = lines.size();
    if (is_pipe_ && n > PIPE_BUF) {
      // Cut at the last line end within PIPE_BUF so each write is atomic.
      size_t cut = lines.rfind('\n', PIPE_BUF - 1);
      n = cut == std::string_view::npos ? PIPE_BUF : cut + 1;
    }
    ssize_t w = ::write(fd_, lines.data(), n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    lines.remove_prefix(static_cast<size_t>(w));
  }
}

}  // namespace meshgate::base
