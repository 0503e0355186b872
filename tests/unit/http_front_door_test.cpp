#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

#include "http/front_door.hpp"
#include "smtp/protocol/base64.hpp"

using namespace mailjar;
using namespace mailjar::http;

namespace {

// The router stand-in: records what reached it and answers with what the test set.
struct recording_handler {
  std::vector<api::request> seen;
  api::response reply = api::response::text(200, "ok");
  bool throw_ = false;

  front_door::handler_fn fn() {
    return [this](const api::request& r) {
      seen.push_back(r);
      if (throw_) throw std::runtime_error("boom");
      return reply;
    };
  }
};

inbound_request req(std::string method, std::string target, std::map<std::string, std::string> headers = {}) {
  inbound_request in;
  in.method = std::move(method);
  in.target = std::move(target);
  in.headers = std::move(headers);
  if (!in.headers.count("host")) in.headers["host"] = "127.0.0.1:8025";
  in.host_headers = 1;
  in.remote_addr = "127.0.0.1:40000";
  return in;
}

std::string header(const api::response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(inflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

http_options opts_with(std::vector<std::string> cors = {}, std::string webroot = "/") {
  http_options o;
  o.cors_origins = std::move(cors);
  o.webroot = std::move(webroot);
  o.max_body = 1000;
  o.max_send_body = 5000;
  return o;
}

}  // namespace

TEST_CASE("requests reach the handler decoded, with nosniff on the response", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with(), "127.0.0.1", nullptr, h.fn());
  auto in = req("GET", "/%61pi/v1/search?query=subject%3Ahi+there&start=5", {{"x-custom", "v"}});
  auto out = door.handle(in);
  CHECK(out.response.status == 200);
  CHECK(out.response.body == "ok");
  CHECK(header(out.response, "X-Content-Type-Options") == "nosniff");
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].method == "GET");
  CHECK(h.seen[0].path == "/api/v1/search");
  CHECK(h.seen[0].param("query") == "subject:hi there");
  CHECK(h.seen[0].param("start") == "5");
  CHECK(h.seen[0].header("x-custom") == "v");
  CHECK(h.seen[0].remote_addr == "127.0.0.1:40000");
}

TEST_CASE("bad targets, methods and Host headers never reach the handler", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with(), "127.0.0.1", nullptr, h.fn());
  CHECK(door.handle(req("GET", "/api/../etc/passwd")).response.status == 400);
  CHECK(door.handle(req("GET", "/api%2fv1/messages")).response.status == 400);
  CHECK(door.handle(req("GET", "/a%00")).response.status == 400);
  auto trace = door.handle(req("TRACE", "/"));
  CHECK(trace.response.status == 405);
  CHECK(header(trace.response, "Allow").find("GET") != std::string::npos);

  // DNS rebinding: the attacker's name in Host.
  auto rebound = door.handle(req("GET", "/api/v1/messages", {{"host", "evil.test:8025"}}));
  CHECK(rebound.response.status == 403);
  CHECK(rebound.response.body.find("--http-allow-host") != std::string::npos);
  auto none = req("GET", "/api/v1/messages");
  none.headers.erase("host");
  none.host_headers = 0;
  CHECK(door.handle(none).response.status == 400);
  auto two = req("GET", "/api/v1/messages");
  two.host_headers = 2;
  CHECK(door.handle(two).response.status == 400);
  CHECK(door.handle(two).close);
  CHECK(h.seen.empty());

  front_door widened(
      [] {
        auto o = opts_with();
        o.allow_hosts = {"mail.dev.test"};
        return o;
      }(),
      "127.0.0.1", nullptr, h.fn());
  CHECK(widened.handle(req("GET", "/api/v1/messages", {{"host", "mail.dev.test:8025"}})).response.status ==
        200);
  CHECK(h.seen.size() == 1);
}

TEST_CASE("state-changing requests need a same-origin or listed Origin", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with({"http://app.test:3000"}), "127.0.0.1", nullptr, h.fn());
  const std::map<std::string, std::string> host = {{"host", "localhost:8025"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    auto m = host;
    m.insert(extra.begin(), extra.end());
    return m;
  };

  // Cross-site: refused, handler untouched — also through the encoded path.
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    INFO(method);
    auto out = door.handle(req(method, "/api/v1/messages", with({{"origin", "http://evil.test"}})));
    CHECK(out.response.status == 403);
    CHECK(door.handle(req(method, "/%61pi/v1/messages", with({{"origin", "http://evil.test"}})))
              .response.status == 403);
    CHECK(door.handle(req(method, "/api/v1/messages", with({{"origin", "null"}}))).response.status == 403);
    CHECK(door.handle(req(method, "/api/v1/messages", with({{"origin", "http://localhost:9999"}})))
              .response.status == 403);
  }
  CHECK(h.seen.empty());
  // Without Origin, Fetch Metadata still gives a cross-site request away.
  CHECK(door.handle(req("DELETE", "/api/v1/messages", with({{"sec-fetch-site", "cross-site"}})))
            .response.status == 403);
  CHECK(h.seen.empty());

  // Same origin, listed origin, and non-browser clients (no Origin) pass.
  CHECK(door.handle(req("DELETE", "/api/v1/messages", with({{"origin", "http://localhost:8025"}})))
            .response.status == 200);
  auto listed = door.handle(req("PUT", "/api/v1/messages", with({{"origin", "http://app.test:3000"}})));
  CHECK(listed.response.status == 200);
  CHECK(header(listed.response, "Access-Control-Allow-Origin") == "http://app.test:3000");
  CHECK(header(listed.response, "Access-Control-Allow-Credentials") == "true");
  CHECK(header(listed.response, "Vary").find("Origin") != std::string::npos);
  CHECK(door.handle(req("POST", "/api/v1/send", host)).response.status == 200);
  CHECK(door.handle(req("DELETE", "/api/v1/messages", with({{"sec-fetch-site", "same-origin"}})))
            .response.status == 200);
  CHECK(h.seen.size() == 4);

  // Reads from another origin are answered (the browser keeps them from the page: no CORS header).
  auto read = door.handle(req("GET", "/api/v1/messages", with({{"origin", "http://evil.test"}})));
  CHECK(read.response.status == 200);
  CHECK(header(read.response, "Access-Control-Allow-Origin").empty());
}

