// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/timezone.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "base/file.h"

namespace meshgate::rego {

// ---- Civil calendar (proleptic Gregorian, H. Hinnant's algorithms) ----

int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  // Normalise month overflow first.
  int64_t mm = m - 1;
  y += mm >= 0 ? mm / 12 : -((11 - mm) / 12);
  mm = ((mm % 12) + 12) % 12;
  m = mm + 1;
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yy + (*m <= 2);
}

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

bool isLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

CivilTime civilFromUnix(int64_t unix_seconds, int32_t nanos, const TimeZone& tz) {
  CivilTime t;
  t.unix_seconds = unix_seconds;
  t.nanos = nanos;
  tz.lookup(unix_seconds, &t.offset, &t.abbrev);
  int64_t local = unix_seconds + t.offset;
  int64_t days = floorDiv(local, 86400);
  int64_t secs = local - days * 86400;
  civilFromDays(days, &t.year, &t.month, &t.day);
  t.hour = static_cast<int>(secs / 3600);
  t.minute = static_cast<int>((secs % 3600) / 60);
  t.second = static_cast<int>(secs % 60);
  t.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  t.yday = static_cast<int>(days - daysFromCivil(t.year, 1, 1)) + 1;
  return t;
}

// ---- POSIX TZ rules (the TZif footer) ----

struct TimeZone::PosixRule {
  std::string std_name, dst_name;
  int32_t std_offset = 0;  // seconds east of UTC
  int32_t dst_offset = 0;
  bool has_dst = false;
  struct When {
    char kind = 'M';  // 'M' (month.week.day), 'J' (julian, no leap), 'N' (zero-based day)
    int month = 0, week = 0, day = 0;
    int32_t time = 7200;
  } start, end;

  static int64_t ruleTime(int64_t year, const When& w, int32_t offset) {
    int64_t days;
    if (w.kind == 'J') {
      days = daysFromCivil(year, 1, 1) + w.day - 1;
      if (isLeap(year) && w.day >= 60) ++days;
    } else if (w.kind == 'N') {
      days = daysFromCivil(year, 1, 1) + w.day;
    } else {
      int64_t first = daysFromCivil(year, w.month, 1);
      int wd = static_cast<int>(((first % 7) + 11) % 7);
      int64_t d = first + ((w.day - wd) + 7) % 7;
      d += 7 * (w.week - 1);
      int64_t next_month = daysFromCivil(year, w.month + 1, 1);
      while (d >= next_month)
        d -= 7;
      days = d;
    }
    return days * 86400 + w.time - offset;
  }

  void lookup(int64_t t, int32_t* offset, std::string* abbrev) const {
    if (!has_dst) {
      *offset = std_offset;
      *abbrev = std_name;
      return;
    }
    int64_t y;
    int m, d;
    civilFromDays(floorDiv(t + std_offset, 86400), &y, &m, &d);
    int64_t s = ruleTime(y, start, std_offset);
    int64_t e = ruleTime(y, end, dst_offset);
    bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    *offset = dst ? dst_offset : std_offset;
    *abbrev = dst ? dst_name : std_name;
  }
};

namespace {

bool parseName(std::string_view& s, std::string* out) {
  if (!s.empty() && s[0] == '<') {
    size_t close = s.find('>');
    if (close == std::string_view::npos) return false;
    *out = std::string(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
    return true;
  }
  size_t i = 0;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
    ++i;
  if (i < 3) return false;
  *out = std::string(s.substr(0, i));
  s.remove_prefix(i);
  return true;
}

bool parseHms(std::string_view& s, int32_t* out) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int32_t parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    size_t i = 0;
    int32_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == 0) return k > 0;
    parts[k] = v;
    s.remove_prefix(i);
    if (s.empty() || s[0] != ':') break;
    s.remove_prefix(1);
  }
  *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool parseRuleWhen(std::string_view& s, char* kind, int* month, int* week, int* day,
                   int32_t* time) {
  auto num = [&](int* out) {
    size_t i = 0;
    int v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == 0) return false;
    *out = v;
    s.remove_prefix(i);
    return true;
  };
  if (!s.empty() && s[0] == 'M') {
    s.remove_prefix(1);
    *kind = 'M';
    if (!num(month) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!num(week) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!num(day)) return false;
  } else if (!s.empty() && s[0] == 'J') {
    s.remove_prefix(1);
    *kind = 'J';
    if (!num(day)) return false;
  } else {
    *kind = 'N';
    if (!num(day)) return false;
  }
  *time = 7200;
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    if (!parseHms(s, time)) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> kUtc = fixed(0, "UTC");
  return kUtc;
}

