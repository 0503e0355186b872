// Durations as users type them on the command line: a whole number and one unit, "90s", "5m",
// "12h", "7d". Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mailjar {

// Milliseconds, or nullopt unless `s` is 1 to 100 000 000 followed by s, m, h or d.
std::optional<std::int64_t> duration_ms(std::string_view s);

}  // namespace mailjar
