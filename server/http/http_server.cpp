#include "http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "http/ws_session.hpp"
#include "log/log.hpp"
#include "net/tcp_endpoint.hpp"

namespace mailjar::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

bool header_value_safe(std::string_view v) {
  for (unsigned char c : v) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool header_name_safe(std::string_view n) {
  if (n.empty()) return false;
  for (unsigned char c : n) {
    if (!(std::isalnum(c) ||
          std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class closable {
 public:
  virtual ~closable() = default;
  virtual void close() = 0;
};

}  // namespace

struct http_server::state : std::enable_shared_from_this<http_server::state> {
  asio::io_context& io;
  http_options opts;
  std::shared_ptr<const basic_auth> auth;
  front_door::handler_fn handler;
  std::shared_ptr<ws_hub> hub;
  dispatch_fn workers;
  std::shared_ptr<ssl::context> tls;
  std::unique_ptr<front_door> door;  // built in listen(), when the bound address is known
  std::optional<tcp::acceptor> acceptor;
  asio::steady_timer backoff;

  std::mutex mu;  // guards sessions
  std::map<std::uint64_t, std::weak_ptr<closable>> sessions;
  std::atomic<std::uint64_t> next_id{1}, connections{0}, active{0}, refused{0}, requests{0};
  std::atomic<bool> stopped{false};

  state(asio::io_context& i, http_options o, std::shared_ptr<const basic_auth> a, front_door::handler_fn h,
        std::shared_ptr<ws_hub> hb, dispatch_fn w, std::shared_ptr<ssl::context> t)
      : io(i),
        opts(std::move(o)),
        auth(std::move(a)),
        handler(std::move(h)),
        hub(std::move(hb)),
        workers(std::move(w)),
        tls(std::move(t)),
        backoff(i) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket sock);
};

namespace {

// A connection's place under max_connections: released (and unregistered) when the last owner
// — the HTTP session, or the WebSocket session it became — goes away.
struct connection_slot {
  std::shared_ptr<http_server::state> st;
  std::uint64_t id;
  connection_slot(std::shared_ptr<http_server::state> s, std::uint64_t i) : st(std::move(s)), id(i) {}
  ~connection_slot() {
    st->active--;
    std::lock_guard lock(st->mu);
    st->sessions.erase(id);
  }
};

template <class Stream>
class http_session final : public closable, public std::enable_shared_from_this<http_session<Stream>> {
 public:
  http_session(Stream&& stream, std::shared_ptr<http_server::state> st, std::shared_ptr<connection_slot> slot,
               std::string peer)
      : stream_(std::move(stream)),
        st_(std::move(st)),
        slot_(std::move(slot)),
        id_("h" + std::to_string(slot_->id)),
        peer_(std::move(peer)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        self->do_read();
      } else {
        self->do_handshake();
      }
    });
  }

  void close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->handed_off_) return;
      self->closed_ = true;
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  struct pending {
    inbound_request in;
    std::optional<ws_request> upgrade_req;  // kept for the WebSocket handshake
    unsigned version = 11;
    bool keep_alive = true;
    bool dispatched = false;
    bool done = false;
    outcome out;
  };

  void do_handshake() {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(stream_).expires_after(st_->opts.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  log::line(log::level::info, "http_tls_failed")
                                      .kv("session", self->id_)
                                      .kv("peer", self->peer_)
                                      .kv("error", ec.message())
                                      .emit();
                                  return;
                                }
                                self->do_read();
                              });
    }
  }

  void do_read() {
    if (reading_ || read_closed_ || closed_) return;
    if (queue_.size() >= st_->opts.pipeline_limit) return;  // resumed when a response is written
    parser_.emplace();
    parser_->header_limit(st_->opts.header_limit);
    // Beast checks Content-Length against this while parsing the header, before the route is
    // known: start from the largest limit; on_header applies the route's own.
    parser_->body_limit(std::max(st_->opts.max_body, st_->opts.max_send_body));
    reading_ = true;
    // Idle keep-alive wait and the headers share one deadline: a client dribbling header bytes
    // (slowloris) is cut off like an idle one.
    beast::get_lowest_layer(stream_).expires_after(st_->opts.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
  }

  // A read that completes after close(): while lingering, keep draining what the client still
  // sends, else finish. True when the caller must stop.
  bool read_while_closing(beast::error_code ec) {
    if (!closed_) return false;
    if (lingering_ && !ec) {
      drain();
    } else if (lingering_) {
      finish_close();
    }
    return true;
  }

  void on_header(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (read_while_closing(ec)) return;
    if (ec) {
      read_failed(ec);
      return;
    }
    auto& req = parser_->get();
    if (auto te = req[bhttp::field::transfer_encoding]; !te.empty() && !beast::iequals(te, "chunked")) {
      // Only plain chunked framing: anything else is how request smuggling starts (RFC 9112 6.1).
      push_error(501, "unsupported Transfer-Encoding\n");
      return;
    }
    std::uint64_t limit =
        st_->door->body_limit_for(std::string_view(req.target().data(), req.target().size()));
    if (auto len = parser_->content_length(); len && *len > limit) {
      push_error(413, "request body larger than " + std::to_string(limit) + " bytes\n");
      return;
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) {
      on_read({}, 0);
      return;
    }
    bool expect_continue = beast::iequals(req[bhttp::field::expect], "100-continue");
    if (expect_continue && queue_.empty() && !writing_) {
      // curl and others wait for this before sending a body; only safe with nothing in flight.
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, req.version());
      writing_ = true;
      beast::get_lowest_layer(stream_).expires_after(st_->opts.write_timeout);
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
                           self->writing_ = false;
                           if (wec) {
                             self->fail_hard();
                             return;
                           }
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    if (closed_) return;
    reading_ = true;
    beast::get_lowest_layer(stream_).expires_after(st_->opts.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (read_while_closing(ec)) return;
    if (ec) {
      read_failed(ec);
      return;
    }
    auto req = parser_->release();
    auto p = std::make_shared<pending>();
    p->version = req.version();
    p->keep_alive = req.keep_alive();
    inbound_request& in = p->in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name = lower(std::string_view(f.name_string().data(), f.name_string().size()));
      std::string value(f.value());
      if (name == "host") ++in.host_headers;
      auto [it, fresh] = in.headers.emplace(name, value);
      if (!fresh) it->second += ", " + value;
    }
    in.has_body = req.has_content_length() ? !req.body().empty() : req.chunked();
    in.remote_addr = peer_;
    in.websocket_upgrade = beast::websocket::is_upgrade(req);
    in.body = std::move(req.body());
    if (in.websocket_upgrade) {
      p->upgrade_req = std::move(req);
      read_closed_ = true;  // the connection belongs to the WebSocket (or closes) after this
    }
    if (!p->keep_alive) read_closed_ = true;
    queue_.push_back(std::move(p));
    maybe_dispatch();
    do_read();
  }

  void read_failed(beast::error_code ec) {
    read_closed_ = true;
    if (ec == bhttp::error::body_limit) {
      push_error(413, "request body too large\n");
    } else if (ec == bhttp::error::header_limit) {
      push_error(431, "request header fields too large\n");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      push_error(400, "malformed HTTP request\n");
    } else if (ec == beast::error::timeout) {
      // The socket is already closed by the stream's timer: nothing can be written.
      closed_ = true;
    } else {
      maybe_write();  // write what is pending (client half-closed), then shut down
    }
  }

  // A response decided here (no worker): the connection closes after it.
  void push_error(int status, std::string text) {
    auto p = std::make_shared<pending>();
    p->done = true;
    p->keep_alive = false;
    p->out.response = front_door::wire_error(status, std::move(text));
    p->out.close = true;
    read_closed_ = true;
    queue_.push_back(std::move(p));
    maybe_write();
  }

  void maybe_dispatch() {
    if (job_running_ || closed_) return;
    for (auto& p : queue_) {
      if (p->done || p->dispatched) continue;
      p->dispatched = true;
      job_running_ = true;
      // One job at a time per connection: pipelined requests take effect in order.
      st_->workers([self = this->shared_from_this(), p] {
        outcome out = self->st_->door->handle(p->in);
        asio::post(self->stream_.get_executor(), [self, p, out = std::move(out)]() mutable {
          p->out = std::move(out);
          p->done = true;
          self->job_running_ = false;
          self->maybe_dispatch();
          self->maybe_write();
        });
      });
      return;
    }
  }

  void maybe_write() {
    if (writing_ || closed_) return;
    if (queue_.empty()) {
      if (read_closed_ && !reading_) shutdown();
      return;
    }
    auto p = queue_.front();
    if (!p->done) return;
    if (p->out.upgrade != upgrade_kind::none && p->upgrade_req) {
      hand_off(p);
      return;
    }
    bool keep = p->keep_alive && !p->out.close;
    const api::response& r = p->out.response;
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(st_->opts.write_timeout);
    log_request(*p);
    if (p->out.head) {
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>();
      fill(*res, r, p->version, keep);
      res->content_length(r.body.size());
      bhttp::async_write(stream_, *res,
                         [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                           self->on_write(ec, keep);
                         });
    } else {
      auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
      fill(*res, r, p->version, keep);
      res->body() = std::move(p->out.response.body);
      res->prepare_payload();
      bhttp::async_write(stream_, *res,
                         [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                           self->on_write(ec, keep);
                         });
    }
  }

  template <class Body>
  static void fill(bhttp::response<Body>& res, const api::response& r, unsigned version, bool keep) {
    res.version(version);
    res.result(static_cast<unsigned>(r.status));
    res.set(bhttp::field::server, "mailjar");
    if (r.status != 204 && r.status != 304 && !r.content_type.empty() && header_value_safe(r.content_type)) {
      res.set(bhttp::field::content_type, r.content_type);
    }
    for (const auto& [name, value] : r.headers) {
      // Values come from handlers that may echo mail data: never let one split the header block.
      if (header_name_safe(name) && header_value_safe(value)) res.insert(name, value);
    }
    res.keep_alive(keep);
  }

  void on_write(beast::error_code ec, bool keep) {
    writing_ = false;
    st_->requests++;
    if (ec) {
      fail_hard();
      return;
    }
    queue_.pop_front();
    if (!keep) {
      read_closed_ = true;
      queue_.clear();
      shutdown();
      return;
    }
    maybe_write();
    do_read();
  }

  void hand_off(const std::shared_ptr<pending>& p) {
    closed_ = true;  // this object is done with the stream
    handed_off_ = true;
    ws_context ctx;
    ctx.hub = st_->hub;
    ctx.flavour = p->out.upgrade == upgrade_kind::mailpit_events ? ws_flavour::mailpit : ws_flavour::mailhog;
    ctx.opts = st_->opts;
    ctx.session_id = id_;
    ctx.peer = peer_;
    ctx.slot = slot_;
    ws_request req = std::move(*p->upgrade_req);
    queue_.clear();
    run_ws_session(std::move(stream_), std::move(req), std::move(ctx));
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    linger_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    lingering_ = true;
    if (!reading_) drain();  // else the read in flight finishes first (one read at a time), then drains
  }

  // Lingering close: read and discard what the client still sends (the rest of a body refused
  // with 413, say) so that closing does not reset the connection before the client has read the
  // response. Bounded in time and bytes; then the socket (or the TLS session) is closed.
  void drain() {
    auto now = std::chrono::steady_clock::now();
    if (handed_off_ || drained_ > (64u << 20) || now >= linger_until_) {
      finish_close();
      return;
    }
    drain_buf_.resize(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(
        std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(2), linger_until_ - now));
    stream_.async_read_some(asio::buffer(drain_buf_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec) {
                                self->finish_close();
                                return;
                              }
                              self->drain();
                            });
  }

  void finish_close() {
    if (handed_off_) return;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.close();
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::get_lowest_layer(self->stream_).close();
      });
    }
  }

  void fail_hard() {
    if (closed_) return;
    closed_ = true;
    beast::get_lowest_layer(stream_).close();
  }

  void log_request(const pending& p) {
    if (!log::verbose()) return;
    log::line(log::level::debug, "http_request")
        .kv("session", id_)
        .kv("method", p.in.method)
        .kv("target", p.in.target)
        .kv("status", p.out.response.status)
        .kv("bytes", static_cast<long long>(p.out.response.body.size()))
        .emit();
  }

  Stream stream_;
  std::shared_ptr<http_server::state> st_;
  std::shared_ptr<connection_slot> slot_;
  std::string id_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<std::shared_ptr<pending>> queue_;  // read, not yet answered; in request order
  bool reading_ = false;
  bool writing_ = false;
  bool job_running_ = false;
  bool read_closed_ = false;  // no further requests will be read
  bool closed_ = false;
  bool handed_off_ = false;  // the stream now belongs to a ws_session
  bool lingering_ = false;   // response sent, write side shut: reading only to discard
  std::vector<char> drain_buf_;
  std::size_t drained_ = 0;
  std::chrono::steady_clock::time_point linger_until_{};
};

}  // namespace

