// How much of a raw message GMime is shown (internal to server/mime). GMime builds an object
// per MIME part and per header field (about a kilobyte each, several under ASan) before we
// list anything, so 50 MB of tiny parts ("--b\r\n\r\nx\r\n" a million times) or of header
// lines would cost gigabytes, however few of them are listed. The parser hands GMime only the
// prefix of raw before the first boundary delimiter line past `max_delimiters` and before the
// top-level header field past `max_header_fields`; raw itself is stored and served whole, and
// part offsets stay offsets into raw (it is a prefix). Pure, linear in raw, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailjar::mime::detail {

struct parse_horizon {
  std::size_t length = 0;  // bytes of raw GMime may read (raw.size() when nothing is cut)
  std::string reason;      // parse warning when length < raw.size(), else empty
};

// Delimiter lines are lines "--<boundary>..." for a boundary declared anywhere in raw
// (boundary=... parameters); with more than 64 distinct boundary lengths every "--" line
// counts. Header fields are lines of the top-level header block not starting with a blank.
parse_horizon find_parse_horizon(std::string_view raw, std::size_t max_delimiters,
                                 std::size_t max_header_fields);

}  // namespace mailjar::mime::detail
