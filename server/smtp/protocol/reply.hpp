// SMTP replies as typed values: basic code, enhanced status code (RFC 3463) and text lines.
// Built only through the named factories in replies.hpp so every reply in the server is
// written once. Serialises to wire format (multi-line with "250-" continuation).
#pragma once

#include <string>
#include <vector>

namespace mailjar::smtp {

struct reply {
  int code = 0;                    // 220, 250, 354, 421, 451, 500, ...
  std::string enhanced;            // "2.0.0" or "" (greeting and EHLO lines carry none)
  std::vector<std::string> lines;  // one or more text lines, without CRLF

  // "250-first\r\n250 last\r\n"; the enhanced code prefixes every line's text.
  std::string wire() const;
  bool positive() const { return code >= 200 && code < 400; }
};

}  // namespace mailjar::smtp
