// SPDX-License-Identifier: Apache-2.0
// Time zones from the system tz database (/usr/share/zoneinfo TZif files with
// their POSIX TZ footer), and Go's time layout formatting and parsing as the
// time.* builtins use them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meshgate::rego {

class TimeZone {
 public:
  /// "UTC", "Local", or a tz database name ("America/New_York"). Null when unknown.
  static std::shared_ptr<const TimeZone> load(const std::string& name, std::string* error);
  static std::shared_ptr<const TimeZone> utc();
  static std::shared_ptr<const TimeZone> fixed(int32_t offset, std::string abbrev);

  /// The offset from UTC (seconds) and the abbreviation in effect at `utc_seconds`.
  void lookup(int64_t utc_seconds, int32_t* offset, std::string* abbrev) const;

 private:
  struct Type {
    int32_t offset;
    bool dst;
    std::string abbrev;
  };
  struct PosixRule;
  std::vector<int64_t> transitions_;
  std::vector<uint8_t> transition_types_;
  std::vector<Type> types_;
  std::shared_ptr<PosixRule> footer_;
  bool parse(const std::string& data);
};

/// A civil time: seconds since the epoch, nanoseconds, and the zone's offset.
struct CivilTime {
  int64_t unix_seconds = 0;
  int32_t nanos = 0;
  int32_t offset = 0;
  std::string abbrev = "UTC";
  // Derived fields (local time).
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = Sunday
  int yday = 1;
};

CivilTime civilFromUnix(int64_t unix_seconds, int32_t nanos, const TimeZone& tz);
/// Days since 1970-01-01 for a proleptic Gregorian date (month 1-12; days may overflow).
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d);
void civilFromDays(int64_t z, int64_t* y, int* m, int* d);

/// Go's Time.Format with a reference layout ("2006-01-02T15:04:05Z07:00").
std::string goFormatTime(const CivilTime& t, std::string_view layout);

/// Go's time.Parse (UTC default). On success sets seconds and nanos since the
/// epoch; on error sets *error to Go's message.
bool goParseTime(std::string_view layout, std::string_view value, int64_t* unix_seconds,
                 int32_t* nanos, std::string* error);

/// Go's time.ParseDuration.
bool goParseDuration(std::string_view s, int64_t* ns, std::string* error);

}  // namespace meshgate::rego
