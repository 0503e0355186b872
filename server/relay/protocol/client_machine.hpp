// The SMTP client protocol of one session as a pure state machine (sans I/O), the mirror image
// of smtp/protocol/session_machine: server bytes in, commands and actions out. No sockets, no
// clock, no threads; the adapter (relay/smtp_client_asio.cpp) does the I/O and the timing.
//
// Loop the adapter runs (after connecting; for implicit TLS after the handshake, tls_started()):
//   repeat s = m.next():
//     need_input -> write m.take_output() if any; read (timeout per m.waiting_for()); m.receive(bytes)
//                   on read error m.connection_lost(why), on timeout m.timed_out()
//     start_tls  -> handshake; then m.tls_started(description) or m.tls_failed(why)
//     done       -> write m.take_output() if any (QUIT), close; m.result() holds the outcome
//   m.take_transcript() at any time (lines carry at_ms = 0: the adapter stamps them).
//
// Session: greeting (2xx, else the host is skipped) -> EHLO (HELO when EHLO gets a 5xx) ->
// STARTTLS per tls_mode (after TLS: EHLO again; octets buffered before the handshake are
// discarded) -> AUTH PLAIN/LOGIN/CRAM-MD5 when configured -> MAIL FROM (SMTPUTF8 and
// BODY=8BITMIME when needed and offered, SIZE when offered) -> one RCPT per recipient -> DATA only
// if at least one recipient was accepted, the message dot-stuffed -> QUIT.
// Outcomes per recipient: 2xx delivered, 5xx permanent, 4xx temporary; the reply to the final dot
// decides for every recipient RCPT accepted. Session failures (greeting refused, 4xx to MAIL,
// TLS problems, timeouts, a malformed reply, a lost connection) leave every undecided recipient
// temporary, so the runner tries the next host. Commands are built only from the configuration
// and the envelope, never from bytes the server sent; AUTH secrets appear as "***" in the
// transcript. One machine per session; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "relay/protocol/ehlo_capabilities.hpp"
#include "relay/protocol/reply_parser.hpp"
#include "relay/relay_types.hpp"

namespace mailjar::relay {

struct session_plan {
  client_options opts;             // helo name, TLS mode, AUTH
  std::string mail_from;           // envelope sender; "" is the null sender <>
  std::vector<std::string> rcpts;  // envelope recipients, in order
  std::string_view message;        // CRLF-canonical message (caller keeps it alive); dot-stuffed here
  bool eight_bit = false;          // message has octets >= 0x80 (BODY=8BITMIME when offered)
  reply_limits limits;
};

enum class client_step { need_input, start_tls, done };
enum class wait_kind { command, data_end };  // which timeout applies to the pending read

struct session_result {
  std::vector<rcpt_outcome> recipients;  // one per planned recipient, in order
  std::string error;                     // session-level failure, "" when the session ran through
  bool tls_active = false;
};

// Prefix of session_result::error when the TLS handshake failed (the runner may retry in plaintext).
inline constexpr std::string_view tls_handshake_failed = "TLS handshake failed";

// Doubles a '.' at the start of every line and ends the data with CRLF "." CRLF (RFC 5321 4.5.2).
std::string dot_stuff(std::string_view message);

class client_machine {
 public:
  explicit client_machine(session_plan plan);

  void receive(std::string_view bytes);
  client_step next();
  std::string take_output();
  std::vector<transcript_line> take_transcript();
  wait_kind waiting_for() const { return wait_; }

  void tls_started(std::string_view description);
  void tls_failed(std::string_view why);
  void timed_out();
  void connection_lost(std::string_view why);
  void not_connected(std::string_view why);  // the connection never came up: all temporary

  const session_result& result() const { return result_; }
  const ehlo_capabilities& capabilities() const { return caps_; }

 private:
  enum class state {
    greeting,
    ehlo,
    helo,
    starttls,
    tls_handshake,
    auth_start,
    auth_user,
    auth_result,
    mail,
    rcpt,
    data,
    data_end,
    quit,
    closed,
  };

  void on_reply(const server_reply& r);
  void send(std::string line, std::string shown = {});
  void info(std::string text);
  void after_hello();
  void start_auth();
  void start_mail();
  void send_next_rcpt_or_data();
  void send_quit();
  void fail_session(std::string why, bool send_quit, int code = 0, const std::string& reply = {});
  void decide_pending(rcpt_status st, int code, const std::string& reply);
  static const char* state_name(state s);

  session_plan plan_;
  reply_parser parser_;
  ehlo_capabilities caps_;
  state state_ = state::greeting;
  wait_kind wait_ = wait_kind::command;
  std::size_t next_rcpt_ = 0;
  std::vector<bool> accepted_;  // RCPT got a 2xx
  std::vector<bool> decided_;   // outcome final for this session
  bool tls_tried_ = false;      // STARTTLS sent (or refused) once in this session
  bool authenticated_ = false;
  bool smtputf8_ = false;  // an envelope address is not ASCII
  std::string out_;
  std::vector<transcript_line> transcript_;
  session_result result_;
};

}  // namespace mailjar::relay
