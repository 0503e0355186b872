// Tag rules, as Mailpit applies them: a tag is cleaned (characters other than A-Z a-z 0-9 - _ .
// and space become spaces, runs of spaces collapse, ends trimmed; empty = no tag), tags of a
// message are unique case-insensitively (first spelling wins) and sorted case-insensitively. A new message
// gets the tags of its X-Tags header plus those of its plus-addresses (user+tag@domain, also user+a+b@domain
// → a, b) in From, To, Cc and Bcc (Bcc including envelope-only recipients). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/parsed_message.hpp"

namespace mailjar::search {

inline constexpr std::size_t max_tag_bytes = 100;

// Mailpit's CleanTag; also cut to max_tag_bytes.
std::string clean_tag(std::string_view tag);

// Cleaned, de-duplicated (ASCII case-insensitively, first spelling kept) and sorted
// case-insensitively (the order SQLite's NOCASE gives the stored names).
std::vector<std::string> normalize_tags(const std::vector<std::string>& tags);

// The tags part of `addr` after its first '+' (up to the '@'), split on '+'; raw, not cleaned.
std::vector<std::string> plus_address_tags(std::string_view addr);

// Every tag a new message carries: normalize_tags(X-Tags + plus-address tags).
std::vector<std::string> message_tags(const mime::parsed_message& parsed,
                                      const std::vector<std::string>& rcpt_to);

}  // namespace mailjar::search
