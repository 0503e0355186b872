// Query-parameter parsing shared by list endpoints: `start` and `limit` (validated: a value
// that is not a plain non-negative decimal number is a 400, not silently ignored as Mailpit
// does), and the trimmed `query`/`tz` pair used by search endpoints and `latest?query=`.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "api/errors.hpp"
#include "api/http_types.hpp"

namespace mailjar::api {

struct paging {
  std::size_t start = 0;
  std::size_t limit = 50;
};

struct paging_rules {
  std::size_t default_limit = 50;
  std::size_t max_limit = 10000;  // larger values are clamped (MailHog clamps to 250)
};

outcome<paging> parse_paging(const request& req, const paging_rules& rules = {});

// A non-negative decimal of at most 18 digits; false otherwise.
bool parse_count(const std::string& s, std::uint64_t& out);

struct search_params {
  std::string query;  // trimmed
  int tz_offset_minutes = 0;
};

// `query` (trimmed; may be empty) and `tz` (400 for an unknown zone).
outcome<search_params> parse_search_params(const request& req);

std::string trim(std::string_view s);

}  // namespace mailjar::api
