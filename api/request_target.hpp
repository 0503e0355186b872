// Request-target decoding: the ONE place where the wire target becomes the path that routing and
// every security check look at (so `/%61pi/events` is `/api/events` for both; Mailpit
// CVE-2026-22689). Splits path and query, percent-decodes, rejects control characters, `..`
// segments, encoded separators (%2F, %5C), backslashes and invalid UTF-8 (400); collapses `//`
// and drops `.` segments; strips the --webroot prefix (outside it: 404). Pure functions over
// values; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mailjar::api {

struct parsed_target {
  int status = 0;        // 0 = accepted; else 400 (malformed), 404 (outside webroot), 308 (redirect)
  std::string reason;    // why it was refused (400/404), for the response body
  std::string location;  // 308: where to go (the webroot itself, with its trailing slash)
  std::string path;      // decoded, normalised, starts with "/", webroot removed
  std::multimap<std::string, std::string> query;  // decoded ("+" is a space in the query)

  bool ok() const { return status == 0; }
};

// "/", "/mail/" from user input such as "mail", "/mail", "/mail/"; empty result when the prefix
// itself is unusable (characters outside unreserved/sub-delims, `..`, `%`).
std::string normalise_webroot(std::string_view webroot);

// `webroot` must come from normalise_webroot ("/" when none).
parsed_target parse_target(std::string_view target, std::string_view webroot = "/");

// One query component ("+" is a space): nullopt on a malformed escape, a control character other
// than TAB, or invalid UTF-8.
std::optional<std::string> decode_query_component(std::string_view in);

}  // namespace mailjar::api
