// SPDX-License-Identifier: Apache-2.0
#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace meshgate::base {
namespace {
std::atomic<LogLevel> g_level{LogLevel::Info};
std::atomic<int> g_fd{2};

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
    case LogLevel::Off:
      return "off";
  }
  return "?";
}
}  // namespace

void setLogLevel(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}
LogLevel logLevel() {
  return g_level.load(std::memory_order_relaxed);
}
void setLogFd(int fd) {
  g_fd.store(fd, std::memory_order_relaxed);
}

bool parseLogLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l :
       {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off}) {
    if (text == levelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

LogLine::LogLine(LogLevel level, const char* /*file*/, int /*line*/) : level_(level) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(millis));
  stream_ << stamp << frac << ' ' << levelName(level_) << ' ';
}

LogLine::~LogLine() {
  stream_ << '\n';
  const std::string text = stream_.str();
  const char* p = text.data();
  size_t left = text.size();
  const int fd = g_fd.load(std::memory_order_relaxed);
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) break;  // Nowhere better to report a failed log write.
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace meshgate::base
