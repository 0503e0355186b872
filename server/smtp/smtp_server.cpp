#include "smtp/smtp_server.hpp"

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <list>
#include <set>
#include <stdexcept>

#include "ingest/ingest_service.hpp"
#include "log/log.hpp"
#include "net/tcp_endpoint.hpp"
#include "ports/event_sink.hpp"

namespace mailjar::smtp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 32> buf{};
  bytes = std::min(bytes, buf.size());
  RAND_bytes(buf.data(), static_cast<int>(bytes));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out.push_back(hex[buf[i] >> 4]);
    out.push_back(hex[buf[i] & 15]);
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Mailpit reports every 4xx (warning) and 5xx (error) reply line to its UI; so do we. Only the
// last line of a multi-line reply ("ddd text") counts.
void publish_reply_errors(event_sink* sink, const std::string& ip, std::string_view wire) {
  if (!sink) return;
  while (!wire.empty()) {
    auto eol = wire.find("\r\n");
    std::string_view line = wire.substr(0, eol);
    wire = eol == std::string_view::npos ? std::string_view() : wire.substr(eol + 2);
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (line.size() < 4 || (line[0] != '4' && line[0] != '5') || !digit(line[1]) || !digit(line[2]) ||
        line[3] != ' ')
      continue;
    client_error e;
    e.level = line[0] == '4' ? "warning" : "error";
    e.type = "smtpd";
    e.ip = ip.size() > 2 && ip.front() == '[' ? ip.substr(1, ip.size() - 2) : ip;
    e.message = std::string(line);
    sink->error(e);
  }
}

// Bridges ingest_service's callback (store thread) to an awaitable completion on `ex`.
template <class Executor>
asio::awaitable<ingest::ingest_outcome> async_ingest(ingest::ingest_service& svc, Executor ex, envelope env,
                                                     std::string raw) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(ingest::ingest_outcome)>(
      [&svc, ex](auto handler, envelope e, std::string r) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        svc.ingest(std::move(e), std::move(r), [h, ex](ingest::ingest_outcome out) {
          asio::post(ex, [h, out = std::move(out)]() mutable { (*h)(std::move(out)); });
        });
      },
      asio::use_awaitable, std::move(env), std::move(raw));
}

}  // namespace

class session;

struct smtp_server::state : std::enable_shared_from_this<smtp_server::state> {
  asio::io_context& io;
  server_options opts;
  ingest::ingest_service& ingest;
  std::shared_ptr<ssl::context> tls;
  std::list<tcp::acceptor> acceptors;
  std::set<std::shared_ptr<session>> sessions;
  std::uint64_t next_id = 1;
  std::atomic<std::uint64_t> connections{0}, refused{0}, active{0};
  bool stopped = false;

  state(asio::io_context& i, server_options o, ingest::ingest_service& g, std::shared_ptr<ssl::context> t)
      : io(i), opts(std::move(o)), ingest(g), tls(std::move(t)) {}

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, bool implicit_tls);
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(std::shared_ptr<smtp_server::state> st, tcp::socket sock, bool implicit_tls, std::string id)
      : st_(std::move(st)),
        socket_(std::move(sock)),
        timer_(socket_.get_executor()),
        implicit_tls_(implicit_tls),
        id_(std::move(id)) {}

  asio::awaitable<void> run();
  void close() {
    boost::system::error_code ec;
    closed_ = true;
    timer_.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

 private:
  // The TCP socket: inside the TLS stream once TLS has started.
  tcp::socket& socket() { return tls_stream_ ? tls_stream_->next_layer() : socket_; }
  // The watchdog sleeps until deadline_; moving the deadline earlier wakes it to re-arm.
  void arm(std::chrono::steady_clock::duration d) { arm_at(clock_type::now() + d); }
  void arm_at(clock_type::time_point t) {
    deadline_ = t;
    if (timer_.expiry() > deadline_) timer_.expires_at(deadline_);
  }
  void arm_for_input(const session_machine& m);
  void disarm() { deadline_ = clock_type::time_point::max(); }
  asio::awaitable<void> watchdog();
  asio::awaitable<bool> write_out(std::string_view data);
  asio::awaitable<bool> handshake();
  asio::awaitable<void> serve(session_machine& m);
  std::string tls_description() const {
    const SSL* s = tls_stream_->native_handle();
    return std::string(SSL_get_version(s)) + " " + SSL_get_cipher_name(s);
  }

  std::shared_ptr<smtp_server::state> st_;
  // Plain sessions never pay for TLS state (an OpenSSL session and its buffers, ~64 KiB):
  // the socket moves into a TLS stream at STARTTLS or on the implicit-TLS port.
  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_stream_;
  asio::steady_timer timer_;
  clock_type::time_point deadline_ = clock_type::time_point::max();
  // Slowloris: a read timeout alone lets a client that dribbles a byte now and then hold a
  // connection forever, so a command line must be complete within `timeout` and one message's
  // data within `data_timeout`, however steadily the bytes trickle in.
  clock_type::time_point line_deadline_ = clock_type::time_point::max();
  clock_type::time_point data_deadline_ = clock_type::time_point::max();
  std::uint64_t lines_seen_ = 0;
  bool implicit_tls_;
  bool tls_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
  std::string id_;
  std::string peer_;
  std::string peer_ip_;
};

