// What an EHLO reply advertises (RFC 5321 4.1.1.1 and the extensions a release uses):
// STARTTLS, AUTH mechanisms (also the old "AUTH=" form), SIZE with its limit, PIPELINING,
// 8BITMIME, SMTPUTF8. Keywords are matched case-insensitively; unknown ones are ignored.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relay/protocol/reply_parser.hpp"

namespace mailjar::relay {

struct ehlo_capabilities {
  bool starttls = false;
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool size = false;
  std::uint64_t size_limit = 0;   // 0: no limit given
  std::vector<std::string> auth;  // mechanism names, upper case
  bool has_auth(std::string_view mech) const;
};

// The first line is the server's greeting name and is skipped.
ehlo_capabilities parse_ehlo(const server_reply& reply);

}  // namespace mailjar::relay
