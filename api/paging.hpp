// Query-parameter parsing shared by list endpoints: `start` and `limit`, read the way Mailpit's
// and MailHog's getStartLimit read them so that no client breaks: a value that is not a whole
// number (Go's strconv.Atoi: optional sign, decimal digits, within int64) falls back to the
// default, as does a negative one; `limit=0` means "everything" for Mailpit (clamped to
// max_limit) and the default for MailHog. Also the trimmed `query`/`tz` pair used by search
// endpoints and `latest?query=`. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/errors.hpp"
#include "api/http_types.hpp"

namespace mailjar::api {

struct paging {
  std::size_t start = 0;
  std::size_t limit = 50;
};

struct paging_rules {
  std::size_t default_limit = 50;
  std::size_t max_limit = 10000;     // larger values are clamped (MailHog clamps to 250)
  bool zero_limit_means_all = true;  // Mailpit (limit > -1); MailHog: 0 is the default
};

// Never fails: what Mailpit and MailHog ignore is ignored here too (the outcome type stays for
// the callers' uniform error handling).
outcome<paging> parse_paging(const request& req, const paging_rules& rules = {});

// Go's strconv.Atoi: [+-]digits within int64; nullopt otherwise (empty, spaces, overflow, ...).
std::optional<std::int64_t> parse_go_int(std::string_view s);

struct search_params {
  std::string query;  // trimmed
  int tz_offset_minutes = 0;
};

// `query` (trimmed; may be empty) and `tz` (400 for an unknown zone).
outcome<search_params> parse_search_params(const request& req);

std::string trim(std::string_view s);

}  // namespace mailjar::api
