// SPDX-License-Identifier: Apache-2.0
// Leveled process log (not the access log). Each line is written with a single
// write(2), so lines from different workers never interleave. Depends on std only.
#pragma once

#include <sstream>
#include <string_view>

namespace meshgate::base {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

void setLogLevel(LogLevel level);
LogLevel logLevel();
/// Parses "debug", "info", "warn", "error", "off". Returns false when unknown.
bool parseLogLevel(std::string_view text, LogLevel* out);
/// Log lines go to this fd (default 2, stderr).
void setLogFd(int fd);

/// One log line; the text is flushed when the object is destroyed.
class LogLine {
 public:
  LogLine(LogLevel level, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

/// Lets MG_LOG be one expression, so it is safe inside an unbraced if/else.
struct LogVoidify {
  void operator&(const LogLine&) {}
};

}  // namespace meshgate::base

#define MG_LOG(level)                                                \
  (::meshgate::base::LogLevel::level < ::meshgate::base::logLevel()) \
      ? (void)0                                                      \
      : ::meshgate::base::LogVoidify() &                             \
            ::meshgate::base::LogLine(::meshgate::base::LogLevel::level, __FILE__, __LINE__)
