#include "relay/protocol/client_machine.hpp"

#include <cstdint>
#include <optional>
#include <utility>

#include "smtp/protocol/auth.hpp"
#include "smtp/protocol/base64.hpp"

namespace mailjar::relay {

namespace {

bool valid_address(std::string_view a) {
  for (const char c : a) {
    const auto u = static_cast<std::uint8_t>(c);
    if (u < 0x20 || u == 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

bool non_ascii(std::string_view a) {
  for (const char c : a) {
    if (static_cast<std::uint8_t>(c) >= 0x80) return true;
  }
  return false;
}

rcpt_status status_of(int code) {
  if (code >= 200 && code < 300) return rcpt_status::delivered;
  if (code >= 500) return rcpt_status::permanent;
  return rcpt_status::temporary;
}

const char* mech_name(auth_mech m) {
  switch (m) {
    case auth_mech::plain:
      return "PLAIN";
    case auth_mech::login:
      return "LOGIN";
    case auth_mech::cram_md5:
      return "CRAM-MD5";
    case auth_mech::none:
      break;
  }
  return "";
}

}  // namespace

std::string dot_stuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (const char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!message.empty() && !(message.size() >= 2 && message.substr(message.size() - 2) == "\r\n"))
    out += "\r\n";
  out += ".\r\n";
  return out;
}

client_machine::client_machine(session_plan plan) : plan_(std::move(plan)), parser_(plan_.limits) {
  const std::size_t n = plan_.rcpts.size();
  accepted_.assign(n, false);
  decided_.assign(n, false);
  smtputf8_ = non_ascii(plan_.mail_from);
  for (std::size_t i = 0; i < n; ++i) {
    rcpt_outcome o;
    o.address = plan_.rcpts[i];
    if (!valid_address(o.address) || o.address.empty()) {
      o.status = rcpt_status::permanent;
      o.reply = "invalid recipient address (not sent)";
      decided_[i] = true;
    }
    smtputf8_ = smtputf8_ || non_ascii(o.address);
    result_.recipients.push_back(std::move(o));
  }
  if (!valid_address(plan_.mail_from)) {
    decide_pending(rcpt_status::permanent, 0, "invalid sender address (not sent)");
    result_.error = "invalid sender address";
    state_ = state::closed;
  }
  if (plan_.opts.tls == tls_mode::implicit) tls_tried_ = true;
}

const char* client_machine::state_name(state s) {
  switch (s) {
    case state::greeting:
      return "the greeting";
    case state::ehlo:
      return "EHLO";
    case state::helo:
      return "HELO";
    case state::starttls:
      return "STARTTLS";
    case state::tls_handshake:
      return "the TLS handshake";
    case state::auth_start:
    case state::auth_user:
    case state::auth_result:
      return "AUTH";
    case state::mail:
      return "MAIL FROM";
    case state::rcpt:
      return "RCPT TO";
    case state::data:
      return "DATA";
    case state::data_end:
      return "the end of data";
    case state::quit:
      return "QUIT";
    case state::closed:
      break;
  }
  return "the end of the session";
}

void client_machine::receive(std::string_view bytes) { parser_.feed(bytes); }

std::string client_machine::take_output() { return std::exchange(out_, {}); }

std::vector<transcript_line> client_machine::take_transcript() { return std::exchange(transcript_, {}); }

void client_machine::send(std::string line, std::string shown) {
  transcript_.push_back({'C', shown.empty() ? line : std::move(shown), 0});
  out_ += line;
  out_ += "\r\n";
}

void client_machine::info(std::string text) { transcript_.push_back({'I', std::move(text), 0}); }

client_step client_machine::next() {
  while (state_ != state::closed) {
    if (state_ == state::tls_handshake) return client_step::start_tls;
    server_reply r;
    const auto st = parser_.next(r);
    if (st == reply_parser::status::need_more) return client_step::need_input;
    if (st == reply_parser::status::error) {
      fail_session("malformed reply to " + std::string(state_name(state_)) + ": " + parser_.error(), false);
      break;
    }
    for (auto& l : r.wire_lines()) transcript_.push_back({'S', std::move(l), 0});
    on_reply(r);
  }
  return client_step::done;
}

void client_machine::decide_pending(rcpt_status st, int code, const std::string& reply) {
  for (std::size_t i = 0; i < decided_.size(); ++i) {
    if (decided_[i]) continue;
    decided_[i] = true;
    auto& o = result_.recipients[i];
    o.status = st;
    o.code = code;
    o.reply = reply;
  }
}

void client_machine::fail_session(std::string why, bool quit, int code, const std::string& reply) {
  info("error: " + why);
  if (result_.error.empty()) result_.error = std::move(why);
  decide_pending(rcpt_status::temporary, code, reply);
  if (quit) {
    send_quit();
  } else {
    state_ = state::closed;
  }
}

void client_machine::send_quit() {
  send("QUIT");
  state_ = state::quit;
  wait_ = wait_kind::command;
}

void client_machine::on_reply(const server_reply& r) {
  const int k = r.kind();
  // 421 at any point means the server is closing the channel (RFC 5321 3.8): no QUIT.
  if (r.code == 421 && state_ != state::greeting && state_ != state::quit) {
    fail_session("server closing the session after " + std::string(state_name(state_)) + ": 421", false,
                 r.code, r.text());
    return;
  }
  switch (state_) {
    case state::greeting:
      if (k == 2) {
        send("EHLO " + plan_.opts.helo_name);
        state_ = state::ehlo;
      } else {
        fail_session("greeting refused: " + std::to_string(r.code), true, r.code, r.text());
      }
      return;
    case state::ehlo:
      if (k == 2) {
        caps_ = parse_ehlo(r);
        after_hello();
      } else if (k == 5) {
        send("HELO " + plan_.opts.helo_name);
        state_ = state::helo;
      } else {
        fail_session("EHLO refused: " + std::to_string(r.code), true, r.code, r.text());
      }
      return;
    case state::helo:
      if (k == 2) {
        caps_ = {};
        after_hello();
      } else {
        fail_session("HELO refused: " + std::to_string(r.code), true, r.code, r.text());
      }
      return;
    case state::starttls:
      if (r.code == 220) {
        if (const auto dropped = parser_.discard_buffered()) {
          info("discarded " + std::to_string(dropped) + " octets the server sent before the TLS handshake");
        }
        state_ = state::tls_handshake;
      } else if (plan_.opts.tls == tls_mode::starttls_required) {
        fail_session("STARTTLS refused: " + std::to_string(r.code), true, r.code, r.text());
      } else {
        info("STARTTLS refused; going on without TLS");
        after_hello();
      }
      return;
    case state::auth_start:
      if (r.code != 334) break;
      if (plan_.opts.auth == auth_mech::login) {
        send(smtp::base64_encode(plan_.opts.user), "***");
        state_ = state::auth_user;
      } else {
        // CRAM-MD5: the challenge only feeds the digest; none of its bytes are sent back.
        const auto challenge = r.lines.size() == 1 ? smtp::base64_decode(r.lines[0]) : std::nullopt;
        if (!challenge || challenge->empty()) {
          fail_session("malformed CRAM-MD5 challenge", true, r.code, r.text());
          return;
        }
        const std::string digest = smtp::cram_md5_digest(plan_.opts.password, *challenge);
        send(smtp::base64_encode(plan_.opts.user + " " + digest), "***");
        state_ = state::auth_result;
      }
      return;
    case state::auth_user:
      if (r.code != 334) break;
      send(smtp::base64_encode(plan_.opts.password), "***");
      state_ = state::auth_result;
      return;
    case state::auth_result:
      if (k != 2) break;
      authenticated_ = true;
      start_mail();
      return;
    case state::mail:
      if (k == 2) {
        send_next_rcpt_or_data();
      } else if (k == 5) {
        decide_pending(rcpt_status::permanent, r.code, r.text());
        send_quit();
      } else {
        fail_session("MAIL FROM refused: " + std::to_string(r.code), true, r.code, r.text());
      }
      return;
    case state::rcpt: {
      const std::size_t i = next_rcpt_ - 1;
      if (k == 2) {
        accepted_[i] = true;
      } else {
        auto& o = result_.recipients[i];
        o.status = status_of(r.code);
        if (o.status == rcpt_status::delivered) o.status = rcpt_status::temporary;
        o.code = r.code;
        o.reply = r.text();
        decided_[i] = true;
      }
      send_next_rcpt_or_data();
      return;
    }
    case state::data:
      if (r.code == 354) {
        const std::string stuffed = dot_stuff(plan_.message);
        info("message: " + std::to_string(stuffed.size()) + " octets (dot-stuffed)");
        transcript_.push_back({'C', ".", 0});
        out_ += stuffed;
        state_ = state::data_end;
        wait_ = wait_kind::data_end;
      } else {
        const auto st = k == 5 ? rcpt_status::permanent : rcpt_status::temporary;
        decide_pending(st, r.code, r.text());
        send_quit();
      }
      return;
    case state::data_end:
      wait_ = wait_kind::command;
      decide_pending(status_of(r.code), r.code, r.text());
      send_quit();
      return;
    case state::quit:
      state_ = state::closed;
      return;
    case state::tls_handshake:
    case state::closed:
      return;
  }
  // AUTH answered with something other than the expected 334/235.
  fail_session(std::string("authentication failed: ") + std::to_string(r.code), true, r.code, r.text());
}

void client_machine::after_hello() {
  const auto mode = plan_.opts.tls;
  if (!tls_tried_ && (mode == tls_mode::starttls_opportunistic || mode == tls_mode::starttls_required)) {
    if (caps_.starttls) {
      tls_tried_ = true;
      send("STARTTLS");
      state_ = state::starttls;
      return;
    }
    if (mode == tls_mode::starttls_required) {
      fail_session("STARTTLS required but not offered", true);
      return;
    }
  }
  tls_tried_ = true;
  if (plan_.opts.auth != auth_mech::none && !authenticated_) {
    start_auth();
  } else {
    start_mail();
  }
}

void client_machine::start_auth() {
  const char* name = mech_name(plan_.opts.auth);
  if (!caps_.has_auth(name)) {
    fail_session(std::string("AUTH ") + name + " not offered by the server", true);
    return;
  }
  switch (plan_.opts.auth) {
    case auth_mech::plain: {
      std::string token;
      token += '\0';
      token += plan_.opts.user;
      token += '\0';
      token += plan_.opts.password;
      send("AUTH PLAIN " + smtp::base64_encode(token), "AUTH PLAIN ***");
      state_ = state::auth_result;
      return;
    }
    case auth_mech::login:
    case auth_mech::cram_md5:
      send(std::string("AUTH ") + name);
      state_ = state::auth_start;
      return;
    case auth_mech::none:
      break;
  }
  start_mail();
}

void client_machine::start_mail() {
  bool any = false;
  for (const bool d : decided_) any = any || !d;
  if (!any) {
    send_quit();
    return;
  }
  const std::size_t size = plan_.message.size();
  if (caps_.size && caps_.size_limit > 0 && size > caps_.size_limit) {
    decide_pending(rcpt_status::permanent, 0,
                   "message size " + std::to_string(size) + " exceeds the server's SIZE " +
                       std::to_string(caps_.size_limit));
    send_quit();
    return;
  }
  std::string cmd = "MAIL FROM:<" + plan_.mail_from + ">";
  if (smtputf8_) {
    if (!caps_.smtputf8) {
      decide_pending(rcpt_status::permanent, 0, "non-ASCII address but the server does not offer SMTPUTF8");
      send_quit();
      return;
    }
    cmd += " SMTPUTF8";
  }
  if (plan_.eight_bit) {
    if (caps_.eight_bit_mime) {
      cmd += " BODY=8BITMIME";
    } else {
      info("8-bit message but the server does not offer 8BITMIME; sent as is");
    }
  }
  if (caps_.size) cmd += " SIZE=" + std::to_string(size);
  send(std::move(cmd));
  state_ = state::mail;
}

void client_machine::send_next_rcpt_or_data() {
  while (next_rcpt_ < plan_.rcpts.size() && decided_[next_rcpt_]) ++next_rcpt_;
  if (next_rcpt_ < plan_.rcpts.size()) {
    send("RCPT TO:<" + plan_.rcpts[next_rcpt_] + ">");
    ++next_rcpt_;
    state_ = state::rcpt;
    return;
  }
  bool any = false;
  for (const bool a : accepted_) any = any || a;
  if (any) {
    send("DATA");
    state_ = state::data;
  } else {
    send_quit();
  }
}

void client_machine::tls_started(std::string_view description) {
  result_.tls_active = true;
  tls_tried_ = true;
  info("TLS established: " + std::string(description));
  if (plan_.opts.tls == tls_mode::implicit && state_ == state::greeting) return;  // greeting comes next
  caps_ = {};
  send("EHLO " + plan_.opts.helo_name);
  state_ = state::ehlo;
}

void client_machine::tls_failed(std::string_view why) {
  fail_session(std::string(tls_handshake_failed) + ": " + std::string(why), false);
}

void client_machine::timed_out() {
  if (state_ == state::quit || state_ == state::closed) {
    state_ = state::closed;
    return;
  }
  fail_session(std::string("timeout waiting for the reply to ") + state_name(state_), false);
}

void client_machine::connection_lost(std::string_view why) {
  if (state_ == state::quit || state_ == state::closed) {
    state_ = state::closed;
    return;
  }
  fail_session(
      std::string("connection lost waiting for the reply to ") + state_name(state_) + ": " + std::string(why),
      false);
}

}  // namespace mailjar::relay

namespace mailjar::relay {

void client_machine::not_connected(std::string_view why) {
  if (state_ == state::closed) return;
  fail_session(std::string(why), false);
}

}  // namespace mailjar::relay
