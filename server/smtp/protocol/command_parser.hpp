// Parsing of SMTP command lines (RFC 5321 4.1, with the leniency real clients need): verbs,
// MAIL/RCPT paths and ESMTP parameters, BDAT arguments, and the "this is HTTP" check.
// Input is one line without its line ending; results may point into that line (string_view),
// so they live only as long as the caller's buffer. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailjar::smtp {

enum class verb {
  helo,
  ehlo,
  mail,
  rcpt,
  data,
  bdat,
  rset,
  noop,
  quit,
  vrfy,
  expn,
  help,
  starttls,
  auth,
  not_implemented,  // a real SMTP verb mailjar does not offer (TURN, ETRN, SEND, ...)
  http,             // an HTTP request or header line: cross-protocol attack, close at once
  unknown,          // anything else, including an empty line and non-letter verbs
};

struct command {
  verb name = verb::unknown;
  std::string_view args;  // after the verb, surrounding blanks trimmed
};

// Verbs are case-insensitive; leading and trailing blanks (space, tab) are ignored.
command parse_command(std::string_view line);

// True when `s` holds a byte below 0x20 (tab included) or DEL.
bool has_control_chars(std::string_view s);

// "KEYWORD" or "KEYWORD=value" after a path (RFC 5321 4.1.2 esmtp-param).
struct esmtp_param {
  std::string_view keyword;
  std::string_view value;
  bool has_value = false;
};

enum class path_status { ok, syntax, bad_address };

struct path_command {
  path_status status = path_status::syntax;
  std::string_view address;  // without <> and source route; empty for "<>"
  std::vector<esmtp_param> params;
};

// Parses "FROM:<addr> params" / "TO:<addr> params" (`keyword` is "FROM" or "TO").
// Lenient: case-insensitive keyword, blanks around ':', a bare address without <>.
// An address with control characters or a malformed mailbox gives bad_address.
path_command parse_path_command(std::string_view args, std::string_view keyword);

// Mailbox check for envelope addresses: local[@domain]; quoted local parts, domain literals
// and UTF-8 are accepted, blanks/controls/specials outside quotes are not. A bare local part
// ("postmaster", "root") is accepted.
bool valid_mailbox(std::string_view address);

// MAIL FROM parameters mailjar supports: SIZE, BODY, SMTPUTF8, AUTH.
struct mail_options {
  std::optional<std::uint64_t> size;
  std::string body;  // "", "7BIT", "8BITMIME" or "BINARYMIME"
  bool smtputf8 = false;
};

enum class option_status { ok, syntax, unknown, too_big };

option_status parse_mail_options(const std::vector<esmtp_param>& params, std::uint64_t max_size,
                                 mail_options& out);

// "BDAT <size> [LAST]" (RFC 3030).
struct bdat_command {
  std::uint64_t size = 0;
  bool last = false;
};

std::optional<bdat_command> parse_bdat(std::string_view args);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace mailjar::smtp
