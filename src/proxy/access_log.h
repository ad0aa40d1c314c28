// SPDX-License-Identifier: Apache-2.0
// JSON access log: one line per request, buffered per worker and written once per
// loop iteration, never blocking the request path for more than one write(2).
// Field names follow Istio's default JSON access log format. Depends on base.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/line_sink.h"
#include "base/result.h"

namespace meshgate::proxy {

using AccessLogSink = base::LineSink;

/// What one request's access log line says.
struct AccessLogEntry {
  base::SystemTime start_time;
  std::string_view method;
  std::string_view path;      // original path and query, as received
  std::string_view protocol;  // "HTTP/1.1"
  int response_code = 0;
  std::string_view response_flags;  // Envoy's short flags, e.g. "UF,URX" or "-"
  std::string_view response_code_details;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  int64_t duration_ms = 0;
  int64_t upstream_service_time_ms = -1;  // -1: no upstream response
  std::string_view x_forwarded_for;
  std::string_view user_agent;
  std::string_view request_id;
  std::string_view authority;
  std::string_view upstream_host;
  std::string_view upstream_cluster;
  std::string_view downstream_local_address;
  std::string_view downstream_remote_address;
  std::string_view route_name;
  /// Extra "key":value pairs (already JSON-encoded values) added by filters.
  std::string_view extra_fields;
};

/// Appends `entry` as one JSON line (with '\n') to `out`.
void formatAccessLogLine(const AccessLogEntry& entry, std::string& out);

/// A worker's pending lines per sink. Not thread-safe; one per worker.
class AccessLogBuffer {
 public:
  void append(const std::shared_ptr<AccessLogSink>& sink, const AccessLogEntry& entry);
  /// Writes everything pending. Call once per loop iteration.
  void flush();
  bool empty() const;

 private:
  struct Pending {
    std::shared_ptr<AccessLogSink> sink;
    std::string lines;
  };
  std::vector<Pending> pending_;
};

}  // namespace meshgate::proxy
