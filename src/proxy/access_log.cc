// SPDX-License-Identifier: Apache-2.0
#include "proxy/access_log.h"

#include <ctime>

#include "base/json_writer.h"

namespace meshgate::proxy {

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
