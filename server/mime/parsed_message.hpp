// The result of parsing one message: everything the store keeps so that views, search and
// downloads never parse again. Produced by mime::parse_message (parser.hpp); plain data.
// All strings are valid UTF-8 except `header_field::value` (raw, may hold any bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace mailjar::mime {

enum class part_role {
  body,        // the chosen text/plain or text/html body
  inline_part, // inline part (has Content-ID or disposition inline and is not a body)
  attachment,  // everything else that is a leaf (incl. attached message/rfc822 as a whole)
};

struct part {
  std::string part_id;            // dotted path as Mailpit numbers it: "1", "2", "1.2"
  part_role role = part_role::attachment;
  std::string content_type;       // lower-case "type/subtype"
  std::string charset;            // lower-case, "" when none
  std::string disposition;        // lower-case "inline" / "attachment" / ""
  std::string file_name;          // decoded UTF-8 (RFC 2047 / 2231), "" when none
  std::string content_id;         // without angle brackets, "" when none
  std::string transfer_encoding;  // lower-case "base64", "quoted-printable", "7bit", ... or ""
  // Where the part's still-encoded content sits in the raw message, so it can be decoded
  // later without re-parsing. Valid when `in_raw` is true.
  bool in_raw = false;
  std::uint64_t raw_offset = 0;
  std::uint64_t raw_length = 0;
  // Decoded bytes, filled only when the content cannot be addressed in the raw message
  // (e.g. a part nested inside an encoded message/rfc822).
  std::optional<std::string> content;
  std::uint64_t size = 0;         // decoded size in bytes
  std::string md5, sha1, sha256;  // lower-case hex digests of the decoded bytes
};

struct parsed_message {
  std::string message_id;                 // without angle brackets
  std::string subject;                    // decoded
  std::optional<std::int64_t> date_ms;    // Date header as Unix ms, when it parses
  std::optional<address> from;
  std::vector<address> to, cc, bcc, reply_to;
  std::string return_path;                // addr-spec from Return-Path, "" when none
  std::vector<header_field> headers;      // top-level header fields in order
  std::string text;                       // text body as UTF-8 ("" when none)
  std::string html;                       // HTML body as UTF-8 ("" when none)
  std::string html_as_text;               // HTML with tags stripped, for search and snippets
  std::string snippet;                    // <= 200 bytes of text (whole UTF-8 chars) + "..." if cut
  std::vector<part> parts;                // every leaf part (bodies, inline, attachments)
  std::vector<std::string> warnings;      // parse problems; empty when the message is clean
  std::vector<std::string> tags;          // from X-Tags (comma separated), trimmed, de-duplicated
};

}  // namespace mailjar::mime
