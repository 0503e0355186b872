#include "core/duration.hpp"

namespace mailjar {

std::optional<std::int64_t> duration_ms(std::string_view s) {
  if (s.size() < 2 || s.size() > 20) return std::nullopt;
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    default:
      return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0 || n > 100'000'000) return std::nullopt;
  return static_cast<std::int64_t>(n) * unit;
}

}  // namespace mailjar
