// MIME parsing entry points (the module's public interface; wraps GMime 3.2, which no other
// module includes).
//
// parse_message turns raw message bytes into a parsed_message: header fields, addresses,
// bodies converted to UTF-8, and one `part` per leaf with digests and the offsets of its
// still-encoded content inside `raw`, so parts can be served later without re-parsing:
//   decode_content(raw.substr(p.raw_offset, p.raw_length), p.transfer_encoding)
// gives the part's decoded bytes.
//
// Ownership: `raw` is only borrowed for the duration of the call; the result owns all its
// data. Thread-safety: both functions may be called concurrently from any number of threads
// on independent inputs (GMime is initialised once, thread-safely, on first use).
//
// Robustness: any bytes give a result (possibly with warnings); nothing throws. Work and
// extra memory stay linear in the input: the parser reads `raw` in place (no copy), parts
// beyond limits.max_parts or nested deeper than limits.max_depth are not listed (with a
// warning), GMime only reads raw up to a bounded number of boundary lines and header fields
// (with a warning), and GMime itself refuses nesting beyond 1024 multipart / 512 message levels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/parsed_message.hpp"

namespace mailjar::mime {

struct parse_limits {
  // Leaf parts listed in parsed_message::parts. Real mail rarely has more than a few dozen;
  // 1000 bounds hostile input (10 000 empty parts) while keeping every real attachment.
  std::size_t max_parts = 1000;
  // Multipart/message nesting levels walked (the top-level entity is level 1). Real mail
  // nests 4-6 levels (mixed > alternative > related > ...; forwarded messages add one).
  std::size_t max_depth = 32;
  // GMime is shown raw only up to the (4 * max_parts + 5)-th MIME boundary line and the
  // (max_header_fields + 1)-th top-level header field (parse_horizon.hpp): it builds an object
  // for each, so 50 MB of tiny parts or header lines would otherwise cost gigabytes.
  std::size_t max_header_fields = 10000;
  // Parameters (';') GMime is shown in one Content-Type or Content-Disposition field, and in all
  // of them together (parse_horizon.hpp: GMime's cost is quadratic in a field's parameters).
  // Real fields carry a handful; an RFC 2231 file name split into 78-byte sections, a few dozen.
  std::size_t max_field_parameters = 256;
  std::size_t max_parameters = 20000;
  // Groups ("name: ...;") GMime is shown in one address field: it parses a group within a group
  // by recursion, so unclosed ones nest as deep as they come. Real fields hold a few.
  std::size_t max_address_groups = 1000;
};

// Never throws, never rejects: any bytes give a parsed_message (maybe with warnings).
parsed_message parse_message(std::string_view raw, const parse_limits& limits = {});

// Decodes a part's content-transfer-encoding: base64, quoted-printable, uuencode
// (x-uuencode, uuencode, x-uue); 7bit, 8bit, binary, "" and unknown values return the bytes
// unchanged. Case-insensitive; surrounding whitespace ignored. Invalid input is decoded
// leniently (non-alphabet base64 characters are skipped).
std::string decode_content(std::string_view encoded, std::string_view transfer_encoding);

}  // namespace mailjar::mime
