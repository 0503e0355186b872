#include "api/paging.hpp"

#include <cctype>
#include <limits>

#include "api/time_format.hpp"
#include "api/time_zone.hpp"

namespace mailjar::api {

std::optional<std::int64_t> parse_go_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  // Accumulate as a negative number: its range includes INT64_MIN.
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    int d = c - '0';
    if (v < (min + d) / 10) return std::nullopt;  // v * 10 - d would overflow
    v = v * 10 - d;
  }
  if (!negative) {
    if (v == min) return std::nullopt;
    v = -v;
  }
  return v;
}

outcome<paging> parse_paging(const request& req, const paging_rules& rules) {
  paging p;
  p.limit = rules.default_limit;
  if (auto s = req.param("start")) {
    if (auto v = parse_go_int(*s); v && *v > 0) p.start = static_cast<std::size_t>(*v);
  }
  if (auto l = req.param("limit")) {
    auto v = parse_go_int(*l);
    if (v && *v > 0) {
      p.limit =
          static_cast<std::uint64_t>(*v) > rules.max_limit ? rules.max_limit : static_cast<std::size_t>(*v);
    } else if (v && *v == 0 && rules.zero_limit_means_all) {
      p.limit = rules.max_limit;
    }
  }
  return p;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

outcome<search_params> parse_search_params(const request& req) {
  search_params p;
  p.query = trim(req.param("query").value_or(""));
  auto tz = tz_offset_minutes(trim(req.param("tz").value_or("")), now_unix_ms());
  if (!tz.ok()) return tz.error();
  p.tz_offset_minutes = *tz;
  return p;
}

}  // namespace mailjar::api
