// How much of a raw message GMime is shown (internal to server/mime). GMime builds an object
// per MIME part and per header field (about a kilobyte each, several under ASan) before we
// list anything, so 50 MB of tiny parts ("--b\r\n\r\nx\r\n" a million times) or of header
// lines would cost gigabytes, however few of them are listed. And it checks each parameter of a
// Content-Type or Content-Disposition field against every one before it, so one field of
// 20 000 parameters costs it 0.8 s and one of 2 million (20 MB) would cost hours; and it parses
// an address group inside a group by recursion, so "To: g:g:g:..." 50 000 deep (100 KB)
// overflows the stack and kills the process. The parser hands GMime only the prefix of raw
// before the first boundary delimiter line past `max_delimiters`, and before the first field
// past a parse_limits bound: the top-level header field past `max_header_fields`, the
// Content-Type/Content-Disposition field that brings a field past `max_field_parameters` or all
// such fields past `max_parameters`, an address field with more than `max_address_groups`
// groups. Raw itself is stored and served whole, and part offsets stay offsets into raw (it is
// a prefix). Pure, linear in raw, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/parser.hpp"

namespace mailjar::mime::detail {

struct parse_horizon {
  std::size_t length = 0;  // bytes of raw GMime may read (raw.size() when nothing is cut)
  std::string reason;      // parse warning when length < raw.size(), else empty
};

// Delimiter lines are lines "--<boundary>..." for a boundary declared anywhere in raw
// (boundary=... parameters); with more than 64 distinct boundary lengths every "--" line
// counts. Header fields are lines of the top-level header block not starting with a blank.
// Parameters are the ';' of a field, folded lines included, that starts a line with
// "Content-Type:" or "Content-Disposition:" (any case); groups are the ':' outside quoted
// strings and comments of a From, Sender, Reply-To, To, Cc, Bcc or Resent-* field. Fields are
// found wherever they are: in the top-level header, a part's, or an attached message's (a body
// line that looks like one counts too, which can only cut hostile input earlier).
parse_horizon find_parse_horizon(std::string_view raw, const parse_limits& limits,
                                 std::size_t max_delimiters);

}  // namespace mailjar::mime::detail
