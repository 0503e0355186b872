// Parser of Mailpit's search syntax (shared/API.md "Search syntax"): terms split on spaces,
// "quoted phrases" kept together (quotes removed, an unclosed quote runs to the end), a leading
// '-' or '!' negates, prefixes are case-insensitive. Mailpit's quirks are kept on purpose:
// terms without a letter or digit are ignored, an empty field value ignores the term, unknown
// prefixes and is:/has: values and sizes it cannot read are plain text, a size of 0 is text.
// mailjar differs where Mailpit would silently do nothing: a date it cannot read and a
// malformed header: term are errors (shown to the user as 400), as are absurdly long searches.
// Pure; thread-safe; any bytes give a query or an error, never a crash.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/result.hpp"
#include "search/query.hpp"

namespace mailjar::search {

inline constexpr std::size_t max_search_bytes = 4096;
inline constexpr std::size_t max_search_terms = 64;

struct parse_options {
  // Dates without an explicit offset are read in this zone (minutes east of UTC, the API's
  // `tz` parameter resolved by the caller).
  int tz_offset_minutes = 0;
};

// Errors are one short line naming the term, e.g. `before: cannot read the date "31.13.2026"`.
result<query> parse(std::string_view search, const parse_options& options = {});

}  // namespace mailjar::search