TEST_CASE("WebSocket upgrades: Origin checked on the normalised path, two endpoints", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with(), "127.0.0.1", nullptr, h.fn());
  auto ws = [&](std::string target, std::map<std::string, std::string> headers) {
    auto in = req("GET", std::move(target), std::move(headers));
    in.websocket_upgrade = true;
    return door.handle(in);
  };
  // Mailpit CVE-2026-22689 and its /%61pi/events bypass.
  for (const char* target : {"/api/events", "/%61pi/events", "//api//events", "/api/./events"}) {
    INFO(target);
    auto out = ws(target, {{"host", "localhost:8025"}, {"origin", "http://evil.test"}});
    CHECK(out.upgrade == upgrade_kind::none);
    CHECK(out.response.status == 403);
  }
  CHECK(ws("/api/events", {{"host", "localhost:8025"}, {"origin", "http://localhost:8025"}}).upgrade ==
        upgrade_kind::mailpit_events);
  CHECK(ws("/%61pi/events", {{"host", "localhost:8025"}}).upgrade == upgrade_kind::mailpit_events);
  CHECK(ws("/api/v2/websocket", {{"host", "localhost:8025"}}).upgrade == upgrade_kind::mailhog_events);
  CHECK(ws("/api/v1/messages", {{"host", "localhost:8025"}}).response.status == 404);
  CHECK(ws("/api/events", {{"host", "evil.test"}}).response.status == 403);
  auto plain = door.handle(req("GET", "/api/events"));
  CHECK(plain.response.status == 426);
  CHECK(h.seen.empty());
}

TEST_CASE("CORS preflight answers listed origins only, before auth", "[http][front_door]") {
  recording_handler h;
  auto auth = basic_auth::create({{"u", "p"}});
  REQUIRE(auth.ok());
  front_door door(opts_with({"http://app.test:3000"}), "127.0.0.1", *auth, h.fn());
  auto pre = door.handle(req("OPTIONS", "/api/v1/messages",
                             {{"origin", "http://app.test:3000"},
                              {"access-control-request-method", "DELETE"},
                              {"access-control-request-headers", "content-type, x-requested-with"}}));
  CHECK(pre.response.status == 204);
  CHECK(header(pre.response, "Access-Control-Allow-Origin") == "http://app.test:3000");
  CHECK(header(pre.response, "Access-Control-Allow-Methods").find("DELETE") != std::string::npos);
  CHECK(header(pre.response, "Access-Control-Allow-Headers") == "content-type, x-requested-with");
  CHECK_FALSE(header(pre.response, "Access-Control-Max-Age").empty());

  auto refused =
      door.handle(req("OPTIONS", "/api/v1/messages",
                      {{"origin", "http://evil.test"}, {"access-control-request-method", "DELETE"}}));
  CHECK(refused.response.status == 403);
  CHECK(header(refused.response, "Access-Control-Allow-Origin").empty());
  // Odd requested headers are not echoed.
  auto odd = door.handle(req("OPTIONS", "/x",
                             {{"origin", "http://app.test:3000"},
                              {"access-control-request-method", "PUT"},
                              {"access-control-request-headers", "x\r\nSet-Cookie: a"}}));
  CHECK(header(odd.response, "Access-Control-Allow-Headers").find("Set-Cookie") == std::string::npos);
  auto plain = door.handle(req("OPTIONS", "/api/v1/messages"));
  CHECK(plain.response.status == 204);
  CHECK_FALSE(header(plain.response, "Allow").empty());
  CHECK(h.seen.empty());

  front_door star(opts_with({"*"}), "127.0.0.1", nullptr, h.fn());
  auto any = star.handle(req("PUT", "/api/v1/messages", {{"origin", "http://whatever.test"}}));
  CHECK(any.response.status == 200);
  CHECK(header(any.response, "Access-Control-Allow-Origin") == "*");
  CHECK(header(any.response, "Access-Control-Allow-Credentials").empty());
}

