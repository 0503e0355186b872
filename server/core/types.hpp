// Value types shared by every module: addresses, headers, the SMTP envelope.
// Plain data, no behaviour beyond comparisons; safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailjar {

// A mailbox as shown to users: display name (decoded to UTF-8) and addr-spec.
struct address {
  std::string name;
  std::string addr;
  bool operator==(const address&) const = default;
};

// One header field in message order. `value` is the unfolded raw value (no CRLF), not decoded.
struct header_field {
  std::string name;
  std::string value;
  bool operator==(const header_field&) const = default;
};

// What the SMTP session knew about a message besides its bytes. Kept beside the raw
// message, never spliced into it.
struct envelope {
  std::string mail_from;              // reverse-path without <>; "" for the null sender
  std::vector<std::string> rcpt_to;   // forward-paths without <>, in RCPT order
  std::string client_addr;            // peer "ip:port" (IPv6 as "[ip]:port")
  std::string helo;                   // argument of the last HELO/EHLO
  std::string tls;                    // "" when plaintext, else e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"
  std::string auth_user;              // "" when not authenticated
  bool smtputf8 = false;              // MAIL ... SMTPUTF8
  std::string body_type;              // MAIL ... BODY= value ("7BIT", "8BITMIME", "BINARYMIME") or ""
  std::int64_t received_ms = 0;       // Unix time in milliseconds when DATA ended
};

}  // namespace mailjar
