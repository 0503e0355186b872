#include "smtp/protocol/session_machine.hpp"

#include <algorithm>
#include <utility>

#include "smtp/protocol/command_parser.hpp"
#include "smtp/protocol/replies.hpp"
#include "smtp/protocol/session_state.hpp"

namespace mailjar::smtp {

using impl = session_state;

// ---- public API ---------------------------------------------------------------------------

session_machine::session_machine(session_config cfg, std::function<std::string()> challenge_source)
    : s_(std::make_unique<session_state>(std::move(cfg), std::move(challenge_source))) {}

session_machine::~session_machine() = default;
session_machine::session_machine(session_machine&&) noexcept = default;
session_machine& session_machine::operator=(session_machine&&) noexcept = default;

reply session_machine::greeting() const { return replies::greeting(s_->cfg.hostname); }
reply session_machine::refuse_connection() { return replies::access_denied(); }
reply session_machine::too_many_connections() { return replies::too_many_connections(); }

void session_machine::receive(std::string_view bytes) { s_->receive(bytes); }
step session_machine::next() { return s_->run(); }

std::string session_machine::take_output() {
  std::string o;
  o.swap(s_->out);
  return o;
}

received_message session_machine::take_message() {
  s_->ready_taken = true;
  return std::exchange(s_->ready, received_message{});
}

void session_machine::delivered(bool stored, std::string_view id_or_reason) {
  if (s_->m != impl::mode::delivering) return;
  s_->m = impl::mode::command;
  s_->send(stored ? replies::queued(id_or_reason) : replies::store_failed(id_or_reason));
}

void session_machine::tls_started(std::string_view description) { s_->tls_started(description); }

void session_machine::timed_out() {
  if (s_->m == impl::mode::closed) return;
  s_->send(replies::timeout(s_->cfg.hostname));
  s_->m = impl::mode::closed;
}

bool session_machine::in_data() const { return s_->m == impl::mode::data || s_->m == impl::mode::chunk; }
std::size_t session_machine::buffered() const { return s_->in.size() - s_->pos; }
std::uint64_t session_machine::lines_read() const { return s_->lines; }

// ---- input loop ---------------------------------------------------------------------------

impl::session_state(session_config c, std::function<std::string()> challenges)
    : cfg(std::move(c)), challenge_source(std::move(challenges)) {
  tls_active = cfg.implicit_tls;
  if (tls_active) tls_description = "TLS";  // refined by tls_started() if the adapter calls it
}

void impl::receive(std::string_view bytes) {
  // Closed: nothing more is read. Waiting for the TLS handshake: anything that arrives in
  // plaintext now is an injection attempt (CVE-2011-0411) and is dropped.
  if (m == mode::closed || m == mode::tls_pending) return;
  if (pos == in.size()) {
    in.clear();
    pos = 0;
  } else if (pos > 0 && pos >= in.size() / 2) {
    in.erase(0, pos);  // amortised: only when at least half the buffer is consumed
    pos = 0;
  }
  in.append(bytes);
}

step impl::run() {
  for (;;) {
    switch (m) {
      case mode::closed:
        return step::close;
      case mode::tls_pending:
        return step::start_tls;
      case mode::delivering:
        return ready_taken ? step::need_input : step::deliver;
      case mode::data:
        if (!pump_data()) return step::need_input;
        break;
      case mode::chunk:
        if (!pump_chunk()) return step::need_input;
        break;
      case mode::discard_line:
        if (!skip_line()) return step::need_input;
        break;
      case mode::command:
      case mode::auth:
        if (!pump_line()) return step::need_input;
        break;
    }
  }
}

bool impl::pump_line() {
  const std::string_view avail(in.data() + pos, in.size() - pos);
  const std::size_t lf = avail.find('\n');
  if (lf == std::string_view::npos) {
    // Without its LF the line already has max_line bytes: it can only be too long.
    if (avail.size() >= cfg.max_line) {
      pos = in.size();
      line_too_long(avail);
      if (m != mode::closed) m = mode::discard_line;
      return true;
    }
    return false;
  }
  std::string_view line = avail.substr(0, lf);
  pos += lf + 1;
  ++lines;
  if (lf + 1 > cfg.max_line) {
    line_too_long(line);
    return true;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF, or a lenient bare LF
  if (m == mode::auth) {
    handle_auth_line(line);
  } else {
    handle_command(line);
  }
  return true;
}

void impl::line_too_long(std::string_view prefix) {
  if (m == mode::command && parse_command(prefix.substr(0, 64)).name == verb::http) {
    send(replies::not_smtp(cfg.hostname));
    m = mode::closed;
    return;
  }
  auth.reset();  // an over-long SASL response ends the exchange
  m = mode::command;
  fail(replies::line_too_long());
}

bool impl::skip_line() {
  const std::string_view avail(in.data() + pos, in.size() - pos);
  const std::size_t lf = avail.find('\n');
  if (lf == std::string_view::npos) {
    pos = in.size();
    return false;
  }
  pos += lf + 1;
  ++lines;
  m = mode::command;
  return true;
}

bool impl::pump_data() {
  const auto r = reader.feed(std::string_view(in.data() + pos, in.size() - pos), data);
  pos += r.consumed;
  if (!r.done) return false;
  m = mode::command;
  if (reader.too_big()) {
    reset_transaction();
    send(replies::message_too_big());
  } else if (cfg.reject_bare_line_endings && reader.bare_line_endings()) {
    reset_transaction();
    send(replies::bare_line_endings());
  } else {
    complete_message();
  }
  return true;
}

bool impl::pump_chunk() {
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining, in.size() - pos));
  if (chunk == chunk_fate::keep) data.append(in, pos, n);
  pos += n;
  chunk_remaining -= n;
  if (chunk_remaining > 0) return false;

