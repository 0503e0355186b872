// The values of size and date terms: Mailpit's sizeToBytes ("2M", "1.5kb", "100"; K/KB/M/MB
// are 1024-based, case-insensitive) and the dates before:/after: accept. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mailjar::search {

// Bytes for a size, or 0 when it is not one (Mailpit: such a term is searched as text).
std::int64_t parse_size(std::string_view text);

// Unix time in ms (UTC) for a date, or nullopt. Accepted (case-insensitive):
//   2026-01-31, 2026/01/31, 2026.01.31, 20260131, 01/31/2026 (US order, as Mailpit's parser);
//   31 Jan 2026, Jan 31 2026, January 31 2026;
//   any of the ISO forms followed by [T or space]HH:MM[:SS[.fraction]] and optionally
//   Z, UTC, GMT, +HH, +HHMM or +HH:MM;
//   a Unix timestamp in seconds (10 digits) or milliseconds (13 digits).
// Without an explicit offset the date is local time at `tz_offset_minutes` east of UTC.
std::optional<std::int64_t> parse_date(std::string_view text, int tz_offset_minutes);

}  // namespace mailjar::search