std::shared_ptr<const TimeZone> TimeZone::fixed(int32_t offset, std::string abbrev) {
  auto tz = std::make_shared<TimeZone>();
  tz->types_.push_back(Type{offset, false, std::move(abbrev)});
  return tz;
}

void TimeZone::lookup(int64_t t, int32_t* offset, std::string* abbrev) const {
  if (transitions_.empty() || t < transitions_.front()) {
    if (transitions_.empty() && footer_) {
      footer_->lookup(t, offset, abbrev);
      return;
    }
    // Before the first transition: the first non-DST type.
    const Type* ty = types_.empty() ? nullptr : &types_[0];
    for (const auto& x : types_) {
      if (!x.dst) {
        ty = &x;
        break;
      }
    }
    *offset = ty != nullptr ? ty->offset : 0;
    *abbrev = ty != nullptr ? ty->abbrev : "UTC";
    return;
  }
  if (t >= transitions_.back() && footer_) {
    footer_->lookup(t, offset, abbrev);
    return;
  }
  size_t lo = 0, hi = transitions_.size();
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (transitions_[mid] <= t) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const Type& ty = types_[transition_types_[lo]];
  *offset = ty.offset;
  *abbrev = ty.abbrev;
}

bool TimeZone::parse(const std::string& data) {
  auto be32 = [&](size_t at) -> int64_t {
    return static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(data[at])) << 24) |
                                (static_cast<uint32_t>(static_cast<uint8_t>(data[at + 1])) << 16) |
                                (static_cast<uint32_t>(static_cast<uint8_t>(data[at + 2])) << 8) |
                                static_cast<uint32_t>(static_cast<uint8_t>(data[at + 3])));
  };
  auto be64 = [&](size_t at) -> int64_t {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k)
      v = (v << 8) | static_cast<uint8_t>(data[at + static_cast<size_t>(k)]);
    return static_cast<int64_t>(v);
  };
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return false;
  char version = data[4];
  auto counts = [&](size_t at, int64_t c[6]) {
    for (int k = 0; k < 6; ++k)
      c[k] = be32(at + 20 + static_cast<size_t>(k) * 4);
  };
  int64_t c[6];
  counts(0, c);
  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  size_t v1_size = static_cast<size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
  size_t pos = 44;
  int time_size = 4;
  if (version >= '2') {
    pos = 44 + v1_size;
    if (data.size() < pos + 44 || data.compare(pos, 4, "TZif") != 0) return false;
    counts(pos, c);
    pos += 44;
    time_size = 8;
  }
  int64_t timecnt = c[3], typecnt = c[4], charcnt = c[5];
  size_t need = static_cast<size_t>(timecnt * time_size + timecnt + typecnt * 6 + charcnt);
  if (data.size() < pos + need) return false;
  for (int64_t i = 0; i < timecnt; ++i) {
    transitions_.push_back(time_size == 8 ? be64(pos + static_cast<size_t>(i) * 8)
                                          : be32(pos + static_cast<size_t>(i) * 4));
  }
  pos += static_cast<size_t>(timecnt * time_size);
  for (int64_t i = 0; i < timecnt; ++i)
    transition_types_.push_back(static_cast<uint8_t>(data[pos + static_cast<size_t>(i)]));
  pos += static_cast<size_t>(timecnt);
  size_t types_at = pos;
  size_t chars_at = pos + static_cast<size_t>(typecnt * 6);
  for (int64_t i = 0; i < typecnt; ++i) {
    size_t at = types_at + static_cast<size_t>(i) * 6;
    Type t;
    t.offset = static_cast<int32_t>(be32(at));
    t.dst = data[at + 4] != 0;
    size_t idx = static_cast<uint8_t>(data[at + 5]);
    std::string abbrev;
    for (size_t k = chars_at + idx; k < chars_at + static_cast<size_t>(charcnt) && data[k] != '\0';
         ++k)
      abbrev.push_back(data[k]);
    t.abbrev = abbrev;
    types_.push_back(std::move(t));
  }
  for (uint8_t ti : transition_types_) {
    if (ti >= types_.size()) return false;
  }
  if (version >= '2') {
    // Footer: skip the rest of the v2 block, then "\n<posix>\n".
    size_t after =
        chars_at + static_cast<size_t>(charcnt) + static_cast<size_t>(c[2] * 12 + c[1] + c[0]);
    if (after < data.size() && data[after] == '\n') {
      size_t nl = data.find('\n', after + 1);
      if (nl != std::string::npos) {
        std::string_view s(data.data() + after + 1, nl - after - 1);
        auto rule = std::make_shared<PosixRule>();
        bool ok = !s.empty() && parseName(s, &rule->std_name);
        int32_t off = 0;
        if (ok) ok = parseHms(s, &off);
        if (ok) {
          rule->std_offset = -off;
          if (!s.empty() && s[0] != ',') {
            ok = parseName(s, &rule->dst_name);
            rule->has_dst = ok;
            rule->dst_offset = rule->std_offset + 3600;
            if (ok && !s.empty() && s[0] != ',') {
              int32_t doff = 0;
              ok = parseHms(s, &doff);
              rule->dst_offset = -doff;
            }
            if (ok && !s.empty() && s[0] == ',') {
              s.remove_prefix(1);
              ok = parseRuleWhen(s, &rule->start.kind, &rule->start.month, &rule->start.week,
                                 &rule->start.day, &rule->start.time);
              if (ok && !s.empty() && s[0] == ',') {
                s.remove_prefix(1);
                ok = parseRuleWhen(s, &rule->end.kind, &rule->end.month, &rule->end.week,
                                   &rule->end.day, &rule->end.time);
              } else {
                ok = false;
              }
            } else if (ok) {
              // No rule: US default rules.
              rule->start = {'M', 3, 2, 0, 7200};
              rule->end = {'M', 11, 1, 0, 7200};
            }
          }
        }
        if (ok) footer_ = std::move(rule);
      }
    }
  }
  return !types_.empty();
}

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name, std::string* error) {
  if (name.empty() || name == "UTC") return utc();
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::string file;
  if (name == "Local") {
    file = "/etc/localtime";
  } else {
    if (name.find("..") != std::string::npos || name[0] == '/') {
      *error = "unknown time zone " + name;
      return nullptr;
    }
    file = "/usr/share/zoneinfo/" + name;
  }
  auto data = base::readFile(file);
  auto tz = std::make_shared<TimeZone>();
  if (!data.ok() || !tz->parse(*data)) {
    if (name == "Local") return utc();
    *error = "unknown time zone " + name;
    return nullptr;
  }
  if (cache.size() > 512) cache.clear();
  cache[name] = tz;
  return tz;
}

