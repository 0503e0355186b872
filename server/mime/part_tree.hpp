// Walks a parsed GMime message and lists its leaf parts with Mailpit-style part ids
// ("1", "2", "1.2": 1-based child positions joined by dots; a single-part message's body is
// "1"), their metadata and where their still-encoded content sits in the raw message.
// message/rfc822 parts are leaves (the attached message as a whole). A multipart without
// any child (missing boundary) becomes one text/plain leaf covering its content, so the
// text is not lost. Stops at limits.max_parts leaves and limits.max_depth levels, with a
// warning. Internal to server/mime; borrows everything it is given.
#pragma once

#include <string_view>
#include <vector>

#include "mime/gmime_support.hpp"
#include "mime/parsed_message.hpp"
#include "mime/parser.hpp"
#include "mime/warning_list.hpp"

namespace mailjar::mime::detail {

struct leaf {
  part info;                    // everything but role, size and digests; location set (in_raw or content)
  bool in_alternative = false;  // has a multipart/alternative ancestor
};

std::vector<leaf> collect_leaves(GMimeMessage* msg, std::string_view raw, const parse_limits& limits,
                                 warning_list& warnings);

// Position just after the blank line that ends the header block containing `from`
// (raw.size() when there is none).
std::size_t end_of_header_block(std::string_view raw, std::size_t from);

// Where content that starts at `from` ends: before the line break preceding the first
// line, in [from, limit), that is a delimiter ("--" boundary, optional "--", optional
// trailing whitespace) of one of `boundaries`; `limit` when there is none.
std::size_t content_end(std::string_view raw, std::size_t from, std::size_t limit,
                        const std::vector<std::string>& boundaries);

}  // namespace mailjar::mime::detail