void http_server::state::do_accept() {
  acceptor->async_accept(asio::make_strand(io),
                         beast::bind_front_handler(&state::on_accept, shared_from_this()));
}

void http_server::state::on_accept(beast::error_code ec, tcp::socket sock) {
  if (stopped) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    log::line(log::level::warn, "http_accept_failed").kv("error", ec.message()).emit();
    // Out of file descriptors and similar: back off briefly instead of spinning.
    backoff.expires_after(std::chrono::milliseconds(50));
    backoff.async_wait([self = shared_from_this()](beast::error_code) {
      if (!self->stopped) self->do_accept();
    });
    return;
  }
  beast::error_code ignored;
  auto peer_ep = sock.remote_endpoint(ignored);
  std::string peer = ignored ? std::string("?") : net::endpoint_text(peer_ep);
  if (active >= opts.max_connections) {
    refused++;
    log::line(log::level::warn, "http_refused").kv("peer", peer).kv("reason", "max-connections").emit();
    // Best effort, never waiting: a client that reads before writing sees why; others see a close.
    static constexpr std::string_view busy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 28\r\n"
        "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections, retry\n";
    sock.non_blocking(true, ignored);
    sock.write_some(asio::buffer(busy.data(), busy.size()), ignored);
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    do_accept();
    return;
  }
  sock.set_option(tcp::no_delay(true), ignored);
  connections++;
  active++;
  auto id = next_id++;
  auto slot = std::make_shared<connection_slot>(shared_from_this(), id);
  auto launch = [&](auto session) {
    {
      std::lock_guard lock(mu);
      sessions.emplace(id, session);
    }
    session->start();
  };
  if (tls) {
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;
    launch(std::make_shared<http_session<tls_stream>>(tls_stream(beast::tcp_stream(std::move(sock)), *tls),
                                                      shared_from_this(), slot, peer));
  } else {
    launch(std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(sock)),
                                                             shared_from_this(), slot, peer));
  }
  do_accept();
}

