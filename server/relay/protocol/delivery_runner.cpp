#include "relay/protocol/delivery_runner.hpp"

#include <charconv>
#include <optional>

#include "relay/protocol/client_machine.hpp"
#include "relay/protocol/mx_order.hpp"

namespace mailjar::relay {

namespace {

// One session with `to` for the recipients still temporary; merges its outcomes into `rep`.
// Returns false when nobody was pending (nothing to do).
bool run_session(smtp_client& client, const endpoint& to, const client_options& opts,
                 const std::string& mail_from, const std::vector<std::string>& rcpts,
                 std::string_view message, delivery_report& rep) {
  std::vector<std::string> pending;
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < rep.recipients.size(); ++i) {
    if (rep.recipients[i].status == rcpt_status::temporary) {
      pending.push_back(rcpts[i]);
      index.push_back(i);
    }
  }
  if (pending.empty()) return false;
  attempt a = client.deliver(to, opts, mail_from, pending, message);
  for (std::size_t k = 0; k < index.size() && k < a.recipients.size(); ++k) {
    rep.recipients[index[k]] = a.recipients[k];
    rep.recipients[index[k]].address = rcpts[index[k]];
  }
  for (std::size_t k = a.recipients.size(); k < index.size();
       ++k) {  // a client that reported nothing for some
    auto& o = rep.recipients[index[k]];
    o.code = 0;
    o.reply = a.error.empty() ? "no outcome reported" : a.error;
  }
  rep.attempts.push_back(std::move(a));
  return true;
}

// Runs sessions over `targets` in order, carrying recipients still temporary to the next one.
// Opportunistic STARTTLS whose handshake fails is retried once with the same host in plaintext
// (as Postfix does at security level "may"): a broken TLS stack should not stop mail that would
// have gone out in plaintext to a server not offering STARTTLS at all.
delivery_report run_hosts(smtp_client& client, const std::vector<endpoint>& targets, const run_options& run,
                          const client_options& opts, const std::string& mail_from,
                          const std::vector<std::string>& rcpts, std::string_view message) {
  delivery_report rep;
  for (const auto& r : rcpts) rep.recipients.push_back({r, rcpt_status::temporary, 0, "not attempted"});
  if (targets.empty()) {
    for (auto& o : rep.recipients) o.reply = "no host to try";
    return rep;
  }
  for (const auto& to : targets) {
    if (rep.attempts.size() >= run.max_attempts) break;
    if (!run_session(client, to, opts, mail_from, rcpts, message, rep)) break;
    const auto& last = rep.attempts.back();
    if (opts.tls == tls_mode::starttls_opportunistic && last.error.rfind(tls_handshake_failed, 0) == 0 &&
        rep.attempts.size() < run.max_attempts) {
      client_options plain = opts;
      plain.tls = tls_mode::none;
      run_session(client, to, plain, mail_from, rcpts, message, rep);
    }
  }
  return rep;
}

}  // namespace

delivery_report deliver_domain(smtp_client& client, const mx_result& mx, const run_options& run,
                               const client_options& opts, const std::string& mail_from,
                               const std::vector<std::string>& rcpts, std::string_view message) {
  if (mx.outcome != dns_outcome::ok) {
    delivery_report rep;
    const auto st = mx.outcome == dns_outcome::temporary ? rcpt_status::temporary : rcpt_status::permanent;
    std::string why = mx.detail;
    if (why.empty()) {
      why = mx.outcome == dns_outcome::nxdomain  ? "domain does not exist (NXDOMAIN)"
            : mx.outcome == dns_outcome::null_mx ? "domain accepts no mail (null MX)"
                                                 : "temporary DNS failure";
    }
    for (const auto& r : rcpts) rep.recipients.push_back({r, st, 0, why});
    return rep;
  }
  return run_hosts(client, mx_endpoints(mx, run.port), run, opts, mail_from, rcpts, message);
}

delivery_report deliver_via(smtp_client& client, const std::vector<endpoint>& hosts, const run_options& run,
                            const client_options& opts, const std::string& mail_from,
                            const std::vector<std::string>& rcpts, std::string_view message) {
  return run_hosts(client, hosts, run, opts, mail_from, rcpts, message);
}

std::optional<endpoint> parse_smart_host(std::string_view hp, std::uint16_t default_port) {
  endpoint ep;
  ep.port = default_port;
  std::string_view host = hp, port;
  if (!hp.empty() && hp.front() == '[') {
    const auto close = hp.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = hp.substr(1, close - 1);
    const auto rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
    ep.address = std::string(host);
  } else {
    const auto colon = hp.rfind(':');
    if (colon != std::string_view::npos) {
      if (hp.find(':') != colon) return std::nullopt;  // bare IPv6 needs brackets
      host = hp.substr(0, colon);
      port = hp.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (host.empty()) return std::nullopt;
  for (const char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '@') return std::nullopt;
  }
  if (!port.empty()) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535) return std::nullopt;
    ep.port = static_cast<std::uint16_t>(v);
  }
  ep.host = std::string(host);
  if (ep.address.empty() && is_ip_literal(ep.host)) ep.address = ep.host;
  return ep;
}

}  // namespace mailjar::relay