// ---- Go layouts ----

namespace {

enum Std {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9,
};

struct Chunk {
  std::string_view prefix;
  Std std = kNone;
  int frac_digits = 0;
  std::string_view suffix;
};

bool startsWith(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

// Go's nextStdChunk.
Chunk nextStdChunk(std::string_view layout) {
  for (size_t i = 0; i < layout.size(); ++i) {
    char c = layout[i];
    auto ret = [&](Std s, size_t len, int frac = 0) {
      return Chunk{layout.substr(0, i), s, frac, layout.substr(i + len)};
    };
    switch (c) {
      case 'J':
        if (startsWith(layout, i, "Jan")) {
          if (startsWith(layout, i, "January")) return ret(kLongMonth, 7);
          return ret(kMonth, 3);
        }
        break;
      case 'M':
        if (startsWith(layout, i, "Mon")) {
          if (startsWith(layout, i, "Monday")) return ret(kLongWeekDay, 6);
          return ret(kWeekDay, 3);
        }
        if (startsWith(layout, i, "MST")) return ret(kTZ, 3);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          static const Std k0x[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                    kZeroMinute, kZeroSecond, kYear};
          return ret(k0x[layout[i + 1] - '1'], 2);
        }
        if (startsWith(layout, i, "002")) return ret(kZeroYearDay, 3);
        break;
      case '1':
        if (startsWith(layout, i, "15")) return ret(kHour, 2);
        return ret(kNumMonth, 1);
      case '2':
        if (startsWith(layout, i, "2006")) return ret(kLongYear, 4);
        return ret(kDay, 1);
      case '_':
        if (startsWith(layout, i, "_2")) {
          if (startsWith(layout, i, "_2006"))
            return Chunk{layout.substr(0, i + 1), kLongYear, 0, layout.substr(i + 5)};
          return ret(kUnderDay, 2);
        }
        if (startsWith(layout, i, "__2")) return ret(kUnderYearDay, 3);
        break;
      case '3':
        return ret(kHour12, 1);
      case '4':
        return ret(kMinute, 1);
      case '5':
        return ret(kSecond, 1);
      case 'P':
        if (startsWith(layout, i, "PM")) return ret(kPM, 2);
        break;
      case 'p':
        if (startsWith(layout, i, "pm")) return ret(kpm, 2);
        break;
      case '-':
        if (startsWith(layout, i, "-070000")) return ret(kNumSecondsTz, 7);
        if (startsWith(layout, i, "-07:00:00")) return ret(kNumColonSecondsTZ, 9);
        if (startsWith(layout, i, "-0700")) return ret(kNumTZ, 5);
        if (startsWith(layout, i, "-07:00")) return ret(kNumColonTZ, 6);
        if (startsWith(layout, i, "-07")) return ret(kNumShortTZ, 3);
        break;
      case 'Z':
        if (startsWith(layout, i, "Z070000")) return ret(kISO8601SecondsTZ, 7);
        if (startsWith(layout, i, "Z07:00:00")) return ret(kISO8601ColonSecondsTZ, 9);
        if (startsWith(layout, i, "Z0700")) return ret(kISO8601TZ, 5);
        if (startsWith(layout, i, "Z07:00")) return ret(kISO8601ColonTZ, 6);
        if (startsWith(layout, i, "Z07")) return ret(kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char ch = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch)
            ++j;
          if (!(j < layout.size() && std::isdigit(static_cast<unsigned char>(layout[j])))) {
            return ret(ch == '0' ? kFracSecond0 : kFracSecond9, j - i, static_cast<int>(j - i - 1));
          }
        }
        break;
      default:
        break;
    }
  }
  return Chunk{layout, kNone, 0, {}};
}

