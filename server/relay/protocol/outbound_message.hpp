// Outbound message preparation (pure): from a stored raw message, the bytes a release sends.
// - line endings made canonical CRLF (a bare CR or bare LF becomes CRLF);
// - Bcc, Resent-Bcc and Return-Path header fields removed (RFC 5321 4.4: the receiver adds
//   Return-Path), a Received field prepended, From optionally replaced, Message-ID optionally
//   replaced (or added);
// - no line longer than 998 octets is ever produced: long header fields are folded at
//   whitespace (hard-split with CRLF SP when a field has no whitespace to fold at); a body part
//   (single-part or a multipart leaf, found by walking the boundaries) with long lines and an
//   identity encoding (7bit/8bit/binary/none) is re-encoded as quoted-printable and its
//   Content-Transfer-Encoding header rewritten; long base64 lines are re-wrapped at 76.
// Dot-stuffing is not done here: the SMTP client does it while sending DATA.
// No clock, no randomness: the caller passes the date and the new Message-ID. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailjar::relay {

struct outbound_options {
  std::string received_by = "mailjar";  // host name in the Received field (--hostname)
  std::string uid;                      // the stored message's ID, shown as the Received "id"
  std::int64_t date_unix = 0;           // Received date (seconds since the epoch, shown in UTC)
  std::string override_from;            // non-empty: replaces the From field's value
  std::string new_message_id;           // non-empty: "left@right"; Message-ID becomes <left@right>
};

struct outbound_message {
  std::string bytes;       // CRLF-canonical, ends with CRLF, every line <= 998 octets
  bool eight_bit = false;  // any octet >= 0x80 remains: send BODY=8BITMIME when offered
  bool reencoded = false;  // a body part was re-encoded or re-wrapped because of long lines
  bool folded = false;     // a header field was folded because it was too long
};

outbound_message prepare_outbound(std::string_view raw, const outbound_options& opts);

// Day, date time +0000 (RFC 5322 3.3) for a Unix time, in UTC.
std::string rfc5322_date(std::int64_t unix_seconds);

}  // namespace mailjar::relay
