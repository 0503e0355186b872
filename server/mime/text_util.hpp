// Small text helpers shared by the mime module: whitespace collapsing, UTF-8-safe
// truncation, the message snippet, header unfolding, trimming, ASCII lower-casing and
// case-insensitive prefixes.
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailjar::mime {

// Longest prefix of `s` of at most `max_bytes` bytes that does not split a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes);

// Replaces each run of ASCII whitespace (space, tab, CR, LF, FF, VT) by one space and trims
// both ends. Stops once the output exceeds `max_bytes` (the rest is not examined).
std::string collapse_whitespace(std::string_view s, std::size_t max_bytes = std::string::npos);

// The list preview: whitespace-collapsed `text`, or `html_as_text` when `text` is blank;
// at most `max_bytes` bytes of whole UTF-8 characters, followed by "..." when cut.
inline constexpr std::size_t snippet_max_bytes = 200;
std::string make_snippet(std::string_view text, std::string_view html_as_text,
                         std::size_t max_bytes = snippet_max_bytes);

// Trims ASCII space and tab from both ends.
std::string_view trim(std::string_view s);

// A raw header value unfolded (RFC 5322 2.2.3: CR and LF removed, the folding whitespace
// kept) and trimmed of surrounding whitespace. Bytes are otherwise left as they are.
std::string unfold_header_value(std::string_view raw_value);

// ASCII lower-case copy.
std::string ascii_lower(std::string_view s);

// Does `s` start with `lower_prefix` (written in lower case), ASCII letters matched in any case?
bool starts_with_ascii_ci(std::string_view s, std::string_view lower_prefix);

}  // namespace mailjar::mime
