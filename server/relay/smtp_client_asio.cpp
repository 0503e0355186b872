#include "relay/smtp_client_asio.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>

#include "net/tcp_endpoint.hpp"
#include "relay/protocol/client_machine.hpp"
#include "relay/protocol/mx_order.hpp"

namespace mailjar::relay {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool has_eight_bit(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// TLS 1.2 or newer, the system's trust store.
ssl::context make_context() {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ec;
  ctx.set_default_verify_paths(ec);
  return ctx;
}

// One SMTP session on a private io_context; every operation runs with a deadline.
class session {
 public:
  session(const endpoint& to, const client_options& opts) : to_(to), opts_(opts), stream_(io_, ctx_) {}

  attempt run(const std::string& mail_from, const std::vector<std::string>& rcpts, std::string_view message) {
    attempt a;
    a.host = to_.host;
    session_plan plan;
    plan.opts = opts_;
    plan.mail_from = mail_from;
    plan.rcpts = rcpts;
    plan.message = message;
    plan.eight_bit = has_eight_bit(message);
    client_machine m(std::move(plan));

    if (connect(a)) {
      a.connected = true;
      if (opts_.tls == tls_mode::implicit) {
        if (handshake(a)) {
          m.tls_started(a.tls);
        } else {
          m.tls_failed(handshake_error_);
        }
      }
      converse(m, a);
      error_code ec;
      stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
      stream_.lowest_layer().close(ec);
    } else {
      m.not_connected(a.error);
    }
    take(m, a);
    a.recipients = m.result().recipients;
    a.error = m.result().error;
    return a;
  }

 private:
  void info(attempt& a, std::string text) { a.transcript.push_back({'I', std::move(text), now_ms()}); }

  void take(client_machine& m, attempt& a) {
    const auto at = now_ms();
    for (auto& l : m.take_transcript()) {
      l.at_ms = at;
      a.transcript.push_back(std::move(l));
    }
  }

  // Runs the io_context until `done` or the deadline; on the deadline closes the socket (which
  // completes the pending operation with operation_aborted) and reports false.
  bool run_until(const bool& done, std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_for(timeout);
    if (done) return true;
    error_code ec;
    stream_.lowest_layer().close(ec);
    io_.restart();
    io_.run();
    return false;
  }

  bool connect(attempt& a) {
    std::vector<tcp::endpoint> eps;
    error_code ec;
    if (!to_.address.empty()) {
      const auto addr = asio::ip::make_address(to_.address, ec);
      if (ec) {
        a.address = to_.address + ":" + std::to_string(to_.port);
        a.error = "bad address " + to_.address;
        return false;
      }
      eps.emplace_back(addr, to_.port);
    } else {
      tcp::resolver resolver(io_);
      const auto results = resolver.resolve(to_.host, std::to_string(to_.port), ec);
      if (ec) {
        a.address = to_.host + ":" + std::to_string(to_.port);
        a.error = "cannot resolve " + to_.host + ": " + ec.message();
        info(a, a.error);
        return false;
      }
      for (const auto& r : results) eps.push_back(r.endpoint());
    }
    for (const auto& ep : eps) {
      a.address = net::endpoint_text(ep);
      info(a, "connecting to " + to_.host + " [" + a.address + "]");
      error_code cec;
      bool done = false;
      stream_.lowest_layer().close(ec);
      stream_.lowest_layer().async_connect(ep, [&](error_code e) {
        cec = e;
        done = true;
      });
      if (!run_until(done, opts_.connect_timeout)) {
        a.error = "connect to " + a.address + " timed out";
      } else if (cec) {
        a.error = "connect to " + a.address + " failed: " + cec.message();
      } else {
        a.error.clear();
        info(a, "connected");
        return true;
      }
      info(a, a.error);
    }
    return false;
  }

  bool handshake(attempt& a) {
    SSL* ssl_handle = stream_.native_handle();
    if (!is_ip_literal(to_.host)) SSL_set_tlsext_host_name(ssl_handle, to_.host.c_str());
    const bool strict = opts_.tls != tls_mode::starttls_opportunistic;
    if (opts_.verify_certificates) {
      stream_.set_verify_mode(ssl::verify_peer);
      auto check_name = ssl::host_name_verification(to_.host);
      stream_.set_verify_callback(
          [this, strict, check_name](bool preverified, ssl::verify_context& vc) mutable {
            bool ok = preverified;
            X509_STORE_CTX* sc = vc.native_handle();
            if (ok && X509_STORE_CTX_get_error_depth(sc) == 0) ok = check_name(true, vc);
            if (!ok && problem_.empty()) {
              const int err = X509_STORE_CTX_get_error(sc);
              problem_ = err != X509_V_OK ? X509_verify_cert_error_string(err)
                                          : "certificate does not match host " + to_.host;
            }
            return ok || !strict;
          });
    } else {
      stream_.set_verify_mode(ssl::verify_none);
    }
    error_code hec;
    bool done = false;
    stream_.async_handshake(ssl::stream_base::client, [&](error_code e) {
      hec = e;
      done = true;
    });
    const bool in_time = run_until(done, opts_.command_timeout);
    a.tls_problem = problem_;
    if (!in_time || hec) {
      handshake_error_ = in_time ? hec.message() : "timed out";
      if (!problem_.empty()) handshake_error_ += " (" + problem_ + ")";
      return false;
    }
    tls_ = true;
    a.tls = std::string(SSL_get_version(ssl_handle)) + " " + SSL_get_cipher_name(ssl_handle);
    return true;
  }

  // false: the write failed or timed out (the machine has been told).
  bool flush(client_machine& m) {
    const std::string out = m.take_output();
    if (out.empty()) return true;
    error_code wec;
    bool done = false;
    auto cb = [&](error_code e, std::size_t) {
      wec = e;
      done = true;
    };
    if (tls_) {
      asio::async_write(stream_, asio::buffer(out), cb);
    } else {
      asio::async_write(stream_.next_layer(), asio::buffer(out), cb);
    }
    const auto timeout = out.size() > 4096 ? opts_.data_timeout : opts_.command_timeout;
    if (!run_until(done, timeout)) {
      m.timed_out();
      return false;
    }
    if (wec) {
      m.connection_lost(wec.message());
      return false;
    }
    return true;
  }

  void converse(client_machine& m, attempt& a) {
    std::array<char, 8192> buf{};
    for (;;) {
      const auto step = m.next();
      take(m, a);
      if (!flush(m)) continue;  // the machine is closed now; next() says done
      if (step == client_step::done) break;
      if (step == client_step::start_tls) {
        if (handshake(a)) {
          m.tls_started(a.tls);
        } else {
          m.tls_failed(handshake_error_);
        }
        continue;
      }
      error_code rec;
      std::size_t n = 0;
      bool done = false;
      auto cb = [&](error_code e, std::size_t k) {
        rec = e;
        n = k;
        done = true;
      };
      if (tls_) {
        stream_.async_read_some(asio::buffer(buf), cb);
      } else {
        stream_.next_layer().async_read_some(asio::buffer(buf), cb);
      }
      const auto timeout =
          m.waiting_for() == wait_kind::data_end ? opts_.data_timeout : opts_.command_timeout;
      if (!run_until(done, timeout)) {
        m.timed_out();
      } else if (n > 0) {
        m.receive(std::string_view(buf.data(), n));
      } else if (rec) {
        m.connection_lost(rec == asio::error::eof || rec == ssl::error::stream_truncated
                              ? "connection closed by the server"
                              : rec.message());
      }
    }
  }

  endpoint to_;
  client_options opts_;
  asio::io_context io_{1};
  ssl::context ctx_{make_context()};
  ssl::stream<tcp::socket> stream_;
  bool tls_ = false;
  std::string problem_;
  std::string handshake_error_;
};

}  // namespace

attempt asio_smtp_client::deliver(const endpoint& to, const client_options& opts,
                                  const std::string& mail_from, const std::vector<std::string>& rcpts,
                                  std::string_view message) {
  session s(to, opts);
  return s.run(mail_from, rcpts, message);
}

}  // namespace mailjar::relay
