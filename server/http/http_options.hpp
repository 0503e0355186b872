// Limits, timeouts and policies of the HTTP listener, each with its reason. Filled by the
// composition root from app::config; immutable once the server starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mailjar::http {

struct http_options {
  std::string webroot = "/";              // normalised: "/" or "/prefix/"
  std::vector<std::string> allow_hosts;   // --http-allow-host (DNS rebinding exceptions)
  std::vector<std::string> cors_origins;  // --cors-origin: CORS headers and cross-origin mutations

  // Web UI (webui_server): files from this directory instead of the embedded ones (--webui-dir),
  // and the SMTP listener's address for the UI's example commands (asked per page; may be empty).
  std::string webui_dir;
  std::function<std::string()> smtp_address;

  // Bodies: API calls are small JSON; /api/v1/send carries a whole message.
  std::uint64_t max_body = 5ull << 20;
  std::uint64_t max_send_body = 50ull << 20;  // = SMTP max message size
  std::uint32_t header_limit = 16 * 1024;     // request line + headers; beyond: 431
  std::size_t pipeline_limit = 16;            // requests read ahead of their responses per connection
  std::size_t max_connections = 1000;         // HTTP + WebSocket; beyond: refused at accept

  // A slow client may not hold a connection (or a worker) forever.
  std::chrono::seconds header_timeout{30};  // TLS handshake
  std::chrono::seconds idle_timeout{75};    // keep-alive wait for the next request and its headers
  std::chrono::seconds body_timeout{120};   // reading a body (50 MB on a slow link)
  std::chrono::seconds write_timeout{120};

  std::size_t gzip_min_bytes = 1024;  // smaller bodies are not worth a gzip header

  // WebSocket: pings keep proxies from closing an idle socket and find dead peers.
  std::chrono::seconds ws_idle_timeout{60};  // a ping after half of it, closed without a pong
  std::size_t ws_max_queue = 1024;           // frames queued per client; a full queue drops the client
  std::size_t ws_max_queue_bytes = 8u << 20;  // and their bytes (a `new` frame carries a whole subject)
  std::size_t ws_max_read = 64 * 1024;       // clients have nothing to say; bound what they send
};

}  // namespace mailjar::http
