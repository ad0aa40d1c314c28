// SPDX-License-Identifier: Apache-2.0
// Time: time.now_ns, parse_ns, parse_rfc3339_ns, parse_duration_ns, format,
// date, clock, weekday, add_date, diff (with tz database time zones).
#include <climits>
#include <cmath>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/builtins/timezone.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

const char* kTypeMsg = "either number (ns) or [number (ns), string (tz)]";

struct TzTime {
  int64_t seconds = 0;
  int32_t nanos = 0;
  std::shared_ptr<const TimeZone> tz;
  std::string layout;
};

bool splitNs(const Value& n, BuiltinContext& c, int64_t* sec, int32_t* nanos) {
  int64_t ns;
  if (!n.toInt64(&ns)) {
    c.builtinError("timestamp too big");
    return false;
  }
  int64_t s = ns / 1000000000;
  int64_t r = ns % 1000000000;
  if (r < 0) {
    r += 1000000000;
    --s;
  }
  *sec = s;
  *nanos = static_cast<int32_t>(r);
  return true;
}

bool tzTime(BuiltinContext& c, const Value& a, TzTime* out) {
  out->tz = TimeZone::utc();
  const Value* n = &a;
  if (a.isArray()) {
    const auto& items = a.items();
    if (items.empty()) {
      c.typeError(operandTypeMessage(1, a, {kTypeMsg}));
      return false;
    }
    if (!items[0].isNumber()) {
      c.typeError(operandTypeMessage(1, items[0], {"number"}));
      return false;
    }
    n = &items[0];
    if (items.size() > 1) {
      if (!items[1].isString()) {
        c.typeError(operandTypeMessage(1, items[1], {"string"}));
        return false;
      }
      std::string name(items[1].asString());
      std::string err;
      auto tz = TimeZone::load(name, &err);
      if (!tz) {
        c.builtinError(err);
        return false;
      }
      out->tz = tz;
    }
    if (items.size() > 2) {
      if (!items[2].isString()) {
        c.typeError(operandTypeMessage(1, items[2], {"string"}));
        return false;
      }
      out->layout = std::string(items[2].asString());
    }
  } else if (!a.isNumber()) {
    c.typeError(operandTypeMessage(1, a, {kTypeMsg}));
    return false;
  }
  return splitNs(*n, c, &out->seconds, &out->nanos);
}

std::string layoutConstant(const std::string& l) {
  if (l == "ANSIC") return "Mon Jan _2 15:04:05 2006";
  if (l == "UnixDate") return "Mon Jan _2 15:04:05 MST 2006";
  if (l == "RubyDate") return "Mon Jan 02 15:04:05 -0700 2006";
  if (l == "RFC822") return "02 Jan 06 15:04 MST";
  if (l == "RFC822Z") return "02 Jan 06 15:04 -0700";
  if (l == "RFC850") return "Monday, 02-Jan-06 15:04:05 MST";
  if (l == "RFC1123") return "Mon, 02 Jan 2006 15:04:05 MST";
  if (l == "RFC1123Z") return "Mon, 02 Jan 2006 15:04:05 -0700";
  if (l == "RFC3339") return "2006-01-02T15:04:05Z07:00";
  if (l == "RFC3339Nano") return "2006-01-02T15:04:05.999999999Z07:00";
  return l;
}

// Seconds + nanos → ns, rejecting times outside the int64 ns range.
Value safeUnixNano(BuiltinContext& c, int64_t sec, int32_t nanos) {
  // int64 ns covers 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z.
  const int64_t kMinSec = -9223372037LL, kMaxSec = 9223372036LL;
  if (sec < kMinSec || sec > kMaxSec || (sec == kMinSec && nanos < 145224192) ||
      (sec == kMaxSec && nanos > 854775807)) {
    c.builtinError("time outside of valid range");
    return Value();
  }
  __int128 ns = static_cast<__int128>(sec) * 1000000000 + nanos;
  return Value::integer(static_cast<int64_t>(ns));
}

Value nowNs(BuiltinContext& c, Args) {
  return Value::integer(c.nowNs());
}

Value parseNs(BuiltinContext& c, Args a) {
  std::string_view layout, value;
  if (!argString(c, a, 0, &layout) || !argString(c, a, 1, &value)) return Value();
  int64_t s;
  int32_t n;
  std::string err;
  if (!goParseTime(layoutConstant(std::string(layout)), value, &s, &n, &err)) {
    c.builtinError(err);
    return Value();
  }
  return safeUnixNano(c, s, n);
}

Value parseRfc3339Ns(BuiltinContext& c, Args a) {
  std::string_view value;
  if (!argString(c, a, 0, &value)) return Value();
  int64_t s;
  int32_t n;
  std::string err;
  if (!goParseTime("2006-01-02T15:04:05Z07:00", value, &s, &n, &err)) {
    c.builtinError(err);
    return Value();
  }
  return safeUnixNano(c, s, n);
}

