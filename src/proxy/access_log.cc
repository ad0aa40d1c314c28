// SPDX-License-Identifier: Apache-2.0
#include "proxy/access_log.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "base/json_writer.h"

namespace meshgate::proxy {

AccessLogSink::AccessLogSink(int fd, std::string name, bool owned, bool is_pipe)
    : fd_(fd), name_(std::move(name)), owned_(owned), is_pipe_(is_pipe) {}

AccessLogSink::~AccessLogSink() {
  if (owned_) ::close(fd_);
}

base::Result<std::shared_ptr<AccessLogSink>> AccessLogSink::openFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return base::errnoError("open access log " + path);
  return std::shared_ptr<AccessLogSink>(new AccessLogSink(fd, path, true, false));
}

std::shared_ptr<AccessLogSink> AccessLogSink::forFd(int fd, std::string name) {
  struct stat st {};
  bool is_pipe = ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
  return std::shared_ptr<AccessLogSink>(new AccessLogSink(fd, std::move(name), false, is_pipe));
}

void AccessLogSink::writeLines(std::string_view lines) const {
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
      return;  // A broken log target must not take the proxy down; lines are dropped.
    }
    lines.remove_prefix(static_cast<size_t>(w));
  }
}

void formatAccessLogLine(const AccessLogEntry& e, std::string& out) {
  char stamp[40];
  auto secs = std::chrono::system_clock::to_time_t(e.start_time);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(e.start_time.time_since_epoch())
          .count() %
      1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  size_t len = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + len, sizeof stamp - len, ".%03dZ", static_cast<int>(millis));

  auto opt = [](std::string_view v) { return v.empty() ? std::string_view("-") : v; };
  base::JsonWriter w(out);
  w.beginObject()
      .field("start_time", std::string_view(stamp))
      .field("method", opt(e.method))
      .field("path", opt(e.path))
      .field("protocol", opt(e.protocol))
      .field("response_code", e.response_code)
      .field("response_flags", opt(e.response_flags))
      .field("response_code_details", opt(e.response_code_details))
      .field("bytes_received", e.bytes_received)
      .field("bytes_sent", e.bytes_sent)
      .field("duration", e.duration_ms);
  w.key("upstream_service_time");
  if (e.upstream_service_time_ms >= 0) {
    w.number(e.upstream_service_time_ms);
  } else {
    w.null();
  }
  w.field("x_forwarded_for", opt(e.x_forwarded_for))
      .field("user_agent", opt(e.user_agent))
      .field("request_id", opt(e.request_id))
      .field("authority", opt(e.authority))
      .field("upstream_host", opt(e.upstream_host))
      .field("upstream_cluster", opt(e.upstream_cluster))
      .field("downstream_local_address", opt(e.downstream_local_address))
      .field("downstream_remote_address", opt(e.downstream_remote_address))
      .field("route_name", opt(e.route_name));
  if (!e.extra_fields.empty()) {
    out += ',';
    out += e.extra_fields;
  }
  w.endObject();
  out += '\n';
}

void AccessLogBuffer::append(const std::shared_ptr<AccessLogSink>& sink,
                             const AccessLogEntry& entry) {
  for (Pending& p : pending_) {
    if (p.sink == sink) {
      formatAccessLogLine(entry, p.lines);
      return;
    }
  }
  pending_.push_back({sink, {}});
  formatAccessLogLine(entry, pending_.back().lines);
}

void AccessLogBuffer::flush() {
  for (Pending& p : pending_) {
    if (!p.lines.empty()) {
      p.sink->writeLines(p.lines);
      p.lines.clear();
    }
  }
}

bool AccessLogBuffer::empty() const {
  for (const Pending& p : pending_) {
    if (!p.lines.empty()) return false;
  }
  return true;
}

}  // namespace meshgate::proxy
