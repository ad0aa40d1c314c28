// SPDX-License-Identifier: Apache-2.0
#include "policy/decision_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/strings.h"
#include "rego/value/json.h"

namespace meshgate::policy {

using rego::Value;

Redactor::Redactor(const std::vector<std::string>& dotted_paths) {
  for (const std::string& p : dotted_paths) {
    std::vector<std::string> segments;
    for (std::string_view s : base::split(p, '.'))
      segments.emplace_back(s);
    // "input.attributes..." and "attributes..." mean the same field.
    if (segments.size() > 1 && segments.front() == "input") segments.erase(segments.begin());
    paths_.push_back(std::move(segments));
  }
}

namespace {

Value redactAt(const Value& v, const std::vector<std::string>& path, size_t depth, bool* hit) {
  if (!v.isObject()) return v;
  const std::string& key = path[depth];
  if (v.field(key) == nullptr) return v;
  std::vector<rego::ObjectEntry> entries = v.entries();
  for (rego::ObjectEntry& e : entries) {
    if (!e.key.isString() || e.key.asString() != key) continue;
    if (depth + 1 == path.size()) {
      e.value = Value::string("<redacted>");
      *hit = true;
    } else {
      e.value = redactAt(e.value, path, depth + 1, hit);
    }
  }
  return Value::objectSorted(std::move(entries));
}

std::string rfc3339Nanos(base::SystemTime t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + len, sizeof buf - len, ".%09lldZ", static_cast<long long>(ns % 1000000000));
  return buf;
}

void key(std::string& out, std::string_view k) {
  if (out.back() != '{') out += ',';
  rego::appendJsonString(out, k);
  out += ':';
}

void stringField(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  rego::appendJsonString(out, v);
}

// Lines waiting for this thread's next flush, per sink.
struct PendingLines {
  std::vector<std::pair<std::shared_ptr<LogSink>, std::string>> sinks;
  bool flush_scheduled = false;

  // A worker thread that ends with lines still pending writes them out.
  ~PendingLines() { flush(); }

  void flush() {
    flush_scheduled = false;
    for (auto& [sink, lines] : sinks) {
      if (lines.empty()) continue;
      sink->writeLines(lines);
      lines.clear();
    }
    // Keep the buffers' memory, but do not hold sinks of old generations forever.
    std::erase_if(sinks, [](const auto& p) { return p.first.use_count() == 1; });
  }
};

thread_local PendingLines t_pending;

}  // namespace

Value Redactor::apply(const Value& input, std::vector<std::string>* masked) const {
  Value out = input;
  for (const std::vector<std::string>& path : paths_) {
    if (path.empty()) continue;
    bool hit = false;
    out = redactAt(out, path, 0, &hit);
    if (hit && masked != nullptr) {
      std::string pointer = "/input";
      for (const std::string& s : path) {
        pointer += '/';
        pointer += s;
      }
      masked->push_back(std::move(pointer));
    }
  }
  return out;
}

DecisionLogger::DecisionLogger(std::shared_ptr<LogSink> sink, bool include_input,
                               const std::vector<std::string>& redact)
    : sink_(std::move(sink)), include_input_(include_input), redactor_(redact) {}

void DecisionLogger::format(const DecisionRecord& r, std::string& out) const {
  out += '{';
  stringField(out, "timestamp", rfc3339Nanos(r.time));
  stringField(out, "decision_id", r.decision_id);
  if (!r.request_id.empty()) stringField(out, "request_id", r.request_id);
  stringField(out, "provider", r.provider);
  stringField(out, "path", r.path);
  stringField(out, "revision", r.revision);
  stringField(out, "decision", r.decision);
  if (r.dry_run) {
    key(out, "dry_run");
    out += "true";
  }
  if (r.result != nullptr && r.result->isDefined()) {
    key(out, "result");
    rego::appendJson(out, *r.result);
  }
  if (!r.error.empty()) stringField(out, "error", r.error);
  key(out, "metrics");
  out += "{\"timer_rego_query_eval_ns\":";
  out += std::to_string(r.eval_ns);
  out += '}';
  if (include_input_ && r.input != nullptr) {
    std::vector<std::string> masked;
    key(out, "input");
    if (redactor_.empty()) {
      rego::appendJson(out, *r.input);
    } else {
      rego::appendJson(out, redactor_.apply(*r.input, &masked));
    }
    if (!masked.empty()) {
      key(out, "masked");
      out += '[';
      for (size_t i = 0; i < masked.size(); ++i) {
        if (i != 0) out += ',';
        rego::appendJsonString(out, masked[i]);
      }
      out += ']';
    }
  }
  out += "}\n";
}

void DecisionLogger::log(event::EventLoop& loop, const DecisionRecord& record) const {
  PendingLines& p = t_pending;
  std::string* lines = nullptr;
  for (auto& [sink, buffered] : p.sinks) {
    if (sink == sink_) {
      lines = &buffered;
      break;
    }
  }
  if (lines == nullptr) {
    p.sinks.emplace_back(sink_, std::string());
    lines = &p.sinks.back().second;
  }
  format(record, *lines);
  if (!p.flush_scheduled) {
    p.flush_scheduled = true;
    loop.defer([] { t_pending.flush(); });
  }
}

}  // namespace meshgate::policy
