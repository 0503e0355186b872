// The HTTP adapter's decisions, without sockets: turns what the wire delivered (method, raw
// target, headers, body) into either a response or a WebSocket upgrade. In order: method,
// target (api/request_target: decode, normalise, webroot), Host (DNS rebinding), CORS preflight,
// basic auth, Origin on state-changing requests and upgrades (CSRF/CSWSH), then the web UI
// (webui_server: the app shell and its files) or else the handler (api::router::handle in the
// daemon) with HEAD served as GET; finally nosniff, CORS and gzip.
// Routing and every check see the same normalised path.
// Thread-safe: handle() runs concurrently on worker threads and may block in the handler or in
// a slow password hash; nothing here may run on a network thread except body_limit_for().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.hpp"
#include "http/basic_auth.hpp"
#include "http/http_options.hpp"
#include "http/security.hpp"
#include "http/webui_server.hpp"

namespace mailjar::http {

// One request as read from the wire. Header names lower-case; repeated headers joined by ", "
// except Host, which is counted (more than one: 400).
struct inbound_request {
  std::string method;  // as sent (upper-case expected)
  std::string target;  // raw request-target
  std::map<std::string, std::string> headers;
  int host_headers = 0;
  std::string body;
  bool has_body = false;
  std::string remote_addr;         // "ip:port"
  bool websocket_upgrade = false;  // a valid WebSocket upgrade request (Beast checked the headers)
};

enum class upgrade_kind { none, mailpit_events, mailhog_events };

struct outcome {
  api::response response;
  upgrade_kind upgrade = upgrade_kind::none;  // when set, response is unused: accept the upgrade
  bool head = false;                          // send the headers only
  bool close = false;                         // close the connection after this response
};

class front_door {
 public:
  using handler_fn = std::function<api::response(const api::request&)>;

  // `listener_host` is the address the listener bound (for the Host rule); `auth` may be null.
  front_door(http_options opts, std::string listener_host, std::shared_ptr<const basic_auth> auth,
             handler_fn handler);

  outcome handle(const inbound_request& in) const;

  // The body limit for a target (cheap; network thread): /api/v1/send gets max_send_body.
  std::uint64_t body_limit_for(std::string_view target) const;

  // Error responses produced by the network layer itself (413, 431, 400 parse errors, 503),
  // with the same security headers as every other response.
  static api::response wire_error(int status, std::string text);

 private:
  outcome route(const inbound_request& in, const std::string& path,
                const std::multimap<std::string, std::string>& query) const;
  void finish(const inbound_request& in, outcome& out) const;

  http_options opts_;
  host_policy hosts_;
  std::shared_ptr<const basic_auth> auth_;
  handler_fn handler_;
  webui_server ui_;
};

}  // namespace mailjar::http
