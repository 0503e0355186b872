// One handler per SMTP verb: check the sequence, parse the arguments, change state, reply.
#include <algorithm>
#include <string>

#include "smtp/protocol/command_parser.hpp"
#include "smtp/protocol/replies.hpp"
#include "smtp/protocol/session_state.hpp"

namespace mailjar::smtp {

using impl = session_state;

namespace {

constexpr std::uint64_t max_reserve = 1u << 20;  // never pre-allocate more than this on a client's word

}  // namespace

void impl::handle_command(std::string_view line) {
  const command cmd = parse_command(line);
  switch (cmd.name) {
    case verb::http:
      send(replies::not_smtp(cfg.hostname));
      m = mode::closed;
      return;
    case verb::unknown:
      return fail(replies::unknown_command());
    case verb::not_implemented:
    case verb::expn:
      send(replies::not_implemented());
      return count_junk();
    case verb::helo:
      on_helo(cmd.args, false);
      return count_junk();
    case verb::ehlo:
      on_helo(cmd.args, true);
      return count_junk();
    case verb::mail:
      return on_mail(cmd.args);
    case verb::rcpt:
      return on_rcpt(cmd.args);
    case verb::data:
      return on_data(cmd.args);
    case verb::bdat:
      return on_bdat(cmd.args);
    case verb::rset:
      on_rset(cmd.args);
      return count_junk();
    case verb::noop:
      send(replies::ok());
      return count_junk();
    case verb::quit:
      send(replies::bye());
      m = mode::closed;
      return;
    case verb::vrfy:
      on_vrfy(cmd.args);
      return count_junk();
    case verb::help:
      send(replies::help());
      return count_junk();
    case verb::starttls:
      return on_starttls(cmd.args);
    case verb::auth:
      return on_auth(cmd.args);
  }
}

std::vector<std::string> impl::ehlo_keywords() const {
  std::vector<std::string> k{"PIPELINING", "SIZE " + std::to_string(cfg.max_message_size), "8BITMIME",
                             "SMTPUTF8", "ENHANCEDSTATUSCODES"};
  if (cfg.tls_available && !tls_active) k.emplace_back("STARTTLS");
  k.emplace_back("AUTH PLAIN LOGIN CRAM-MD5");
  k.emplace_back("CHUNKING");
  k.emplace_back("BINARYMIME");
  k.emplace_back("HELP");
  return k;
}

void impl::on_helo(std::string_view args, bool extended) {
  if (args.empty() || has_control_chars(args)) {
    return fail(replies::syntax(extended ? "EHLO hostname" : "HELO hostname"));
  }
  reset_transaction();  // RFC 5321 4.1.4: EHLO/HELO imply RSET
  greeted = true;
  helo = std::string(args);
  send(extended ? replies::ehlo(cfg.hostname, ehlo_keywords()) : replies::helo(cfg.hostname));
}

void impl::on_mail(std::string_view args) {
  if (!greeted) return fail(replies::need_helo());
  if (cfg.auth_required && !authenticated) return fail(replies::auth_required());
  if (tx.has_mail) return fail(replies::nested_mail());

  const path_command path = parse_path_command(args, "FROM");
  if (path.status == path_status::syntax) return fail(replies::syntax("MAIL FROM:<address>"));
  if (path.status == path_status::bad_address) return fail(replies::bad_sender());

  mail_options opts;
  switch (parse_mail_options(path.params, cfg.max_message_size, opts)) {
    case option_status::ok:
      break;
    case option_status::syntax:
      return fail(replies::syntax("MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME|BINARYMIME] [SMTPUTF8]"));
    case option_status::unknown:
      return fail(replies::unknown_parameter());
    case option_status::too_big:
      return send(replies::message_too_big());
  }

  tx = transaction{};
  tx.has_mail = true;
  tx.mail_from = std::string(path.address);
  tx.body_type = std::move(opts.body);
  tx.smtputf8 = opts.smtputf8;
  tx.declared_size = opts.size.value_or(0);
  send(replies::sender_ok());
}

void impl::on_rcpt(std::string_view args) {
  if (!tx.has_mail) return fail(replies::need_mail());

  const path_command path = parse_path_command(args, "TO");
  if (path.status == path_status::syntax) return fail(replies::syntax("RCPT TO:<address>"));
  if (path.status == path_status::bad_address || path.address.empty()) return fail(replies::bad_recipient());
  if (!path.params.empty()) return fail(replies::unknown_parameter());  // no DSN or other RCPT extensions

  if (tx.rcpt_to.size() >= cfg.max_recipients) {
    send(replies::too_many_recipients());
    return count_junk();
  }
  tx.rcpt_to.emplace_back(path.address);
  send(replies::recipient_ok());
}

void impl::on_data(std::string_view args) {
  if (!args.empty()) return fail(replies::syntax("DATA"));
  if (!tx.has_mail) return fail(replies::need_mail());
  if (tx.chunking) return fail(replies::data_after_bdat());
  if (tx.rcpt_to.empty()) return fail(replies::need_rcpt());
  if (tx.body_type == "BINARYMIME") return fail(replies::binarymime_needs_bdat());

  data.clear();
  data.reserve(static_cast<std::size_t>(
      std::min({tx.declared_size, max_reserve, std::uint64_t{cfg.max_message_size}})));
  reader.reset(cfg.max_message_size, tx.declared_size);
  m = mode::data;
  send(replies::start_data());
}

void impl::on_bdat(std::string_view args) {
  const auto cmd = parse_bdat(args);
  if (!cmd) return fail(replies::syntax("BDAT size [LAST]"));

  // The chunk follows the command whatever the verdict, so it is always read; the reply
  // comes after it (RFC 3030 2).
  chunk_remaining = cmd->size;
  chunk_size = cmd->size;
  chunk_last = cmd->last;
  chunk = chunk_fate::keep;
  m = mode::chunk;
  if (!tx.has_mail || tx.rcpt_to.empty()) {
    chunk = chunk_fate::refuse_sequence;
    chunk_refusal = tx.has_mail ? replies::need_rcpt() : replies::need_mail();
    return;
  }
  if (cmd->size > cfg.max_message_size - std::min<std::uint64_t>(tx.chunked_size, cfg.max_message_size)) {
    chunk = chunk_fate::refuse_size;
    return;
  }
  if (!tx.chunking) {
    tx.chunking = true;
    data.clear();
    data.reserve(static_cast<std::size_t>(
        std::min({tx.declared_size, max_reserve, std::uint64_t{cfg.max_message_size}})));
  }
  tx.chunked_size += cmd->size;
}

void impl::on_rset(std::string_view args) {
  if (!args.empty()) return fail(replies::syntax("RSET"));
  reset_transaction();
  send(replies::ok());
}

void impl::on_vrfy(std::string_view args) {
  if (args.empty() || has_control_chars(args)) return fail(replies::syntax("VRFY address"));
  send(replies::vrfy());
}

void impl::on_starttls(std::string_view args) {
  if (!args.empty()) return fail(replies::syntax("STARTTLS"));
  if (tls_active) return fail(replies::tls_already_active());
  if (!cfg.tls_available) return send(replies::tls_not_available());
  if (tx.has_mail) return fail(replies::transaction_in_progress());
  send(replies::ready_for_tls());
  m = mode::tls_pending;
}

std::string impl::next_cram_challenge() {
  std::string unique = challenge_source ? challenge_source() : std::string();
  if (unique.empty()) unique = std::to_string(++challenge_counter);
  if (unique.find('@') != std::string::npos) return "<" + unique + ">";  // the source already added a host
  return "<" + unique + "@" + cfg.hostname + ">";
}

void impl::on_auth(std::string_view args) {
  if (!greeted) return fail(replies::need_helo());
  if (authenticated) return fail(replies::already_authenticated());
  if (tx.has_mail) return fail(replies::transaction_in_progress());
  if (has_control_chars(args)) return fail(replies::syntax("AUTH mechanism [initial-response]"));

  const std::size_t sp = args.find(' ');
  const std::string_view name = args.substr(0, sp);
  std::optional<std::string_view> initial;
  if (sp != std::string_view::npos) {
    initial = args.substr(args.find_first_not_of(' ', sp));
    if (initial->find(' ') != std::string_view::npos)
      return fail(replies::syntax("AUTH mechanism [initial-response]"));
  }
  if (name.empty()) return fail(replies::syntax("AUTH mechanism [initial-response]"));
  const auto mechanism = parse_auth_mechanism(name);
  if (!mechanism) return fail(replies::auth_unknown_mechanism());

  auth.emplace(*mechanism, *mechanism == auth_mechanism::cram_md5 ? next_cram_challenge() : std::string());
  on_auth_step(auth->start(initial));
}

void impl::handle_auth_line(std::string_view line) {
  if (!auth) {  // cannot happen: auth mode always has an exchange
    m = mode::command;
    return fail(replies::auth_malformed());
  }
  on_auth_step(auth->respond(line));
}

void impl::on_auth_step(auth_step s) {
  if (s.what == auth_step::kind::challenge) {
    m = mode::auth;
    return send(replies::auth_challenge(s.text));
  }
  m = mode::command;
  auth.reset();
  switch (s.what) {
    case auth_step::kind::credentials:
      if (!check_credentials(cfg.users, s.creds)) return fail(replies::auth_failed());
      authenticated = true;
      auth_user = std::move(s.creds.user);
      return send(replies::auth_ok());
    case auth_step::kind::cancelled:
      return send(replies::auth_cancelled());
    case auth_step::kind::malformed:
    case auth_step::kind::challenge:
      return fail(replies::auth_malformed());
  }
}

}  // namespace mailjar::smtp
