#include "app/application.hpp"

#include <unistd.h>

#include <csignal>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "api/dto_message.hpp"
#include "api/mailhog_content.hpp"
#include "api/router.hpp"
#include "app/config.hpp"
#include "app/release_wiring.hpp"
#include "events/event_bus.hpp"
#include "http/basic_auth.hpp"
#include "http/http_server.hpp"
#include "http/ws_hub.hpp"
#include "ingest/ingest_service.hpp"
#include "log/log.hpp"
#include "log/thread_name.hpp"
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
  o.data_timeout = std::chrono::seconds(c.smtp_data_timeout_s);
  o.max_connections = c.smtp_max_connections;
  o.allow = std::move(allow);
  return o;
}

http::http_options http_options_of(const config& c) {
  http::http_options o;
  o.webroot = c.webroot;
  o.webui_dir = c.webui_dir;
  o.allow_hosts = c.http_allow_hosts;
  o.cors_origins = c.cors_origins;
  o.max_body = c.http_max_body;
  o.max_connections = c.http_max_connections;
  o.idle_timeout = std::chrono::seconds(c.http_idle_timeout_s);
  o.ws_max_queue = c.ws_queue_limit;
  // /api/v1/send carries a whole message (plus JSON and base64 overhead for attachments).
  o.max_send_body = c.smtp_max_message_size + c.smtp_max_message_size / 3 + (64 << 10);
  return o;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// /api/v1/send: the same path as SMTP (parse, store, publish); blocks the API worker until the
// commit answered, like the SMTP client waiting for its 250.
// Counted apart so that RuntimeStats.SMTPAccepted means what it says (as in Mailpit).
struct api_sent_counter {
  std::atomic<std::uint64_t> messages{0}, bytes{0};
};

api::send_fn send_through(ingest::ingest_service& ingest, api_sent_counter& sent) {
  return [&ingest, &sent](envelope env, std::string raw) -> result<std::string> {
    if (env.received_ms == 0) env.received_ms = now_ms();
    const std::uint64_t size = raw.size();
    auto done = std::make_shared<std::promise<ingest::ingest_outcome>>();
    auto outcome = done->get_future();
    ingest.ingest(std::move(env), std::move(raw),
                  [done](ingest::ingest_outcome o) { done->set_value(std::move(o)); });
    auto o = outcome.get();
    if (!o.stored) return error{o.reason};
    sent.messages++;
    sent.bytes += size;
    return o.uid;
  };
}

// /api/v1/info RuntimeStats: counters kept outside the mailbox.
api::runtime_stats_fn runtime_of(ingest::ingest_service& ingest, store::sqlite_store& store,
                                 const api_sent_counter& sent) {
  return [&ingest, &store, &sent] {
    auto in = ingest.stats();
    api::runtime_stats r;
    r.memory_bytes = resident_bytes();
    r.messages_deleted = store.write_stats().pruned;
    r.smtp_accepted = in.accepted - std::min(in.accepted, sent.messages.load());
    r.smtp_accepted_bytes = in.accepted_bytes - std::min(in.accepted_bytes, sent.bytes.load());
    r.smtp_rejected = in.failed;
    return r;
  };
}

// How the WebSocket hub renders events: the API's own DTOs, so frames match the REST shapes.
http::hub_codecs hub_codecs_for(mailbox& box) {
  http::hub_codecs codecs;
  codecs.summary_json = [](const message_summary& m) {
    return api::json(api::make_summary_dto(m)).dump(-1, ' ', false, api::json::error_handler_t::replace);
  };
  codecs.mailhog_json = [&box](const message_summary& m) -> std::optional<std::string> {
    auto stored = box.get(m.uid);
    auto raw = box.raw(m.uid);
    if (!stored || !raw) return std::nullopt;  // deleted meanwhile
    return api::json(api::make_mailhog_message(*stored, *raw))
        .dump(-1, ' ', false, api::json::error_handler_t::replace);
  };
  codecs.stats = [&box] {
    auto st = box.stats();
    return http::hub_stats{st.messages, st.unread};
  };
  codecs.version = MAILJAR_VERSION;
  return codecs;
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
  std::shared_ptr<asio::ssl::context> http_tls;
  try {
    if (!c.http_tls_cert.empty()) http_tls = tls::server_context_from_files(c.http_tls_cert, c.http_tls_key);
  } catch (const std::exception& e) {
    return fail(std::string("--http-tls-cert: ") + e.what());
  }
  std::shared_ptr<const http::basic_auth> http_auth;
  if (!c.http_users.empty()) {
    auto a = http::basic_auth::create(c.http_users);
    if (!a) return fail("--http-auth: " + a.error_message());
    http_auth = std::move(*a);
  }

  // Events flow from the store (pruning) and ingest to the WebSocket hub through the bus.
  events::event_bus bus;

  store::store_config sc;
  sc.path = c.db_path;
  sc.sync_full = c.db_sync_full;
  sc.max_messages = c.max_messages;
  sc.max_age_ms = c.max_age_ms;
  sc.on_pruned = [&bus](std::uint64_t) { bus.pruned(); };
  auto opened = store::sqlite_store::open(sc);
  if (!opened) return fail(opened.error_message());
  std::unique_ptr<store::sqlite_store> db = std::move(*opened);

  asio::io_context io(1);
  // MIME parsing is CPU work: it runs here, not on the network thread, except for messages of
  // up to 16 KiB (most application mail), which the network thread parses itself. For those the
  // hand-off costs more than the parse (a 2 KB message: ~30 us to parse, two thread wake-ups
  // saved; 2 KB ingest +13 %). Small messages with many MIME entities (4 000 empty parts in
  // 16 KiB: ~6 ms) still go to the pool; the worst we know left here is ~1.3 ms (2 000 header
  // lines).
  constexpr std::size_t parse_on_network_thread_max = 16 * 1024;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  asio::thread_pool parse_pool(cores);
  ingest::ingest_service ingest(
      *db, bus,
      [&parse_pool](std::function<void()> job) {
        asio::post(parse_pool, [job = std::move(job)] {
          static thread_local const bool named = (log::name_this_thread("mj-parse"), true);
          (void)named;
          job();
        });
      },
      mime::parse_limits{}, parse_on_network_thread_max);

  api::settings settings;
  settings.version = MAILJAR_VERSION;
  settings.label = c.label;
  settings.max_message_size = c.smtp_max_message_size;
  settings.webroot = c.webroot;
  settings.database_path = c.db_path;
  mailbox& box = *db;
  // Release (issue 5), only when configured: its threads stop before the store closes.
  std::unique_ptr<release_wiring> release;
  if (c.release_enabled()) {
    auto started = release_wiring::start(c, box, bus);
    if (!started) return fail(started.error_message());
    release = std::move(*started);
  }
  api_sent_counter api_sent;
  api::router router(api::services{box, bus, send_through(ingest, api_sent), settings,
                                   runtime_of(ingest, *db, api_sent), release ? &release->port() : nullptr});
  // The API blocks on SQLite: it runs on its own workers, never on the network thread. Declared
  // after the router: jobs still queued when it is destroyed (early return) run against a live one.
  asio::thread_pool api_pool(std::max(4u, cores));
  auto hub = std::make_shared<http::ws_hub>(hub_codecs_for(box));
  auto hub_subscription = bus.subscribe(hub);
  struct hub_guard {  // early returns too: no hub thread may outlive the store it reads
    events::event_bus& bus;
    std::uint64_t id;
    std::shared_ptr<http::ws_hub> hub;
    ~hub_guard() {
      bus.unsubscribe(id);
      hub->stop();
    }
  } hub_guard{bus, hub_subscription, hub};
  std::string bound;  // the SMTP listener's address, shown by the web UI's empty state
  auto web_options = http_options_of(c);
  web_options.smtp_address = [&bound] { return bound; };  // set below, before any request is served
  http::http_server web(
      io, std::move(web_options), http_auth, [&router](const api::request& r) { return router.handle(r); },
      hub,
      [&api_pool](std::function<void()> job) {
        asio::post(api_pool, [job = std::move(job)] {
          static thread_local const bool named = (log::name_this_thread("mj-api"), true);
          (void)named;
          job();
        });
      },
      http_tls);

  auto smtp_opts = smtp_options(c, std::move(*allow));
  smtp_opts.errors = &bus;  // 4xx/5xx replies reach WebSocket clients as `error` frames (Mailpit)
  smtp::smtp_server smtp(io, std::move(smtp_opts), ingest, tls);
  // Bind every listener before logging any: a start-up failure prints exactly one line.
  std::string bound_tls, bound_http;
  try {
    bound = smtp.listen(c.smtp_addr, false);
    if (!c.smtps_addr.empty()) bound_tls = smtp.listen(c.smtps_addr, true);
    bound_http = web.listen(c.http_addr);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  // Handlers before the "listening" lines: whoever waits for them may signal at once.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::line(log::level::info, "stopping").kv("signal", sig).emit();
    smtp.stop();
    web.stop();
    io.stop();
  });
  log::line(log::level::info, "listening")
      .kv("listener", "smtp")
      .kv("addr", bound)
      .kv("tls", tls ? "starttls" : "off")
      .emit();
  if (!bound_tls.empty())
    log::line(log::level::info, "listening").kv("listener", "smtps").kv("addr", bound_tls).emit();
  log::line(log::level::info, "listening")
      .kv("listener", "http")
      .kv("addr", bound_http)
      .kv("tls", http_tls ? "on" : "off")
      .kv("webroot", c.webroot)
      .emit();
  log::line(log::level::info, "started").kv("version", MAILJAR_VERSION).kv("db", c.db_path).emit();

  ::signal(SIGPIPE, SIG_IGN);
  io.run();

  // Shutdown order: no new network work; finish the API calls in flight (they may still be
  // sending through ingest); finish parsing what arrived; drain the store.
  smtp.stop();
  web.stop();
  bus.unsubscribe(hub_subscription);
  hub->stop();
  api_pool.join();
  release.reset();  // sessions in flight finish; deferred recipients wait in the database
  parse_pool.join();
  auto st = ingest.stats();
  const auto ws = db->write_stats();
  db.reset();
  log::line(log::level::info, "stopped")
      .kv("stored", static_cast<long long>(st.accepted))
      .kv("failed", static_cast<long long>(st.failed))
      .kv("commits", static_cast<long long>(ws.commits))
      .kv("largest_batch", static_cast<long long>(ws.largest_batch))
      .kv("writer_busy_ms", static_cast<long long>(ws.writer_busy_ns / 1'000'000))
      .kv("checkpoints", static_cast<long long>(ws.checkpoints + ws.writer_checkpoints))
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
