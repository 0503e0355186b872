// SMTP adapter: listeners and one coroutine per connection that moves bytes between a socket
// (plain, STARTTLS-upgraded or implicit TLS) and a protocol::session_machine, and hands complete
// messages to the ingest service. Owns timeouts (a watchdog per session), the connection cap and
// the --smtp-allow check; no protocol logic lives here. All sessions run on the io_context's
// thread; ingest completions are posted back to it. Asio stays inside smtp_server.cpp (and the
// shared listener helper, net/tcp_endpoint).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/cidr.hpp"
#include "smtp/protocol/session_machine.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace mailjar {
class event_sink;
}

namespace mailjar::ingest {
class ingest_service;
}

namespace mailjar::smtp {

struct server_options {
  session_config session;  // limits and AUTH policy for every session
  // Idle read/write time, and the time to send a whole command line; then 421 4.4.2.
  std::chrono::seconds timeout{300};
  // Time to send one message's data (DATA to the final dot, or one BDAT chunk); then 421 4.4.2.
  std::chrono::seconds data_timeout{600};
  std::size_t max_connections = 500;  // beyond: 421 4.7.0 at connect
  cidr_list allow;                    // empty: everyone
  // Optional (may be null; must outlive the server): every 4xx/5xx reply a client gets is
  // published as a client_error (4xx "warning", 5xx "error"), as Mailpit shows them in its UI.
  // Called on the network thread; the sink must not block.
  event_sink* errors = nullptr;
};

struct server_counters {
  std::uint64_t connections = 0;  // accepted so far
  std::uint64_t active = 0;       // open now
  std::uint64_t refused = 0;      // 554 (allow list) or 421 (cap)
};

class smtp_server {
 public:
  smtp_server(boost::asio::io_context& io, server_options opts, ingest::ingest_service& ingest,
              std::shared_ptr<boost::asio::ssl::context> tls);
  ~smtp_server();
  smtp_server(const smtp_server&) = delete;
  smtp_server& operator=(const smtp_server&) = delete;

  // Bind and start accepting on "host:port" ("[::1]:25" for IPv6). Throws std::runtime_error with
  // a one-line reason (address in use, bad address, permission). Returns the bound "ip:port".
  std::string listen(const std::string& host_port, bool implicit_tls);
  void stop();  // stop accepting and close every open session
  server_counters counters() const;

  struct state;  // defined in smtp_server.cpp, shared with its sessions

 private:
  std::shared_ptr<state> state_;
};

}  // namespace mailjar::smtp
