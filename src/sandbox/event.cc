// SPDX-License-Identifier: Apache-2.0
#include "sandbox/event.h"

#include <cstdio>
#include <ctime>

#include "base/json_writer.h"
#include "sandbox/profile.h"

namespace meshgate::sandbox {
namespace {

// RFC 3339 with microseconds, UTC.
std::string timestamp(base::SystemTime t) {
  auto since = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros));
  return buf;
}

}  // namespace

std::string Event::toJson() const {
  std::string out;
  base::JsonWriter w(out);
  w.beginObject();
  w.field("time", timestamp(time));
  switch (kind) {
    case EventKind::Violation:
      w.field("event", "seccomp_violation");
      w.field("syscall", syscall);
      w.field("nr", static_cast<int64_t>(nr));
      w.field("abi", abi);
      w.field("pid", static_cast<int64_t>(pid));
      w.field("action", action);
      if (action == "errno") w.field("errno", errnoName(errno_value));
      if (has_args) {
        w.key("args").beginArray();
        for (uint64_t a : args)
          w.number(a);
        w.endArray();
      }
      break;
    case EventKind::Limit:
      w.field("event", "limit_exceeded");
      w.field("limit", limit);
      if (!detail.empty()) w.field("detail", detail);
      break;
    case EventKind::Step:
      w.field("event", "setup_step");
      w.field("step", stepName(step));
      w.field("elapsed_us", static_cast<int64_t>(elapsed.count() / 1000));
      break;
  }
  w.endObject();
  return out;
}

}  // namespace meshgate::sandbox
