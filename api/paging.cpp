#include "api/paging.hpp"

#include <cctype>

#include "api/time_format.hpp"
#include "api/time_zone.hpp"

namespace mailjar::api {

bool parse_count(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

outcome<paging> parse_paging(const request& req, const paging_rules& rules) {
  paging p;
  p.limit = rules.default_limit;
  if (auto s = req.param("start"); s && !s->empty()) {
    std::uint64_t v = 0;
    if (!parse_count(*s, v)) return bad_request("invalid start: must be a non-negative integer");
    p.start = static_cast<std::size_t>(v);
  }
  if (auto l = req.param("limit"); l && !l->empty()) {
    std::uint64_t v = 0;
    if (!parse_count(*l, v) || v == 0) return bad_request("invalid limit: must be a positive integer");
    p.limit = static_cast<std::size_t>(v > rules.max_limit ? rules.max_limit : v);
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