asio::awaitable<void> session::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    if (deadline_ <= clock_type::now()) {
      timed_out_ = true;
      boost::system::error_code ec;
      socket().cancel(ec);
      deadline_ = clock_type::time_point::max();
    }
    timer_.expires_at(deadline_);
    co_await timer_.async_wait(use_tuple);
  }
}

void session::arm_for_input(const session_machine& m) {
  const auto now = clock_type::now();
  const auto idle = now + st_->opts.timeout;
  if (m.in_data()) {
    line_deadline_ = clock_type::time_point::max();
    if (data_deadline_ == clock_type::time_point::max()) data_deadline_ = now + st_->opts.data_timeout;
    arm_at(std::min(idle, data_deadline_));
    return;
  }
  data_deadline_ = clock_type::time_point::max();
  if (line_deadline_ == clock_type::time_point::max() || m.lines_read() != lines_seen_) {
    lines_seen_ = m.lines_read();
    line_deadline_ = idle;
  }
  arm_at(line_deadline_);
}

asio::awaitable<bool> session::write_out(std::string_view data) {
  if (data.empty()) co_return true;
  if (log::verbose()) log::line(log::level::debug, "smtp_reply").kv("session", id_).kv("data", data).emit();
  publish_reply_errors(st_->opts.errors, peer_ip_, data);
  arm(st_->opts.timeout);
  boost::system::error_code ec;
  if (tls_) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*tls_stream_, asio::buffer(data), use_tuple);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(socket_, asio::buffer(data), use_tuple);
  }
  co_return !ec;
}

asio::awaitable<bool> session::handshake() {
  if (!st_->tls) co_return false;
  arm(st_->opts.timeout);
  tls_stream_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(socket_), *st_->tls);
  auto [ec] = co_await tls_stream_->async_handshake(ssl::stream_base::server, use_tuple);
  if (ec) {
    log::line(log::level::info, "tls_failed").kv("session", id_).kv("error", ec.message()).emit();
    co_return false;
  }
  tls_ = true;
  co_return true;
}

asio::awaitable<void> session::run() {
  auto self = shared_from_this();
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (ec) co_return;
  peer_ = net::endpoint_text(ep);
  peer_ip_ = peer_.substr(0, peer_.rfind(':'));
  asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);
  // Connection lines are debug (--verbose): at thousands of connections a second they cost a
  // write each; the stored/refused/failed lines below carry the peer.
  if (log::verbose())
    log::line(log::level::debug, "smtp_connect").kv("session", id_).kv("peer", peer_).emit();

  if (!st_->opts.allow.allows(peer_ip_)) {
    st_->refused++;
    log::line(log::level::info, "smtp_refused")
        .kv("session", id_)
        .kv("peer", peer_)
        .kv("reason", "allow-list")
        .emit();
    co_await write_out(session_machine::refuse_connection().wire());
    close();
    co_return;
  }
  if (st_->active > st_->opts.max_connections) {
    st_->refused++;
    log::line(log::level::warn, "smtp_refused")
        .kv("session", id_)
        .kv("peer", peer_)
        .kv("reason", "max-connections")
        .emit();
    co_await write_out(session_machine::too_many_connections().wire());
    close();
    co_return;
  }
  if (implicit_tls_ && !co_await handshake()) {
    close();
    co_return;
  }
  session_config cfg = st_->opts.session;
  cfg.tls_available = st_->tls != nullptr && !implicit_tls_;
  cfg.implicit_tls = implicit_tls_;
  session_machine m(cfg, [host = cfg.hostname] { return random_hex(12) + "@" + host; });
  if (implicit_tls_) m.tls_started(tls_description());
  co_await serve(m);
  close();
  if (log::verbose())
    log::line(log::level::debug, "smtp_disconnect").kv("session", id_).kv("peer", peer_).emit();
}