  m = mode::command;
  switch (chunk) {
    case chunk_fate::refuse_sequence:
      fail(chunk_refusal);
      break;
    case chunk_fate::refuse_size:
      reset_transaction();
      send(replies::message_too_big());
      break;
    case chunk_fate::keep:
      if (chunk_last) {
        complete_message();
      } else {
        send(replies::chunk_ok(chunk_size));
      }
      break;
  }
  return true;
}

void impl::complete_message() {
  ready = received_message{};
  ready.env.mail_from = std::move(tx.mail_from);
  ready.env.rcpt_to = std::move(tx.rcpt_to);
  ready.env.helo = helo;
  ready.env.tls = tls_description;
  ready.env.auth_user = auth_user;
  ready.env.smtputf8 = tx.smtputf8;
  ready.env.body_type = std::move(tx.body_type);
  ready.data = std::move(data);
  ready_taken = false;
  junk = 0;
  reset_transaction();
  m = mode::delivering;
}

void impl::tls_started(std::string_view description) {
  // CVE-2011-0411: nothing received before the handshake may be read as if it came over TLS.
  in.clear();
  pos = 0;
  reset_transaction();
  greeted = false;
  helo.clear();
  authenticated = false;
  auth_user.clear();
  auth.reset();
  tls_active = true;
  tls_description = std::string(description);
  if (m != mode::closed) m = mode::command;
}

void impl::send(const reply& r) { out += r.wire(); }

void impl::fail(const reply& r) {
  send(r);
  ++errors;
  if (cfg.max_errors > 0 && errors >= cfg.max_errors && m != mode::closed) {
    send(replies::too_many_errors(cfg.hostname));
    m = mode::closed;
  }
}

void impl::count_junk() {
  if (cfg.max_junk_commands == 0 || ++junk <= cfg.max_junk_commands) return;
  ++errors;
  if (cfg.max_errors > 0 && errors >= cfg.max_errors && m != mode::closed) {
    send(replies::too_many_errors(cfg.hostname));
    m = mode::closed;
  }
}

void impl::reset_transaction() {
  tx = transaction{};
  data.clear();
}

}  // namespace mailjar::smtp