const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                           "Thursday", "Friday", "Saturday"};
const char* kLongMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

std::string pad(int64_t v, int width, char fill = '0') {
  bool neg = v < 0;
  std::string s = std::to_string(neg ? -v : v);
  while (static_cast<int>(s.size()) < width)
    s.insert(s.begin(), fill);
  return neg ? "-" + s : s;
}

}  // namespace

std::string goFormatTime(const CivilTime& t, std::string_view layout) {
  std::string out;
  while (!layout.empty()) {
    Chunk ch = nextStdChunk(layout);
    out.append(ch.prefix);
    if (ch.std == kNone) break;
    char sep = layout[ch.prefix.size()];
    layout = ch.suffix;
    switch (ch.std) {
      case kLongYear:
        out += pad(t.year, 4);
        break;
      case kYear:
        out += pad(((t.year % 100) + 100) % 100, 2);
        break;
      case kLongMonth:
        out += kLongMonths[t.month - 1];
        break;
      case kMonth:
        out += std::string(kLongMonths[t.month - 1]).substr(0, 3);
        break;
      case kNumMonth:
        out += std::to_string(t.month);
        break;
      case kZeroMonth:
        out += pad(t.month, 2);
        break;
      case kLongWeekDay:
        out += kLongDays[t.weekday];
        break;
      case kWeekDay:
        out += std::string(kLongDays[t.weekday]).substr(0, 3);
        break;
      case kDay:
        out += std::to_string(t.day);
        break;
      case kUnderDay:
        out += pad(t.day, 2, ' ');
        break;
      case kZeroDay:
        out += pad(t.day, 2);
        break;
      case kUnderYearDay:
        out += pad(t.yday, 3, ' ');
        break;
      case kZeroYearDay:
        out += pad(t.yday, 3);
        break;
      case kHour:
        out += pad(t.hour, 2);
        break;
      case kHour12: {
        int h = t.hour % 12;
        out += std::to_string(h == 0 ? 12 : h);
        break;
      }
      case kZeroHour12: {
        int h = t.hour % 12;
        out += pad(h == 0 ? 12 : h, 2);
        break;
      }
      case kMinute:
        out += std::to_string(t.minute);
        break;
      case kZeroMinute:
        out += pad(t.minute, 2);
        break;
      case kSecond:
        out += std::to_string(t.second);
        break;
      case kZeroSecond:
        out += pad(t.second, 2);
        break;
      case kPM:
        out += t.hour >= 12 ? "PM" : "AM";
        break;
      case kpm:
        out += t.hour >= 12 ? "pm" : "am";
        break;
      case kISO8601TZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ShortTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumShortTZ:
      case kNumColonSecondsTZ: {
        bool iso = ch.std == kISO8601TZ || ch.std == kISO8601ColonTZ ||
                   ch.std == kISO8601SecondsTZ || ch.std == kISO8601ShortTZ ||
                   ch.std == kISO8601ColonSecondsTZ;
        if (iso && t.offset == 0) {
          out += "Z";
          break;
        }
        int zone = t.offset / 60;
        int absoff = t.offset;
        if (zone < 0) {
          out += "-";
          zone = -zone;
          absoff = -absoff;
        } else {
          out += "+";
        }
        out += pad(zone / 60, 2);
        if (ch.std == kISO8601ColonTZ || ch.std == kNumColonTZ ||
            ch.std == kISO8601ColonSecondsTZ || ch.std == kNumColonSecondsTZ)
          out += ":";
        if (ch.std != kNumShortTZ && ch.std != kISO8601ShortTZ) out += pad(zone % 60, 2);
        if (ch.std == kISO8601SecondsTZ || ch.std == kNumSecondsTz ||
            ch.std == kNumColonSecondsTZ || ch.std == kISO8601ColonSecondsTZ) {
          if (ch.std == kNumColonSecondsTZ || ch.std == kISO8601ColonSecondsTZ) out += ":";
          out += pad(absoff % 60, 2);
        }
        break;
      }
      case kTZ:
        if (!t.abbrev.empty()) {
          out += t.abbrev;
        } else {
          int zone = t.offset / 60;
          out += zone < 0 ? "-" : "+";
          if (zone < 0) zone = -zone;
          out += pad(zone / 60, 2) + pad(zone % 60, 2);
        }
        break;
      case kFracSecond0:
      case kFracSecond9: {
        std::string digits = pad(t.nanos, 9);
        std::string frac = digits.substr(0, static_cast<size_t>(ch.frac_digits));
        if (ch.std == kFracSecond9) {
          while (!frac.empty() && frac.back() == '0')
            frac.pop_back();
          if (frac.empty()) break;
        }
        out.push_back(sep);
        out += frac;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

namespace {

bool getNum(std::string_view& v, int digits_min, int digits_max, int64_t* out) {
  size_t i = 0;
  int64_t n = 0;
  while (i < v.size() && static_cast<int>(i) < digits_max &&
         std::isdigit(static_cast<unsigned char>(v[i]))) {
    n = n * 10 + (v[i] - '0');
    ++i;
  }
  if (static_cast<int>(i) < digits_min) return false;
  *out = n;
  v.remove_prefix(i);
  return true;
}

int lookupName(std::string_view& v, const char* const* names, size_t n, size_t len) {
  for (size_t k = 0; k < n; ++k) {
    std::string name = len == 0 ? names[k] : std::string(names[k]).substr(0, len);
    if (v.size() >= name.size()) {
      bool eq = true;
      for (size_t c = 0; c < name.size(); ++c) {
        if (std::tolower(static_cast<unsigned char>(v[c])) !=
            std::tolower(static_cast<unsigned char>(name[c]))) {
          eq = false;
          break;
        }
      }
      if (eq) {
        v.remove_prefix(name.size());
        return static_cast<int>(k);
      }
    }
  }
  return -1;
}

std::string quoteGo(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

bool goParseTime(std::string_view layout, std::string_view value, int64_t* unix_seconds,
                 int32_t* nanos, std::string* error) {
  const std::string_view orig_layout = layout, orig_value = value;
  int64_t year = 1;
  int64_t month = -1, day = -1, yday = -1, hour = 0, minute = 0, sec = 0, nsec = 0;
  bool pm_set = false, pm = false;
  bool have_zone = false;
  int64_t zone_offset = 0;
  auto fail = [&](std::string_view elem, std::string_view val, std::string extra = "") {
    *error = "parsing time " + quoteGo(orig_value) + " as " + quoteGo(orig_layout) +
             ": cannot parse " + quoteGo(val) + " as " + quoteGo(elem) + extra;
    return false;
  };
  while (true) {
    Chunk ch = nextStdChunk(layout);
    std::string_view std_str =
        layout.substr(ch.prefix.size(), layout.size() - ch.prefix.size() - ch.suffix.size());
    // Match the literal prefix (spaces are matched loosely as in Go).
    std::string_view prefix = ch.prefix;
    while (!prefix.empty()) {
      if (prefix[0] == ' ') {
        if (!value.empty() && value[0] != ' ') return fail(prefix, value);
        while (!prefix.empty() && prefix[0] == ' ')
          prefix.remove_prefix(1);
        while (!value.empty() && value[0] == ' ')
          value.remove_prefix(1);
        continue;
      }
      if (value.empty() || value[0] != prefix[0]) return fail(prefix, value);
      prefix.remove_prefix(1);
      value.remove_prefix(1);
    }
    if (ch.std == kNone) {
      if (!value.empty()) {
        *error = "parsing time " + quoteGo(orig_value) + ": extra text: " + quoteGo(value);
        return false;
      }
      break;
    }
    layout = ch.suffix;
    std::string_view hold = value;
    bool ok = true;
    switch (ch.std) {
      case kYear: {
        int64_t y;
        if (value.size() < 2 || !getNum(value, 2, 2, &y)) {
          ok = false;
          break;
        }
        year = y >= 69 ? y + 1900 : y + 2000;
        break;
      }
      case kLongYear: {
        if (value.size() < 4 || !std::isdigit(static_cast<unsigned char>(value[0]))) {
          ok = false;
          break;
        }
        ok = getNum(value, 4, 4, &year);
        break;
      }
      case kMonth: {
        int m = lookupName(value, kLongMonths, 12, 3);
        ok = m >= 0;
        month = m + 1;
        break;
      }
      case kLongMonth: {
        int m = lookupName(value, kLongMonths, 12, 0);
        ok = m >= 0;
        month = m + 1;
        break;
      }
      case kNumMonth:
      case kZeroMonth:
        ok = getNum(value, ch.std == kZeroMonth ? 2 : 1, 2, &month) && month >= 1 && month <= 12;
        break;
      case kWeekDay:
        ok = lookupName(value, kLongDays, 7, 3) >= 0;
        break;
      case kLongWeekDay:
        ok = lookupName(value, kLongDays, 7, 0) >= 0;
        break;
      case kDay:
      case kUnderDay:
      case kZeroDay:
        if (ch.std == kUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = getNum(value, ch.std == kZeroDay ? 2 : 1, 2, &day);
        break;
      case kUnderYearDay:
      case kZeroYearDay:
        while (ch.std == kUnderYearDay && !value.empty() && value[0] == ' ')
          value.remove_prefix(1);
        ok = getNum(value, ch.std == kZeroYearDay ? 3 : 1, 3, &yday);
        break;
      case kHour:
        ok = getNum(value, 2, 2, &hour) && hour < 24;
        break;
      case kHour12:
      case kZeroHour12:
        ok = getNum(value, ch.std == kZeroHour12 ? 2 : 1, 2, &hour) && hour <= 12;
        break;
      case kMinute:
      case kZeroMinute:
        ok = getNum(value, ch.std == kZeroMinute ? 2 : 1, 2, &minute) && minute < 60;
        break;
      case kSecond:
      case kZeroSecond: {
        ok = getNum(value, ch.std == kZeroSecond ? 2 : 1, 2, &sec) && sec < 60;
        // A fractional second may follow even when the layout has none.
        if (ok && value.size() >= 2 && (value[0] == '.' || value[0] == ',') &&
            std::isdigit(static_cast<unsigned char>(value[1]))) {
          Chunk next = nextStdChunk(layout);
          if (next.std == kFracSecond0 || next.std == kFracSecond9) break;
          size_t i = 1;
          int64_t ns = 0;
          int digits = 0;
          while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i]))) {
            if (digits < 9) {
              ns = ns * 10 + (value[i] - '0');
              ++digits;
            }
            ++i;
          }
          while (digits < 9) {
            ns *= 10;
            ++digits;
          }
          nsec = ns;
          value.remove_prefix(i);
        }
        break;
      }
      case kPM:
      case kpm:
        if (value.size() < 2) {
          ok = false;
          break;
        }
        if ((value[0] == 'P' || value[0] == 'p') && (value[1] == 'M' || value[1] == 'm')) {
          pm = true;
        } else if (!((value[0] == 'A' || value[0] == 'a') &&
                     (value[1] == 'M' || value[1] == 'm'))) {
          ok = false;
          break;
        }
        pm_set = true;
        value.remove_prefix(2);
        break;
      case kISO8601TZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ShortTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumShortTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumColonSecondsTZ: {
        bool iso = ch.std == kISO8601TZ || ch.std == kISO8601ColonTZ ||
                   ch.std == kISO8601SecondsTZ || ch.std == kISO8601ShortTZ ||
                   ch.std == kISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          have_zone = true;
          zone_offset = 0;
          break;
        }
        if (value.empty() || (value[0] != '+' && value[0] != '-')) {
          ok = false;
          break;
        }
        int sign = value[0] == '-' ? -1 : 1;
        value.remove_prefix(1);
        int64_t hh = 0, mm = 0, ss = 0;
        bool colon = ch.std == kISO8601ColonTZ || ch.std == kNumColonTZ ||
                     ch.std == kISO8601ColonSecondsTZ || ch.std == kNumColonSecondsTZ;
        bool secs = ch.std == kISO8601SecondsTZ || ch.std == kNumSecondsTz ||
                    ch.std == kISO8601ColonSecondsTZ || ch.std == kNumColonSecondsTZ;
        bool shrt = ch.std == kNumShortTZ || ch.std == kISO8601ShortTZ;
        ok = getNum(value, 2, 2, &hh);
        if (ok && !shrt) {
          if (colon) {
            if (value.empty() || value[0] != ':') {
              ok = false;
              break;
            }
            value.remove_prefix(1);
          }
          ok = getNum(value, 2, 2, &mm);
        }
        if (ok && secs) {
          if (colon) {
            if (value.empty() || value[0] != ':') {
              ok = false;
              break;
            }
            value.remove_prefix(1);
          }
          ok = getNum(value, 2, 2, &ss);
        }
        have_zone = true;
        zone_offset = sign * (hh * 3600 + mm * 60 + ss);
        break;
      }
      case kTZ: {
        if (value.size() >= 3 && value.substr(0, 3) == "UTC") {
          value.remove_prefix(3);
          have_zone = true;
          zone_offset = 0;
          break;
        }
        size_t n = 0;
        while (n < value.size() && std::isupper(static_cast<unsigned char>(value[n])))
          ++n;
        if (n < 3) {
          ok = false;
          break;
        }
        value.remove_prefix(n);
        break;
      }
      case kFracSecond0:
      case kFracSecond9: {
        if (ch.std == kFracSecond0) {
          size_t ndigit = static_cast<size_t>(ch.frac_digits) + 1;
          if (value.size() < ndigit || (value[0] != '.' && value[0] != ',')) {
            ok = false;
            break;
          }
          int64_t ns = 0;
          for (size_t i = 1; i < ndigit; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(value[i]))) {
              ok = false;
              break;
            }
            ns = ns * 10 + (value[i] - '0');
          }
          for (size_t i = ndigit - 1; i < 9; ++i)
            ns *= 10;
          nsec = ns;
          value.remove_prefix(ndigit);
        } else {
          if (value.size() < 2 || (value[0] != '.' && value[0] != ',') ||
              !std::isdigit(static_cast<unsigned char>(value[1]))) {
            break;
          }
          size_t i = 1;
          int64_t ns = 0;
          int digits = 0;
          while (i < value.size() && i < 10 && std::isdigit(static_cast<unsigned char>(value[i]))) {
            ns = ns * 10 + (value[i] - '0');
            ++digits;
            ++i;
          }
          while (digits < 9) {
            ns *= 10;
            ++digits;
          }
          nsec = ns;
          value.remove_prefix(i);
        }
        break;
      }
      default:
        break;
    }
    if (!ok) return fail(std_str, hold);
  }
  if (pm_set) {
    if (pm && hour < 12) hour += 12;
    if (!pm && hour == 12) hour = 0;
  }
  if (yday >= 0) {
    int64_t days = daysFromCivil(year, 1, 1) + yday - 1;
    int64_t y;
    int m, d;
    civilFromDays(days, &y, &m, &d);
    if (month < 0) month = m;
    if (day < 0) day = d;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  // Day must be valid for the month.
  static const int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int dim = kDaysIn[month - 1] + (month == 2 && isLeap(year) ? 1 : 0);
  if (day < 1 || day > dim) {
    *error = "parsing time " + quoteGo(orig_value) + ": day out of range";
    return false;
  }
  int64_t days = daysFromCivil(year, month, day);
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + sec;
  if (have_zone) secs -= zone_offset;
  *unix_seconds = secs;
  *nanos = static_cast<int32_t>(nsec);
  return true;
}

bool goParseDuration(std::string_view s, int64_t* ns, std::string* error) {
  std::string orig(s);
  auto bad = [&]() {
    *error = "time: invalid duration " + quoteGo(orig);
    return false;
  };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *ns = 0;
    return true;
  }
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double v = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        v += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.')
      ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3L;
    } else if (unit == "ms") {
      mult = 1e6L;
    } else if (unit == "s") {
      mult = 1e9L;
    } else if (unit == "m") {
      mult = 60e9L;
    } else if (unit == "h") {
      mult = 3600e9L;
    } else if (unit.empty()) {
      *error = "time: missing unit in duration " + quoteGo(orig);
      return false;
    } else {
      *error = "time: unknown unit " + quoteGo(unit) + " in duration " + quoteGo(orig);
      return false;
    }
    total += v * mult;
    if (total > 9.223372036854775807e18L) return bad();
  }
  *ns = static_cast<int64_t>(neg ? -total : total);
  return true;
}

}  // namespace meshgate::rego
