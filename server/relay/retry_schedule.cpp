#include "relay/retry_schedule.hpp"

#include "core/duration.hpp"

#include <sstream>

namespace mailjar::relay {

namespace {

// For to_string: the largest unit that divides a delay.
constexpr std::int64_t k_units[] = {1000, 60'000, 3'600'000, 86'400'000};
constexpr char k_unit_names[] = {'s', 'm', 'h', 'd'};
constexpr std::int64_t k_max_delay_ms = 7 * 86'400'000LL;

std::optional<std::int64_t> parse_item(const std::string& item) {
  if (item.size() > 12) return std::nullopt;
  auto ms = duration_ms(item);
  if (!ms || *ms > k_max_delay_ms) return std::nullopt;
  return ms;
}

}  // namespace

result<retry_schedule> retry_schedule::parse(const std::string& text) {
  std::vector<std::int64_t> delays;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    auto ms = parse_item(item);
    if (!ms) {
      return error{"expected delays like 1m,5m,30m,2h (s, m, h or d; at most 7d each), got '" + text + "'"};
    }
    delays.push_back(*ms);
  }
  if (delays.empty() || delays.size() > 50) return error{"expected 1 to 50 delays, got '" + text + "'"};
  return retry_schedule(std::move(delays));
}

std::optional<std::int64_t> retry_schedule::delay_after(std::uint32_t attempts_made) const {
  if (attempts_made == 0) return 0;
  if (attempts_made > delays_ms_.size()) return std::nullopt;
  return delays_ms_[attempts_made - 1];
}

std::string retry_schedule::to_string() const {
  std::string out;
  for (std::int64_t d : delays_ms_) {
    if (!out.empty()) out += ',';
    std::size_t u = std::size(k_units);
    while (u > 1 && d % k_units[u - 1] != 0) --u;
    out += std::to_string(d / k_units[u - 1]) + k_unit_names[u - 1];
  }
  return out;
}

}  // namespace mailjar::relay
