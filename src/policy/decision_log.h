// SPDX-License-Identifier: Apache-2.0
// The decision log of a PolicyProvider: one JSON line per decision, with the
// input (optionally redacted), buffered per worker thread and written once per
// loop iteration, as the access log is. Depends on base, event, rego/value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/line_sink.h"
#include "base/result.h"
#include "event/event_loop.h"
#include "rego/value/value.h"

namespace meshgate::policy {

using LogSink = base::LineSink;

/// Dotted input paths to replace with "<redacted>", compiled once.
class Redactor {
 public:
  explicit Redactor(const std::vector<std::string>& dotted_paths);
  bool empty() const { return paths_.empty(); }
  /// `input` with every configured path that exists replaced; the JSON pointers
  /// of what was replaced ("/input/attributes/...") are appended to `masked`.
  rego::Value apply(const rego::Value& input, std::vector<std::string>* masked) const;

 private:
  std::vector<std::vector<std::string>> paths_;
};

/// What one decision log line holds.
struct DecisionRecord {
  base::SystemTime time;
  std::string_view decision_id;
  std::string_view request_id;
  std::string_view provider;  // "ns/name"
  std::string_view path;      // "envoy/authz/allow"
  std::string_view revision;
  /// The value of the decision path (Undefined when there was none).
  const rego::Value* result = nullptr;
  /// "allow", "deny" or "error".
  std::string_view decision;
  std::string_view error;
  uint64_t eval_ns = 0;
  /// Null when the input is not logged.
  const rego::Value* input = nullptr;
  bool dry_run = false;
};

class DecisionLogger {
 public:
  DecisionLogger(std::shared_ptr<LogSink> sink, bool include_input,
                 const std::vector<std::string>& redact);

  bool includeInput() const { return include_input_; }
  /// Appends one JSON line (with '\n') for `record` to `out`, redacting the input.
  void format(const DecisionRecord& record, std::string& out) const;
  /// Formats `record` into this thread's buffer and arranges one write per loop
  /// iteration (on `loop`, which must be the calling thread's loop).
  void log(event::EventLoop& loop, const DecisionRecord& record) const;

 private:
  std::shared_ptr<LogSink> sink_;
  bool include_input_;
  Redactor redactor_;
};

}  // namespace meshgate::policy