TEST_CASE("basic auth guards UI and API but not health checks", "[http][front_door]") {
  recording_handler h;
  auto auth = basic_auth::create({{"alice", "wonder"}});
  REQUIRE(auth.ok());
  front_door door(opts_with(), "127.0.0.1", *auth, h.fn());
  auto denied = door.handle(req("GET", "/api/v1/messages"));
  CHECK(denied.response.status == 401);
  CHECK(header(denied.response, "WWW-Authenticate").rfind("Basic realm=", 0) == 0);
  CHECK(door.handle(req("GET", "/", {{"authorization", "Basic " + smtp::base64_encode("alice:wrong")}}))
            .response.status == 401);
  auto ws_in = req("GET", "/api/events");
  ws_in.websocket_upgrade = true;
  CHECK(door.handle(ws_in).response.status == 401);
  CHECK(h.seen.empty());

  CHECK(door.handle(req("GET", "/api/v1/messages",
                        {{"authorization", "Basic " + smtp::base64_encode("alice:wonder")}}))
            .response.status == 200);
  CHECK(door.handle(req("GET", "/livez")).response.status == 200);
  CHECK(door.handle(req("GET", "/readyz")).response.status == 200);
  CHECK(h.seen.size() == 3);
}

TEST_CASE("HEAD is served as GET; handler failures are 500", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with(), "127.0.0.1", nullptr, h.fn());
  auto head = door.handle(req("HEAD", "/api/v1/info"));
  CHECK(head.head);
  CHECK(head.response.status == 200);
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].method == "HEAD");  // passed through: HEAD must not have GET's side effects
  h.throw_ = true;
  CHECK(door.handle(req("GET", "/api/v1/info")).response.status == 500);
}

TEST_CASE("large JSON is gzipped for clients that accept it", "[http][front_door]") {
  recording_handler h;
  std::string big = "{\"messages\":[";
  for (int i = 0; i < 200; ++i) big += "{\"Subject\":\"message number " + std::to_string(i) + "\"},";
  big += "{}]}";
  h.reply = api::response::text(200, big);
  h.reply.content_type = "application/json";
  front_door door(opts_with(), "127.0.0.1", nullptr, h.fn());

  auto z = door.handle(req("GET", "/api/v1/messages", {{"accept-encoding", "gzip, deflate"}}));
  CHECK(header(z.response, "Content-Encoding") == "gzip");
  CHECK(header(z.response, "Vary").find("Accept-Encoding") != std::string::npos);
  CHECK(z.response.body.size() < big.size());
  CHECK(gunzip(z.response.body) == big);

  auto plain = door.handle(req("GET", "/api/v1/messages"));
  CHECK(header(plain.response, "Content-Encoding").empty());
  CHECK(plain.response.body == big);
  CHECK(header(door.handle(req("GET", "/x", {{"accept-encoding", "gzip;q=0"}})).response, "Content-Encoding")
            .empty());

  h.reply.body = "{\"small\":true}";
  CHECK(header(door.handle(req("GET", "/x", {{"accept-encoding", "gzip"}})).response, "Content-Encoding")
            .empty());

  h.reply.body = big;
  h.reply.content_type = "application/octet-stream";  // attachment bytes go as they are
  CHECK(header(door.handle(req("GET", "/x", {{"accept-encoding", "gzip"}})).response, "Content-Encoding")
            .empty());
}

TEST_CASE("webroot: routes live under the prefix only", "[http][front_door]") {
  recording_handler h;
  front_door door(opts_with({}, "/mail/"), "127.0.0.1", nullptr, h.fn());
  CHECK(door.handle(req("GET", "/mail/api/v1/messages")).response.status == 200);
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].path == "/api/v1/messages");
  CHECK(door.handle(req("GET", "/api/v1/messages")).response.status == 404);
  auto redirect = door.handle(req("GET", "/mail"));
  CHECK(redirect.response.status == 308);
  CHECK(header(redirect.response, "Location") == "/mail/");
  auto ws_in = req("GET", "/mail/api/events");
  ws_in.websocket_upgrade = true;
  CHECK(door.handle(ws_in).upgrade == upgrade_kind::mailpit_events);
  CHECK(h.seen.size() == 1);
}

TEST_CASE("body limits: /api/v1/send takes a whole message, everything else max_body", "[http][front_door]") {
  front_door door(opts_with({}, "/mail/"), "127.0.0.1", nullptr,
                  [](const api::request&) { return api::response{}; });
  CHECK(door.body_limit_for("/mail/api/v1/send") == 5000);
  CHECK(door.body_limit_for("/mail/%61pi/v1/send") == 5000);
  CHECK(door.body_limit_for("/mail/api/v1/messages") == 1000);
  CHECK(door.body_limit_for("/api/v1/send") == 1000);  // outside the webroot: no big body
  CHECK(door.body_limit_for("/mail/api/v1/send/../x") == 1000);
  auto e = front_door::wire_error(413, "too big");
  CHECK(e.status == 413);
  CHECK(header(e, "X-Content-Type-Options") == "nosniff");
}
