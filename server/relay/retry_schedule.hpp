// The back-off schedule of deferred recipients (--relay-retry "1m,5m,30m,2h"): after the n-th
// failed attempt of a recipient the next one is due `delays[n-1]` later; after the last delay's
// attempt fails too, the recipient fails for good. Pure value type; thread-safe once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace mailjar::relay {

class retry_schedule {
 public:
  retry_schedule() = default;
  explicit retry_schedule(std::vector<std::int64_t> delays_ms) : delays_ms_(std::move(delays_ms)) {}

  // "1m,5m,30m,2h": each item a whole number with s, m, h or d; 1 to 50 items, each at most 7 days.
  static result<retry_schedule> parse(const std::string& text);

  // Delay before the attempt that follows `attempts_made` failed attempts (1-based count);
  // nullopt: give up.
  std::optional<std::int64_t> delay_after(std::uint32_t attempts_made) const;

  // Attempts in total before giving up (the first plus one per delay).
  std::uint32_t max_attempts() const { return static_cast<std::uint32_t>(delays_ms_.size()) + 1; }
  const std::vector<std::int64_t>& delays_ms() const { return delays_ms_; }
  std::string to_string() const;  // "1m,5m,30m,2h"

 private:
  std::vector<std::int64_t> delays_ms_;
};

// The schedule used when --relay-retry is not given.
inline constexpr const char* default_retry_schedule = "1m,5m,15m,1h,4h";

}  // namespace mailjar::relay