Value parseDurationNs(BuiltinContext& c, Args a) {
  std::string_view value;
  if (!argString(c, a, 0, &value)) return Value();
  int64_t ns;
  std::string err;
  if (!goParseDuration(value, &ns, &err)) {
    c.builtinError(err);
    return Value();
  }
  return Value::integer(ns);
}

Value format(BuiltinContext& c, Args a) {
  TzTime t;
  if (!tzTime(c, a[0], &t)) return Value();
  std::string layout =
      t.layout.empty() ? "2006-01-02T15:04:05.999999999Z07:00" : layoutConstant(t.layout);
  return strValue(goFormatTime(civilFromUnix(t.seconds, t.nanos, *t.tz), layout));
}

Value date(BuiltinContext& c, Args a) {
  TzTime t;
  if (!tzTime(c, a[0], &t)) return Value();
  CivilTime ct = civilFromUnix(t.seconds, t.nanos, *t.tz);
  return Value::array({intValue(ct.year), intValue(ct.month), intValue(ct.day)});
}

Value clock(BuiltinContext& c, Args a) {
  TzTime t;
  if (!tzTime(c, a[0], &t)) return Value();
  CivilTime ct = civilFromUnix(t.seconds, t.nanos, *t.tz);
  return Value::array({intValue(ct.hour), intValue(ct.minute), intValue(ct.second)});
}

Value weekday(BuiltinContext& c, Args a) {
  static const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                "Thursday", "Friday", "Saturday"};
  TzTime t;
  if (!tzTime(c, a[0], &t)) return Value();
  CivilTime ct = civilFromUnix(t.seconds, t.nanos, *t.tz);
  return strValue(kDays[ct.weekday]);
}

Value addDate(BuiltinContext& c, Args a) {
  TzTime t;
  if (!tzTime(c, a[0], &t)) return Value();
  int64_t years, months, days;
  if (!argInt(c, a, 1, &years) || !argInt(c, a, 2, &months) || !argInt(c, a, 3, &days))
    return Value();
  CivilTime ct = civilFromUnix(t.seconds, t.nanos, *t.tz);
  // Go's AddDate normalises overflowing months and days.
  int64_t d = daysFromCivil(ct.year + years, ct.month + months, 1) + (ct.day - 1) + days;
  int64_t local = d * 86400 + ct.hour * 3600 + ct.minute * 60 + ct.second;
  // Resolve the local time back to UTC with the zone's offset at that moment.
  int32_t off;
  std::string ab;
  t.tz->lookup(local - ct.offset, &off, &ab);
  return safeUnixNano(c, local - off, t.nanos);
}

Value diff(BuiltinContext& c, Args a) {
  TzTime t1, t2;
  if (!tzTime(c, a[0], &t1) || !tzTime(c, a[1], &t2)) return Value();
  auto tz = t1.tz;
  bool swap = t1.seconds > t2.seconds || (t1.seconds == t2.seconds && t1.nanos > t2.nanos);
  if (swap) std::swap(t1, t2);
  CivilTime a1 = civilFromUnix(t1.seconds, t1.nanos, *tz);
  CivilTime a2 = civilFromUnix(t2.seconds, t2.nanos, *tz);
  int64_t year = a2.year - a1.year;
  int64_t month = a2.month - a1.month;
  int64_t day = a2.day - a1.day;
  int64_t hour = a2.hour - a1.hour;
  int64_t min = a2.minute - a1.minute;
  int64_t sec = a2.second - a1.second;
  if (sec < 0) {
    sec += 60;
    --min;
  }
  if (min < 0) {
    min += 60;
    --hour;
  }
  if (hour < 0) {
    hour += 24;
    --day;
  }
  if (day < 0) {
    // Days in a1's month: the day of the 32nd, normalised.
    int64_t y;
    int m, d;
    civilFromDays(daysFromCivil(a1.year, a1.month, 32), &y, &m, &d);
    day += 32 - d;
    --month;
  }
  if (month < 0) {
    month += 12;
    --year;
  }
  return Value::array({intValue(year), intValue(month), intValue(day), intValue(hour),
                       intValue(min), intValue(sec)});
}

}  // namespace

void registerTime(BuiltinRegistry& r) {
  r.add("time.now_ns", 0, nowNs, kNondeterministic);
  r.add("time.parse_ns", 2, parseNs);
  r.add("time.parse_rfc3339_ns", 1, parseRfc3339Ns);
  r.add("time.parse_duration_ns", 1, parseDurationNs);
  r.add("time.format", 1, format);
  r.add("time.date", 1, date);
  r.add("time.clock", 1, clock);
  r.add("time.weekday", 1, weekday);
  r.add("time.add_date", 4, addDate);
  r.add("time.diff", 2, diff);
}

}  // namespace meshgate::rego
