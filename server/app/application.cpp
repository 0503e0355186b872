#include "app/application.hpp"

#include <unistd.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app/config.hpp"
#include "events/event_bus.hpp"
#include "ingest/ingest_service.hpp"
#include "log/log.hpp"
#include "smtp/smtp_server.hpp"
#include "store/sqlite_store.hpp"
#include "tls/tls_context.hpp"

extern char** environ;

namespace mailjar::app {

namespace asio = boost::asio;

namespace {

std::map<std::string, std::string> read_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("MAILJAR_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

int fail(const std::string& reason) {
  std::fprintf(stderr, "mailjar: %s\n", reason.c_str());
  return 2;
}

smtp::server_options smtp_options(const config& c, cidr_list allow) {
  smtp::server_options o;
  o.session.hostname = c.hostname;
  o.session.max_message_size = c.smtp_max_message_size;
  o.session.max_recipients = c.smtp_max_recipients;
  o.session.reject_bare_line_endings = c.smtp_reject_bare_lf;
  o.session.users = c.smtp_users;
  o.session.auth_required = !c.smtp_users.empty();
  o.timeout = std::chrono::seconds(c.smtp_timeout_s);
  o.max_connections = c.smtp_max_connections;
  o.allow = std::move(allow);
  return o;
}

int run(const config& c) {
  log::set_verbose(c.verbose);
  auto allow = cidr_list::parse(c.smtp_allow);
  if (!allow) return fail("--smtp-allow: " + allow.error_message());

  std::shared_ptr<asio::ssl::context> tls;
  try {
    if (!c.smtp_tls_cert.empty()) {
      tls = tls::server_context_from_files(c.smtp_tls_cert, c.smtp_tls_key);
    } else if (c.smtp_tls_self_signed) {
      tls = tls::server_context_self_signed(c.hostname);
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  store::store_config sc;
  sc.path = c.db_path;
  sc.sync_full = c.db_sync_full;
  sc.max_messages = c.max_messages;
  sc.max_age_ms = c.max_age_ms;
  auto opened = store::sqlite_store::open(sc);
  if (!opened) return fail(opened.error_message());
  std::unique_ptr<store::sqlite_store> db = std::move(*opened);

  asio::io_context io(1);
  events::event_bus bus;
  // MIME parsing is CPU work: it runs here, never on the network thread.
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  asio::thread_pool parse_pool(cores);
  ingest::ingest_service ingest(
      *db, bus, [&parse_pool](std::function<void()> job) { asio::post(parse_pool, std::move(job)); });

  smtp::smtp_server smtp(io, smtp_options(c, std::move(*allow)), ingest, tls);
  // Bind every listener before logging any: a start-up failure prints exactly one line.
  std::string bound, bound_tls;
  try {
    bound = smtp.listen(c.smtp_addr, false);
    if (!c.smtps_addr.empty()) bound_tls = smtp.listen(c.smtps_addr, true);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  log::line(log::level::info, "listening")
      .kv("listener", "smtp")
      .kv("addr", bound)
      .kv("tls", tls ? "starttls" : "off")
      .emit();
  if (!bound_tls.empty())
    log::line(log::level::info, "listening").kv("listener", "smtps").kv("addr", bound_tls).emit();
  log::line(log::level::info, "started").kv("version", MAILJAR_VERSION).kv("db", c.db_path).emit();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::line(log::level::info, "stopping").kv("signal", sig).emit();
    smtp.stop();
    io.stop();
  });
  ::signal(SIGPIPE, SIG_IGN);
  io.run();

  // Shutdown order: no new network work; finish parsing what arrived; drain the store.
  smtp.stop();
  parse_pool.join();
  auto st = ingest.stats();
  db.reset();
  log::line(log::level::info, "stopped")
      .kv("stored", static_cast<long long>(st.accepted))
      .kv("failed", static_cast<long long>(st.failed))
      .emit();
  return 0;
}

}  // namespace

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cfg = parse_config(args, read_environment());
  if (!cfg) return fail(cfg.error_message());
  if (cfg->show_help) {
    std::cout << help_text();
    return 0;
  }
  if (cfg->show_version) {
    std::cout << "mailjar " << MAILJAR_VERSION << "\n";
    return 0;
  }
  try {
    return run(*cfg);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace mailjar::app
