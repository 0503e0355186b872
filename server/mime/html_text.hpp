// HTML to plain text for search and snippets (not for display): drops tags, comments and
// the content of head/title/script/style/template/noscript elements, decodes character references
// (numeric and the HTML 4 named set plus &apos;), puts a space at block boundaries and
// collapses whitespace. Linear time, never recurses; pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailjar::mime {

std::string html_to_text(std::string_view html);

// Appends code point `cp` as UTF-8 (U+FFFD for surrogates, NUL and values > U+10FFFF).
void append_utf8(std::string& out, std::uint32_t cp);

// The charset named by a <meta charset=...> or <meta http-equiv content="...; charset=...">
// in the first 2 KB of `html`, lower-case; "" when there is none.
std::string sniff_html_charset(std::string_view html);

}  // namespace mailjar::mime
