// Encoders for the messages the API builds (POST /api/v1/send): base64 bodies in 76-column
// lines, quoted-printable text (line breaks become CRLF), RFC 2047 encoded words for non-ASCII
// header text (split on UTF-8 character boundaries, folded), address and parameter formatting.
// Output is 7-bit with lines well under 998 octets. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailjar::api {

std::string base64_lines(std::string_view bytes);  // CRLF every 76 characters, ends with CRLF
std::string quoted_printable(std::string_view text);

// Attachment content as Mailpit accepts it: base64, possibly after a data: URL prefix
// ("data:image/png;base64,...."), whitespace ignored, padding optional. nullopt when invalid.
std::optional<std::string> decode_base64_content(std::string_view text);

bool is_ascii_printable(std::string_view s);  // 0x20..0x7E only

// Header text: as-is when printable ASCII without "=?", else RFC 2047 B-encoded UTF-8 words
// (folded with CRLF SP).
std::string encode_header_text(std::string_view text);

// "Name <addr>" with the name quoted or encoded as needed; just "addr" without a name.
std::string format_address(std::string_view name, std::string_view addr);

// A MIME parameter: name="value" for printable ASCII (quotes and backslashes escaped), else
// RFC 2231 name*=UTF-8''percent-encoded.
std::string mime_parameter(std::string_view name, std::string_view value);

}  // namespace mailjar::api
