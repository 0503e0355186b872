// Times as the API shows them: RFC 3339 with milliseconds and a numeric offset
// ("2026-11-27T18:09:18.123+00:00"), by default the server's local offset at that instant, and
// RFC 5322 Date header values for messages the API builds. Years are clamped to 0000..9999 so a
// hostile Date header cannot produce an invalid timestamp. Thread-safe (localtime_r).
#pragma once

#include <cstdint>
#include <string>

namespace mailjar::api {

// Offset of the server's local time zone from UTC at `unix_ms`, in minutes.
int local_offset_minutes(std::int64_t unix_ms);

std::string rfc3339_ms(std::int64_t unix_ms, int offset_minutes);
std::string rfc3339_local(std::int64_t unix_ms);

// "Mon, 02 Jan 2006 15:04:05 -0700" in the server's local offset.
std::string rfc5322_local(std::int64_t unix_ms);

std::int64_t now_unix_ms();

}  // namespace mailjar::api