http_server::http_server(asio::io_context& io, http_options opts, std::shared_ptr<const basic_auth> auth,
                         front_door::handler_fn handler, std::shared_ptr<ws_hub> hub, dispatch_fn workers,
                         std::shared_ptr<ssl::context> tls)
    : state_(std::make_shared<state>(io, std::move(opts), std::move(auth), std::move(handler), std::move(hub),
                                     std::move(workers), std::move(tls))) {}

http_server::~http_server() { stop(); }

std::string http_server::listen(const std::string& host_port) {
  tcp::acceptor acc = net::open_listener(state_->io, host_port);
  auto local = acc.local_endpoint();
  state_->door =
      std::make_unique<front_door>(state_->opts, local.address().to_string(), state_->auth, state_->handler);
  state_->acceptor.emplace(std::move(acc));
  state_->do_accept();
  return net::endpoint_text(local);
}

void http_server::stop() {
  state_->stopped = true;
  beast::error_code ec;
  if (state_->acceptor) state_->acceptor->close(ec);
  state_->backoff.cancel();
  std::vector<std::shared_ptr<closable>> open;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [id, w] : state_->sessions) {
      if (auto s = w.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->close();
}

http_counters http_server::counters() const {
  return {state_->connections.load(), state_->active.load(), state_->refused.load(), state_->requests.load()};
}

}  // namespace mailjar::http
