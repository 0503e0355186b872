// The SMTP server protocol as a pure state machine (sans I/O): bytes in, replies and actions
// out. No sockets, no clocks, no threads: the adapter (smtp/session.cpp) feeds what it read,
// writes what the machine produced, and performs the actions it asks for (TLS handshake,
// storing a message, closing). One machine per connection; not thread-safe.
//
// Loop the adapter runs:
//   out += m.greeting().wire();               (or m.refuse_connection() and close)
//   on read:   m.receive(bytes); then repeat m.next():
//     need_input  -> write m.take_output() if any, then read more
//     start_tls   -> write m.take_output() (the 220), handshake, m.tls_started(desc)
//     deliver     -> take m.take_message(); store it; later m.delivered(ok, id_or_error)
//     close       -> write m.take_output(), then close the connection
//   on idle timeout: m.timed_out() then write output and close.
// While a delivery is pending the machine consumes nothing: stop reading (buffered() grows).
// Implicit TLS (smtps): after the handshake call m.tls_started(desc) before the greeting so
// envelope.tls carries the description (otherwise it says "TLS").
// Replies carry enhanced codes except the greeting, HELO/EHLO, 354 and 334 (RFC 2034).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "smtp/protocol/reply.hpp"

namespace mailjar::smtp {

struct session_state;  // the machine's state and transitions (session_state.hpp, internal)

// Limits and policy for one listener; copied into each machine. Defaults are the product's.
struct session_config {
  std::string hostname = "mailjar";  // greeting / EHLO name
  std::size_t max_line = 4096;       // command line incl. CRLF (RFC 5321 needs 512; AUTH needs more)
  std::size_t max_message_size = 50ull << 20;  // advertised as SIZE; larger -> 552 5.3.4 after draining
  std::size_t max_recipients = 100;            // more -> 452 4.5.3
  std::size_t max_errors = 20;                 // this many bad commands -> 421 and close
  bool reject_bare_line_endings = false;       // DATA with bare CR or LF -> 550 5.5.2 (else kept as is)
  bool tls_available = false;                  // advertise and accept STARTTLS
  bool implicit_tls = false;                   // connection is already TLS (smtps listener)
  // Commands that cannot lead to a message (NOOP, RSET, VRFY, EXPN, HELP, HELO/EHLO, unimplemented
  // verbs, RCPT over the cap) beyond this many since the last message each count as an error, like
  // Postfix's smtpd_junk_command_limit: a client dribbling one NOOP after another within every
  // timeout cannot hold a connection forever.
  std::size_t max_junk_commands = 100;
  // AUTH: by default any credentials are accepted and the user name is recorded.
  bool auth_required = false;                // MAIL before AUTH -> 530 5.7.0
  std::map<std::string, std::string> users;  // when non-empty, AUTH is checked against it
};

// What the adapter must do next.
enum class step {
  need_input,  // flush output, read more bytes
  start_tls,   // flush output (the 220), do the TLS handshake, then call tls_started()
  deliver,     // a message is complete: take_message(), store it, then call delivered()
  close,       // flush output, close the connection
};

// A complete message handed over at end of data.
struct received_message {
  envelope env;      // mail_from, rcpt_to, helo, tls, auth_user, smtputf8, body_type
  std::string data;  // the message after dot-unstuffing, without the final CRLF.CRLF terminator's ".CRLF"
};

class session_machine {
 public:
  // `challenge_source` makes the CRAM-MD5 challenge's unique part (adapter supplies randomness):
  // "1234.5678" becomes "<1234.5678@hostname>"; a value with '@' is only wrapped in <>.
  explicit session_machine(session_config cfg, std::function<std::string()> challenge_source = {});

  reply greeting() const;               // 220 <host> ESMTP mailjar
  static reply refuse_connection();     // 554 5.7.1 for peers outside --smtp-allow
  static reply too_many_connections();  // 421 4.7.0

  void receive(std::string_view bytes);  // buffer bytes read from the peer
  step next();                           // process buffered input until the adapter must act
  std::string take_output();             // replies produced so far, wire format

  received_message take_message();                             // valid right after next() returned deliver
  void delivered(bool stored, std::string_view id_or_reason);  // 250 queued as <id> / 451 4.3.0
  void tls_started(std::string_view description);  // discards buffered plaintext, resets to pre-EHLO
  void timed_out();                                // queues 421 4.4.2 and moves to close

  bool in_data() const;          // inside DATA/BDAT (for choosing the idle timeout)
  std::size_t buffered() const;  // bytes received but not yet consumed
  // Command or SASL lines read to their end so far (over-long ones too). The adapter restarts
  // its whole-line deadline when this moves, so a client dribbling one line cannot stay forever.
  std::uint64_t lines_read() const;

  ~session_machine();
  session_machine(session_machine&&) noexcept;
  session_machine& operator=(session_machine&&) noexcept;

 private:
  std::unique_ptr<session_state> s_;
};

}  // namespace mailjar::smtp
