#include "http/front_door.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>

#include "api/request_target.hpp"
#include "http/gzip.hpp"
#include "log/log.hpp"

namespace mailjar::http {

namespace {

constexpr std::array<std::string_view, 7> allowed_methods = {"GET",    "HEAD",  "POST",   "PUT",
                                                             "DELETE", "PATCH", "OPTIONS"};
constexpr const char* allow_header = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view events_path = "/api/events";
constexpr std::string_view mailhog_ws_path = "/api/v2/websocket";

std::string header_of(const inbound_request& in, const std::string& lower_name) {
  auto it = in.headers.find(lower_name);
  return it == in.headers.end() ? std::string() : it->second;
}

bool has_header(const api::response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           std::equal(h.first.begin(), h.first.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

void add_vary(api::response& r, std::string_view value) {
  for (auto& [name, v] : r.headers) {
    if (name == "Vary") {
      if (v.find(value) == std::string::npos) v += ", " + std::string(value);
      return;
    }
  }
  r.headers.emplace_back("Vary", std::string(value));
}

bool compressible(std::string_view content_type) {
  for (std::string_view p :
       {"application/json", "text/", "application/javascript", "image/svg+xml", "application/xml"}) {
    if (content_type.substr(0, p.size()) == p) return true;
  }
  return false;
}

bool is_health(std::string_view path) { return path == "/livez" || path == "/readyz"; }

// Access-Control-Request-Headers is echoed only when it is a plain token list.
std::string allowed_request_headers(const std::string& requested) {
  bool plain = !requested.empty() && requested.size() < 1024 &&
               std::all_of(requested.begin(), requested.end(), [](unsigned char c) {
                 return std::isalnum(c) || c == '-' || c == '_' || c == ',' || c == ' ';
               });
  return plain ? requested : "Content-Type, Authorization, X-Requested-With";
}

outcome respond(int status, std::string text) {
  outcome o;
  o.response = api::response::text(status, std::move(text));
  return o;
}

}  // namespace

front_door::front_door(http_options opts, std::string listener_host, std::shared_ptr<const basic_auth> auth,
                       handler_fn handler)
    : opts_(std::move(opts)),
      hosts_(std::move(listener_host), opts_.allow_hosts),
      auth_(std::move(auth)),
      handler_(std::move(handler)),
      ui_(webui_options{opts_.webroot, opts_.webui_dir, opts_.smtp_address}) {}

api::response front_door::wire_error(int status, std::string text) {
  auto r = api::response::text(status, std::move(text));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::uint64_t front_door::body_limit_for(std::string_view target) const {
  auto t = api::parse_target(target, opts_.webroot);
  if (t.ok() && (t.path == "/api/v1/send" || t.path == "/api/v1/send/")) {
    return std::max(opts_.max_send_body, opts_.max_body);
  }
  return opts_.max_body;
}

outcome front_door::handle(const inbound_request& in) const {
  outcome out;
  if (std::find(allowed_methods.begin(), allowed_methods.end(), in.method) == allowed_methods.end()) {
    out = respond(405, "method not allowed\n");
    out.response.headers.emplace_back("Allow", allow_header);
  } else if (auto t = api::parse_target(in.target, opts_.webroot); t.status == 308) {
    out = respond(308, "moved to " + t.location + "\n");
    out.response.headers.emplace_back("Location", t.location);
  } else if (!t.ok()) {
    out = respond(t.status, t.reason + "\n");
  } else if (in.host_headers != 1) {
    out = respond(400, "exactly one Host header is required\n");
    out.close = true;
  } else if (std::string host = header_of(in, "host"); !hosts_.allows(host)) {
    out = respond(403, "Host '" + host.substr(0, 200) +
                           "' is not allowed (DNS rebinding protection); start mailjar with "
                           "--http-allow-host NAME to serve it\n");
  } else {
    out = route(in, t.path, t.query);
  }
  if (in.method == "HEAD") out.head = true;
  finish(in, out);
  return out;
}

outcome front_door::route(const inbound_request& in, const std::string& path,
                          const std::multimap<std::string, std::string>& query) const {
  const std::string origin = header_of(in, "origin");

  if (in.method == "OPTIONS") {
    std::string wanted = header_of(in, "access-control-request-method");
    if (origin.empty() || wanted.empty()) {
      outcome o = respond(204, "");
      o.response.headers.emplace_back("Allow", allow_header);
      return o;
    }
    if (!origin_listed(origin, opts_.cors_origins)) {
      return respond(403, "CORS preflight refused: origin not in --cors-origin\n");
    }
    outcome o = respond(204, "");
    o.response.headers.emplace_back("Access-Control-Allow-Methods", allow_header);
    o.response.headers.emplace_back("Access-Control-Allow-Headers",
                                    allowed_request_headers(header_of(in, "access-control-request-headers")));
    o.response.headers.emplace_back("Access-Control-Max-Age", "600");
    add_vary(o.response, "Access-Control-Request-Method");
    add_vary(o.response, "Access-Control-Request-Headers");
    return o;
  }

  if (auth_ && !is_health(path) && !auth_->verify(header_of(in, "authorization"))) {
    outcome o = respond(401, "authentication required\n");
    o.response.headers.emplace_back("WWW-Authenticate", basic_auth::challenge);
    return o;
  }

  if (is_state_changing(in.method) || in.websocket_upgrade) {
    bool ok = true;
    if (!origin.empty()) {
      auto o = parse_origin(origin);
      auto h = parse_host_header(header_of(in, "host"));
      ok = origin_listed(origin, opts_.cors_origins) || (o && h && same_origin(*o, *h));
    } else {
      // Browsers send Origin on these; Fetch Metadata is a second witness when a proxy drops it.
      std::string site = header_of(in, "sec-fetch-site");
      ok = site != "cross-site" && site != "same-site";
    }
    if (!ok) {
      log::line(log::level::warn, "http_refused")
          .kv("reason", "origin")
          .kv("origin", origin)
          .kv("method", in.method)
          .kv("path", path)
          .kv("peer", in.remote_addr)
          .emit();
      return respond(403, "cross-origin request refused (Origin '" + origin.substr(0, 200) +
                              "'); allow it with --cors-origin\n");
    }
  }

  const bool ws_path = path == events_path || path == mailhog_ws_path;
  if (in.websocket_upgrade) {
    if (!ws_path || in.method != "GET") return respond(404, "no WebSocket endpoint here\n");
    outcome o;
    o.upgrade = path == events_path ? upgrade_kind::mailpit_events : upgrade_kind::mailhog_events;
    return o;
  }
  if (ws_path && (in.method == "GET" || in.method == "HEAD")) {
    outcome o = respond(426, "this is a WebSocket endpoint: send an Upgrade request\n");
    o.response.headers.emplace_back("Upgrade", "websocket");
    return o;
  }

  api::request req;
  req.method = in.method;  // the router serves HEAD with GET routes; handlers can tell HEAD apart
  req.path = path;
  req.query = query;
  req.headers = in.headers;
  req.body = in.body;
  req.has_body = in.has_body;
  req.remote_addr = in.remote_addr;
  outcome o;
  try {
    if (auto page = ui_.serve(req)) {
      o.response = std::move(*page);
      return o;
    }
    o.response = handler_(req);
  } catch (const std::exception& e) {
    log::line(log::level::error, "http_handler_failed").kv("path", path).kv("error", e.what()).emit();
    o = respond(500, "internal error\n");
  }
  return o;
}

void front_door::finish(const inbound_request& in, outcome& out) const {
  if (out.upgrade != upgrade_kind::none) return;
  api::response& r = out.response;
  if (!has_header(r, "X-Content-Type-Options")) r.headers.emplace_back("X-Content-Type-Options", "nosniff");

  const std::string origin = header_of(in, "origin");
  if (!origin.empty() && origin_listed(origin, opts_.cors_origins)) {
    // An explicitly listed origin may send credentials; "*" lets anyone read, without them.
    bool explicit_listing =
        std::any_of(opts_.cors_origins.begin(), opts_.cors_origins.end(),
                    [&](const std::string& c) { return c != "*" && origin_listed(origin, {c}); });
    r.headers.emplace_back("Access-Control-Allow-Origin", explicit_listing ? origin : "*");
    if (explicit_listing) r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    r.headers.emplace_back("Access-Control-Expose-Headers", "Content-Disposition, Content-Length");
    add_vary(r, "Origin");
  } else if (!opts_.cors_origins.empty()) {
    add_vary(r, "Origin");
  }

  if (compressible(r.content_type) && !has_header(r, "Content-Encoding")) {
    add_vary(r, "Accept-Encoding");
    if (r.body.size() >= opts_.gzip_min_bytes && accepts_gzip(header_of(in, "accept-encoding"))) {
      if (auto z = gzip_compress(r.body)) {
        r.body = std::move(*z);
        r.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
  }
}

}  // namespace mailjar::http
