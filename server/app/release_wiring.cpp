#include "app/release_wiring.hpp"

#include <unistd.h>

#include <chrono>

#include "log/log.hpp"
#include "relay/auto_release.hpp"
#include "relay/dns_resolver.hpp"
#include "relay/protocol/delivery_runner.hpp"
#include "relay/protocol/outbound_message.hpp"
#include "relay/release_service.hpp"
#include "relay/smtp_client_asio.hpp"
#include "store/delivery_store.hpp"

namespace mailjar::app {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --hostname when given, else the machine's host name (EHLO and new Message-IDs).
std::string helo_name(const config& c) {
  if (c.hostname_set) return c.hostname;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') return buf;
  return "localhost";
}

relay::auth_mech mech_of(std::string m) {
  for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (m == "plain") return relay::auth_mech::plain;
  if (m == "login") return relay::auth_mech::login;
  if (m == "cram-md5") return relay::auth_mech::cram_md5;
  return relay::auth_mech::none;
}

}  // namespace

struct release_wiring::parts {
  std::unique_ptr<store::delivery_store> log;
  std::unique_ptr<relay::dns_resolver> resolver;
  relay::asio_smtp_client client;
  std::unique_ptr<relay::release_service> service;
  std::shared_ptr<relay::auto_release> auto_rel;
};

result<std::unique_ptr<release_wiring>> release_wiring::start(const config& c, mailbox& box,
                                                              events::event_bus& bus) {
  std::unique_ptr<release_wiring> w(new release_wiring());
  w->p_ = std::make_unique<parts>();
  parts& p = *w->p_;
  auto log = store::delivery_store::open(c.db_path);
  if (!log) return error{log.error_message()};
  p.log = std::move(*log);
  if (c.relay_mx) {
    relay::dns_options dns;
    dns.server = c.dns_server;
    try {
      p.resolver = std::make_unique<relay::dns_resolver>(dns);
    } catch (const std::exception& e) {
      return error{std::string("--dns-server: ") + e.what()};
    }
  }
  std::optional<relay::endpoint> smart;
  if (!c.relay_host.empty()) {
    smart = relay::parse_smart_host(c.relay_host, 25);
    if (!smart) return error{"--relay-host: cannot use '" + c.relay_host + "'"};
  }

  const std::string helo = helo_name(c);
  relay::client_options smart_opts;
  smart_opts.helo_name = helo;
  smart_opts.verify_certificates = !c.relay_insecure;
  smart_opts.auth = mech_of(c.relay_auth);
  smart_opts.user = c.relay_user;
  smart_opts.password = c.relay_password;
  smart_opts.tls = c.relay_tls == "none"  ? relay::tls_mode::none
                   : c.relay_tls == "tls" ? relay::tls_mode::implicit
                   : c.relay_auth.empty() ? relay::tls_mode::starttls_opportunistic
                                          : relay::tls_mode::starttls_required;
  relay::client_options mx_opts;
  mx_opts.helo_name = helo;
  mx_opts.tls =
      c.relay_mx_tls_require ? relay::tls_mode::starttls_required : relay::tls_mode::starttls_opportunistic;
  const auto mx_port = static_cast<std::uint16_t>(c.mx_port);

  auto transport = [&p, smart, smart_opts, mx_opts, mx_port, helo](
                       const relay::route& how, const std::string& mail_from,
                       const std::vector<std::string>& rcpts,
                       std::string_view data) -> relay::delivery_report {
    relay::run_options run;
    if (how.via) {  // MailHog's one-off host: plain or opportunistic TLS, its own credentials
      auto ep = relay::parse_smart_host(how.via->host + ":" + std::to_string(how.via->port), how.via->port);
      relay::client_options o;
      o.helo_name = helo;
      o.tls = relay::tls_mode::starttls_opportunistic;
      o.verify_certificates = false;
      o.auth = how.via->user.empty() ? relay::auth_mech::none : mech_of(how.via->mechanism);
      o.user = how.via->user;
      o.password = how.via_password;
      std::vector<relay::endpoint> hosts;
      if (ep) hosts.push_back(*ep);
      return relay::deliver_via(p.client, hosts, run, o, mail_from, rcpts, data);
    }
    if (how.mode == "mx") {
      run.port = mx_port;
      return relay::deliver_domain(p.client, p.resolver->resolve(how.domain), run, mx_opts, mail_from, rcpts,
                                   data);
    }
    return relay::deliver_via(p.client, {*smart}, run, smart_opts, mail_from, rcpts, data);
  };

  relay::release_config rc;
  rc.enabled = true;
  rc.mode = c.relay_mx ? "mx" : "relay";
  rc.smart_host = c.relay_host;
  auto policy = relay::release_policy::create(c.relay_allowed, c.relay_allow_any, c.relay_blocked);
  if (!policy) return error{policy.error_message()};
  rc.policy = std::move(*policy);
  auto retry = relay::retry_schedule::parse(c.relay_retry);
  if (!retry) return error{"--relay-retry: " + retry.error_message()};
  rc.retry = std::move(*retry);
  rc.return_path = c.relay_return_path;
  rc.override_from = c.relay_override_from;
  rc.new_message_id = c.relay_new_message_id;
  rc.hostname = helo;

  relay::release_deps deps{*p.log,
                           bus,
                           [&box](const std::string& uid) -> std::optional<relay::source_message> {
                             auto m = box.get(uid);
                             auto raw = box.raw(uid);
                             if (!m || !raw) return std::nullopt;
                             relay::source_message s;
                             s.raw = std::move(*raw);
                             s.env = m->env;
                             s.return_path = m->parsed.return_path;
                             if (m->parsed.from) s.from = m->parsed.from->addr;
                             return s;
                           },
                           [helo](const std::string& raw, const relay::prepare_request& r) {
                             relay::outbound_options o;
                             o.received_by = helo;
                             o.uid = r.uid;
                             o.date_unix = r.now_ms / 1000;
                             o.override_from = r.override_from;
                             o.new_message_id = r.new_message_id;
                             return relay::prepare_outbound(raw, o).bytes;
                           },
                           transport,
                           now_ms};
  p.service = std::make_unique<relay::release_service>(std::move(rc), std::move(deps));
  auto started = p.service->start();
  if (!started) return error{started.error_message()};

  if (!c.relay_auto.empty()) {
    page_request probe;  // a bad search is a start-up error, not a silent no-op
    probe.search = c.relay_auto;
    probe.limit = 1;
    if (auto r = box.list(probe); !r) return error{"--relay-auto: " + r.error_message()};
    p.auto_rel = std::make_shared<relay::auto_release>(c.relay_auto, box, *p.service);
    p.auto_rel->start();
    w->bus_ = &bus;
    w->subscription_ = bus.subscribe(p.auto_rel);
  }
  log::line(log::level::info, "release")
      .kv("mode", c.relay_mx ? "mx" : "relay")
      .kv("smart_host", c.relay_host)
      .kv("helo", helo)
      .kv("retry", c.relay_retry)
      .kv("auto", c.relay_auto)
      .emit();
  return w;
}

release_wiring::~release_wiring() {
  if (!p_) return;
  if (bus_) bus_->unsubscribe(subscription_);
  if (p_->auto_rel) p_->auto_rel->stop();
  if (p_->service) p_->service->stop();
}

release_port& release_wiring::port() { return *p_->service; }

}  // namespace mailjar::app