asio::awaitable<void> session::serve(session_machine& m) {
  if (!co_await write_out(m.greeting().wire())) co_return;
  // Commands arrive in small reads; message data in big ones. An idle or chatting connection
  // holds 4 KiB, one that has sent data 64 KiB (left uninitialised: reads fill what they use).
  constexpr std::size_t command_buffer = 4 * 1024, data_buffer = 64 * 1024;
  std::unique_ptr<char[]> buf = std::make_unique_for_overwrite<char[]>(command_buffer);
  std::size_t buf_size = command_buffer;
  for (;;) {
    switch (m.next()) {
      case step::need_input: {
        if (!co_await write_out(m.take_output())) co_return;
        arm_for_input(m);
        if (m.in_data() && buf_size < data_buffer) {
          buf = std::make_unique_for_overwrite<char[]>(data_buffer);
          buf_size = data_buffer;
        }
        boost::system::error_code ec;
        std::size_t n = 0;
        if (tls_) {
          std::tie(ec, n) =
              co_await tls_stream_->async_read_some(asio::buffer(buf.get(), buf_size), use_tuple);
        } else {
          std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(buf.get(), buf_size), use_tuple);
        }
        if (ec) {
          if (timed_out_ && !closed_) {
            log::line(log::level::info, "smtp_timeout").kv("session", id_).emit();
            m.timed_out();
            arm(std::chrono::seconds(5));
            co_await write_out(m.take_output());
          } else if (m.in_data()) {
            log::line(log::level::info, "smtp_abort")
                .kv("session", id_)
                .kv("reason", "disconnect in DATA")
                .emit();
          }
          co_return;
        }
        if (log::verbose()) {
          log::line(log::level::debug, "smtp_read")
              .kv("session", id_)
              .kv("data", std::string_view(buf.get(), n))
              .emit();
        }
        m.receive(std::string_view(buf.get(), n));
        break;
      }
      case step::start_tls: {
        if (!co_await write_out(m.take_output())) co_return;
        if (!co_await handshake()) co_return;
        m.tls_started(tls_description());
        break;
      }
      case step::deliver: {
        if (!co_await write_out(m.take_output())) co_return;
        received_message msg = m.take_message();
        msg.env.client_addr = peer_;
        msg.env.received_ms = now_ms();
        std::size_t size = msg.data.size();
        disarm();  // storing is bounded by the store, not by the client
        auto out = co_await async_ingest(st_->ingest, socket().get_executor(), std::move(msg.env),
                                         std::move(msg.data));
        if (out.stored) {
          log::line(log::level::info, "smtp_stored")
              .kv("session", id_)
              .kv("peer", peer_)
              .kv("id", out.uid)
              .kv("size", static_cast<long long>(size))
              .emit();
        } else {
          log::line(log::level::error, "smtp_store_failed")
              .kv("session", id_)
              .kv("reason", out.reason)
              .emit();
        }
        m.delivered(out.stored, out.stored ? out.uid : out.reason);
        break;
      }
      case step::close: {
        arm(std::chrono::seconds(5));
        co_await write_out(m.take_output());
        co_return;
      }
    }
    if (closed_) co_return;
  }
}

asio::awaitable<void> smtp_server::state::accept_loop(tcp::acceptor& acceptor, bool implicit_tls) {
  auto self = shared_from_this();
  while (!stopped) {
    auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
    if (stopped) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      log::line(log::level::warn, "smtp_accept_failed").kv("error", ec.message()).emit();
      // Out of file descriptors and similar: back off briefly instead of spinning.
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    connections++;
    active++;
    auto s = std::make_shared<session>(self, std::move(sock), implicit_tls, "s" + std::to_string(next_id++));
    sessions.insert(s);
    asio::co_spawn(io, s->run(), [self, s](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::line(log::level::error, "smtp_session_error").kv("error", ex.what()).emit();
        }
      }
      s->close();
      self->sessions.erase(s);
      self->active--;
    });
  }
}

smtp_server::smtp_server(asio::io_context& io, server_options opts, ingest::ingest_service& ingest,
                         std::shared_ptr<ssl::context> tls)
    : state_(std::make_shared<state>(io, std::move(opts), ingest, std::move(tls))) {}

smtp_server::~smtp_server() { stop(); }

std::string smtp_server::listen(const std::string& host_port, bool implicit_tls) {
  tcp::acceptor acc = net::open_listener(state_->io, host_port);
  std::string bound = net::endpoint_text(acc.local_endpoint());
  auto& stored = state_->acceptors.emplace_back(std::move(acc));
  asio::co_spawn(state_->io, state_->accept_loop(stored, implicit_tls), asio::detached);
  return bound;
}

void smtp_server::stop() {
  // Called on the io thread (signal handler) or after the io_context stopped running.
  state_->stopped = true;
  boost::system::error_code ec;
  for (auto& a : state_->acceptors) a.close(ec);
  auto sessions = std::move(state_->sessions);  // breaks the session <-> state reference cycle
  state_->sessions.clear();
  for (const auto& s : sessions) s->close();
}

server_counters smtp_server::counters() const {
  return {state_->connections.load(), state_->active.load(), state_->refused.load()};
}

}  // namespace mailjar::smtp
