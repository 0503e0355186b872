#include "api/time_format.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace mailjar::api {

namespace {

constexpr std::int64_t ms_per_day = 86'400'000;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z as Unix milliseconds.
constexpr std::int64_t min_ms = -62'167'219'200'000;
constexpr std::int64_t max_ms = 253'402'300'799'999;

std::int64_t clamp_ms(std::int64_t ms) { return ms < min_ms ? min_ms : (ms > max_ms ? max_ms : ms); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct civil {
  std::int64_t year;
  int month, day, hour, minute, second, millis, weekday;  // weekday 0 = Sunday
};

// Howard Hinnant's civil_from_days.
civil to_civil(std::int64_t ms) {
  std::int64_t days = floor_div(ms, ms_per_day);
  std::int64_t rem = ms - days * ms_per_day;
  civil c{};
  c.millis = static_cast<int>(rem % 1000);
  std::int64_t secs = rem / 1000;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  std::int64_t z = days + 719468;
  std::int64_t era = floor_div(z, 146097);
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

std::string offset_text(int offset_minutes, bool colon) {
  char sign = offset_minutes < 0 ? '-' : '+';
  int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[16];
  std::snprintf(buf, sizeof buf, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, a / 60 % 100, a % 60);
  return buf;
}

}  // namespace

int local_offset_minutes(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(floor_div(clamp_ms(unix_ms), 1000));
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return static_cast<int>(tm.tm_gmtoff / 60);
}

std::string rfc3339_ms(std::int64_t unix_ms, int offset_minutes) {
  std::int64_t ms = clamp_ms(clamp_ms(unix_ms) + std::int64_t{offset_minutes} * 60'000);
  civil c = to_civil(ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second, c.millis);
  return std::string(buf) + offset_text(offset_minutes, true);
}

std::string rfc3339_local(std::int64_t unix_ms) { return rfc3339_ms(unix_ms, local_offset_minutes(unix_ms)); }

std::string rfc5322_local(std::int64_t unix_ms) {
  static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int offset = local_offset_minutes(unix_ms);
  civil c = to_civil(clamp_ms(clamp_ms(unix_ms) + std::int64_t{offset} * 60'000));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d ", days[c.weekday], c.day,
                months[c.month - 1], static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return std::string(buf) + offset_text(offset, false);
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mailjar::api
