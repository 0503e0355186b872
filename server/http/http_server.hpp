// HTTP adapter: the listener and one session object per connection (Boost.Beast, plain or TLS),
// moving requests between the socket and the front_door. Each session reads ahead up to
// pipeline_limit requests, hands them one at a time (in order) to the worker pool — the
// front_door and the API handler never run on the network thread — and writes the responses
// back in request order. Owns the body/header limits, timeouts, the connection cap and the
// hand-off of WebSocket upgrades to ws_session. Sessions live on their own strands of the
// io_context; Beast stays inside http_server.cpp and ws_session.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/basic_auth.hpp"
#include "http/front_door.hpp"
#include "http/http_options.hpp"
#include "http/ws_hub.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace mailjar::http {

struct http_counters {
  std::uint64_t connections = 0;  // accepted so far
  std::uint64_t active = 0;       // open now (HTTP and WebSocket)
  std::uint64_t refused = 0;      // over max_connections
  std::uint64_t requests = 0;     // responses written
};

class http_server {
 public:
  // Runs `job` on the worker pool (never the io_context's threads).
  using dispatch_fn = std::function<void(std::function<void()> job)>;

  // `auth` and `tls` may be null (no basic auth / plain HTTP). `hub` may be null (no WebSocket).
  http_server(boost::asio::io_context& io, http_options opts, std::shared_ptr<const basic_auth> auth,
              front_door::handler_fn handler, std::shared_ptr<ws_hub> hub, dispatch_fn workers,
              std::shared_ptr<boost::asio::ssl::context> tls);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Bind "host:port" ("[::1]:0" for IPv6) and start accepting. Throws std::runtime_error with a
  // one-line reason. Returns the bound "ip:port". Call once.
  std::string listen(const std::string& host_port);
  void stop();  // stop accepting; close every open HTTP session (WebSockets: ws_hub::stop)
  http_counters counters() const;

  struct state;  // defined in http_server.cpp, shared with its sessions

 private:
  std::shared_ptr<state> state_;
};

}  // namespace mailjar::http
