// Internal to the SMTP protocol machine: the state behind session_machine (connection state,
// the current mail transaction, input/output buffers) and its transition functions. Only
// session_machine.cpp (input loop) and session_commands.cpp (one handler per verb) include
// it. Owned by one session_machine; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/protocol/auth.hpp"
#include "smtp/protocol/data_reader.hpp"
#include "smtp/protocol/reply.hpp"
#include "smtp/protocol/session_machine.hpp"

namespace mailjar::smtp {

struct session_state {
  // What the next bytes of input mean.
  enum class mode {
    command,       // a command line
    auth,          // a SASL response line
    data,          // DATA content up to <CRLF>.<CRLF>
    chunk,         // BDAT chunk bytes
    discard_line,  // the rest of an over-long line, up to LF
    tls_pending,   // 220 sent for STARTTLS; waiting for tls_started()
    delivering,    // message complete; waiting for delivered()
    closed,
  };

  // The current mail transaction (RFC 5321 3.3); RSET/EHLO/end of data clear it.
  struct transaction {
    bool has_mail = false;
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::string body_type;
    bool smtputf8 = false;
    std::uint64_t declared_size = 0;
    bool chunking = false;           // a BDAT chunk was accepted
    std::uint64_t chunked_size = 0;  // bytes accepted by BDAT so far
  };

  // How the bytes of the current BDAT chunk are treated, decided when the command is read.
  enum class chunk_fate { keep, refuse_sequence, refuse_size };

  session_state(session_config c, std::function<std::string()> challenges);

  // Input loop (session_machine.cpp).
  step run();
  void receive(std::string_view bytes);
  bool pump_line();   // false: need more input
  bool pump_data();   // false: need more input
  bool pump_chunk();  // false: need more input
  bool skip_line();   // false: need more input
  void line_too_long(std::string_view prefix);
  void complete_message();
  void tls_started(std::string_view description);

  // Commands (session_commands.cpp).
  void handle_command(std::string_view line);
  void handle_auth_line(std::string_view line);
  void on_helo(std::string_view args, bool extended);
  void on_mail(std::string_view args);
  void on_rcpt(std::string_view args);
  void on_data(std::string_view args);
  void on_bdat(std::string_view args);
  void on_rset(std::string_view args);
  void on_vrfy(std::string_view args);
  void on_starttls(std::string_view args);
  void on_auth(std::string_view args);
  void on_auth_step(auth_step s);
  std::vector<std::string> ehlo_keywords() const;
  std::string next_cram_challenge();

  // Output helpers.
  void send(const reply& r);
  void fail(const reply& r);  // a bad command: counts towards max_errors
  void count_junk();          // a command that cannot lead to a message (see max_junk_commands)
  void reset_transaction();

  session_config cfg;
  std::function<std::string()> challenge_source;
  std::uint64_t challenge_counter = 0;

  std::string in;  // received bytes; [pos, size) not yet consumed
  std::size_t pos = 0;
  std::string out;  // wire-format replies not yet taken
  mode m = mode::command;
  std::size_t errors = 0;
  std::size_t junk = 0;     // junk commands since the last message
  std::uint64_t lines = 0;  // command/SASL lines (also over-long ones) read to their LF

  // Connection state (forgotten on STARTTLS).
  bool greeted = false;
  std::string helo;
  bool tls_active = false;
  std::string tls_description;
  bool authenticated = false;
  std::string auth_user;
  std::optional<auth_exchange> auth;

  transaction tx;
  std::string data;  // message bytes being received
  data_reader reader;

  std::uint64_t chunk_remaining = 0;
  std::uint64_t chunk_size = 0;
  bool chunk_last = false;
  chunk_fate chunk = chunk_fate::keep;
  reply chunk_refusal;

  received_message ready;  // complete message awaiting take_message()
  bool ready_taken = false;
};

}  // namespace mailjar::smtp
