// Turns a Mailpit SendRequest into the envelope and raw MIME bytes that POST /api/v1/send hands
// to ingest, laid out as Mailpit's builder does: text/plain (always) and text/html in
// multipart/alternative, inline attachments (those with a ContentID) in multipart/related,
// other attachments in multipart/mixed; Date and Message-ID added; X-Tags from Tags. Every
// header value is checked (no CR/LF/NUL: no header injection) and encoded; bodies are
// quoted-printable or base64, so the message is 7-bit with short lines. Validation errors are
// 400s in Mailpit's spirit ("cannot overwrite header"). Pure apart from the random Message-ID;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "api/dto_send.hpp"
#include "api/errors.hpp"
#include "core/types.hpp"

namespace mailjar::api {

struct built_message {
  envelope env;  // mail_from = From.Email; rcpt_to = To + Cc + Bcc
  std::string raw;
};

struct build_context {
  std::int64_t now_ms = 0;
  std::string remote_addr;  // envelope client_addr
  std::string auth_user;    // envelope auth_user (HTTP basic auth user, as Mailpit records)
};

outcome<built_message> build_send_message(const send_request& r, const build_context& ctx);

// A plausible mailbox: local@domain, printable, no spaces, brackets, quotes or separators.
bool plausible_email(std::string_view addr);

}  // namespace mailjar::api
