// Text to valid UTF-8: charset conversion (iconv) with a fallback for unlabelled or
// mislabelled 8-bit text, and UTF-8 validation/repair. Pure functions, no GMime in the
// interface; safe to call from any thread.
//
// Everything returned is valid UTF-8 without NUL: invalid sequences and NUL bytes become
// U+FFFD (replacement character).
#pragma once

#include <string>
#include <string_view>

namespace mailjar::mime {

bool is_valid_utf8(std::string_view s);

// Replaces invalid UTF-8 sequences and NUL bytes with U+FFFD.
std::string sanitize_utf8(std::string_view s);
void sanitize_utf8_in_place(std::string& s);

// Converts `bytes` labelled with `charset` (case-insensitive, may be "") to UTF-8.
// - ASCII-only input is returned as is (except for 7-bit encodings such as ISO-2022-JP).
// - "", us-ascii, utf-8 or an unknown label: kept as UTF-8 when valid; when the bytes hold no
//   valid multi-byte UTF-8 sequence at all they are read as windows-1252; otherwise invalid
//   bytes are replaced.
// - iso-8859-1/latin1 are read as windows-1252 (as browsers do); other labels via iconv,
//   with unconvertible bytes replaced.
// `note`, when given, receives a short explanation if a fallback was used or bytes were
// replaced (left unchanged otherwise).
std::string to_utf8(std::string_view bytes, std::string_view charset, std::string* note = nullptr);
// Same, reusing `bytes`' buffer when no conversion is needed (large bodies are not copied).
std::string to_utf8_owned(std::string&& bytes, std::string_view charset, std::string* note = nullptr);

}  // namespace mailjar::mime
