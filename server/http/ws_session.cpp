#include "http/ws_session.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "log/log.hpp"

namespace mailjar::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <class Stream>
class ws_session final : public ws_client, public std::enable_shared_from_this<ws_session<Stream>> {
 public:
  ws_session(Stream&& stream, ws_context ctx) : ws_(std::move(stream)), ctx_(std::move(ctx)) {}
  ~ws_session() override { leave(); }

  void run(ws_request req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = ctx_.opts.ws_idle_timeout;  // a ping at half of it; no answer: closed
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "mailjar"); }));
    ws_.read_message_max(ctx_.opts.ws_max_read);
    ws_.text(true);
    ws_.auto_fragment(false);                      // one frame per event: what simple clients expect
    beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
    ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, this->shared_from_this()));
  }

  bool offer(std::shared_ptr<const std::string> frame) override {
    const std::size_t size = frame->size();
    if (queued_.fetch_add(1) >= ctx_.opts.ws_max_queue) {
      queued_.fetch_sub(1);
      return false;
    }
    // Bytes are bounded too; a single frame larger than the bound still goes to an idle client.
    if (queued_bytes_.fetch_add(size) + size > ctx_.opts.ws_max_queue_bytes && queued_.load() > 1) {
      queued_bytes_.fetch_sub(size);
      queued_.fetch_sub(1);
      return false;
    }
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)]() mutable {
      if (self->closed_) return;
      self->queue_.push_back(std::move(frame));
      if (!self->writing_) self->do_write();
    });
    return true;
  }

  void drop() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->close_now("dropped"); });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      log::line(log::level::info, "ws_handshake_failed")
          .kv("session", ctx_.session_id)
          .kv("error", ec.message())
          .emit();
      return;
    }
    log::line(log::level::info, "ws_connect")
        .kv("session", ctx_.session_id)
        .kv("peer", ctx_.peer)
        .kv("flavour", ctx_.flavour == ws_flavour::mailpit ? "mailpit" : "mailhog")
        .emit();
    if (ctx_.hub) hub_id_ = ctx_.hub->join(this->weak_from_this(), ctx_.flavour);
    do_read();
  }

  void do_read() {
    ws_.async_read(rbuf_, beast::bind_front_handler(&ws_session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      leave();
      if (!closed_) {
        closed_ = true;
        log::line(log::level::info, "ws_disconnect")
            .kv("session", ctx_.session_id)
            .kv("reason", ec.message())
            .emit();
      }
      return;
    }
    rbuf_.consume(rbuf_.size());  // clients have nothing to tell us
    do_read();
  }

  void do_write() {
    writing_ = true;
    ws_.async_write(asio::buffer(*queue_.front()),
                    beast::bind_front_handler(&ws_session::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    queued_bytes_.fetch_sub(queue_.front()->size());
    queue_.pop_front();
    queued_.fetch_sub(1);
    if (ec) {
      close_now(ec.message());
      return;
    }
    if (!queue_.empty() && !closed_) do_write();
  }

  void close_now(const std::string& reason) {
    leave();
    if (closed_) return;
    closed_ = true;
    log::line(log::level::info, "ws_disconnect").kv("session", ctx_.session_id).kv("reason", reason).emit();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }

  void leave() {
    if (hub_id_ && ctx_.hub) ctx_.hub->leave(hub_id_);
    hub_id_ = 0;
  }

  websocket::stream<Stream> ws_;
  ws_context ctx_;
  beast::flat_buffer rbuf_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // strand only
  std::atomic<std::size_t> queued_{0};                    // offered and not yet written (bounded)
  std::atomic<std::size_t> queued_bytes_{0};
  bool writing_ = false;
  bool closed_ = false;
  std::uint64_t hub_id_ = 0;
};

template <class Stream>
void start(Stream&& stream, ws_request req, ws_context ctx) {
  auto s = std::make_shared<ws_session<Stream>>(std::move(stream), std::move(ctx));
  s->run(std::move(req));
}

}  // namespace

void run_ws_session(beast::tcp_stream stream, ws_request req, ws_context ctx) {
  start(std::move(stream), std::move(req), std::move(ctx));
}

void run_ws_session(beast::ssl_stream<beast::tcp_stream> stream, ws_request req, ws_context ctx) {
  start(std::move(stream), std::move(req), std::move(ctx));
}

}  // namespace mailjar::http
