// The `tz` query parameter of search endpoints (used for before:/after: dates), turned into the
// UTC offset in minutes that the mailbox port takes. Accepts what Mailpit accepts — an IANA zone
// name ("Pacific/Auckland", read from the system's zoneinfo files) — plus "UTC"/"Z" and numeric
// offsets ("+13:00", "-0530", "+02"); "" means the server's own zone. Zone names are checked
// against a strict character set before any file is opened (no "..", no absolute paths).
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/errors.hpp"

namespace mailjar::api {

// Offset in minutes east of UTC of `tz` at `at_unix_ms`; 400 for an unknown zone.
outcome<int> tz_offset_minutes(std::string_view tz, std::int64_t at_unix_ms,
                               const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

// Offset in minutes (UTC+utoff seconds / 60) at `at_unix_s` from the contents of a TZif file;
// false when `tzif` is not a TZif file.
bool tzif_offset(std::string_view tzif, std::int64_t at_unix_s, int& offset_minutes);

}  // namespace mailjar::api
