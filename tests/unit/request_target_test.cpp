#include <catch2/catch.hpp>

#include <string>

#include "api/request_target.hpp"

using namespace mailjar::api;
using namespace std::string_literals;

namespace {
std::string path_of(std::string_view target, std::string_view webroot = "/") {
  auto t = parse_target(target, webroot);
  INFO(std::string(target) << " -> " << t.status << " " << t.reason);
  REQUIRE(t.ok());
  return t.path;
}
int status_of(std::string_view target, std::string_view webroot = "/") {
  return parse_target(target, webroot).status;
}
}  // namespace

TEST_CASE("paths are percent-decoded so every spelling routes (and is checked) alike", "[request_target]") {
  CHECK(path_of("/api/events") == "/api/events");
  // Mailpit CVE-2026-22689 bypass: the encoded spelling is the same path.
  CHECK(path_of("/%61pi/events") == "/api/events");
  CHECK(path_of("/%61%70%69/%65vents") == "/api/events");
  CHECK(path_of("/api/v1/tags/caf%C3%A9") == "/api/v1/tags/caf\xC3\xA9");
  CHECK(path_of("/api/v1/tags/a+b") == "/api/v1/tags/a+b");  // '+' is literal in a path
  CHECK(path_of("/api/v1/tags/a%20b") == "/api/v1/tags/a b");
  CHECK(path_of("/") == "/");
  // An escaped '%' decodes once, never twice.
  CHECK(path_of("/x/%2561") == "/x/%61");
}

TEST_CASE("doubled slashes collapse, dot segments go, trailing slash kept", "[request_target]") {
  CHECK(path_of("//api///events") == "/api/events");
  CHECK(path_of("/api/./events") == "/api/events");
  CHECK(path_of("/api/%2e/events") == "/api/events");
  CHECK(path_of("/api/v1/messages/") == "/api/v1/messages/");
  CHECK(path_of("/api/v1//messages//") == "/api/v1/messages/");
  CHECK(path_of("//") == "/");
  CHECK(path_of("/a#frag") == "/a");
}

TEST_CASE("dangerous targets are refused with 400", "[request_target]") {
  for (const char* t : {"/api/../secret",
                        "/..",
                        "/api/%2e%2e/x",
                        "/api/%2E%2e",
                        "/api/.%2e/x",
                        "/api%2fevents",
                        "/api%2Fevents",
                        "/api%5cevents",
                        "/api%5Cevents",
                        "/api\\events",
                        "/a%00b",
                        "/a%0d%0aSet-Cookie:x",
                        "/a%7f",
                        "/a%1b",
                        "/a%",
                        "/a%4",
                        "/a%zz",
                        "/a%c3%28",
                        "/a%ff",
                        "api/events",
                        "http://evil.test/api/events",
                        "*",
                        ""}) {
    INFO(t);
    auto r = parse_target(t, "/");
    CHECK(r.status == 400);
    CHECK_FALSE(r.reason.empty());
  }
  // Raw control bytes too.
  CHECK(status_of("/a\x01"s) == 400);
  CHECK(status_of("/a\0b"s) == 400);
}

TEST_CASE("query strings decode into a multimap", "[request_target]") {
  auto t =
      parse_target("/api/v1/search?query=from%3Aa%40b.test+is%3Aunread&start=10&limit=5&tag=a&tag=b&flag");
  REQUIRE(t.ok());
  CHECK(t.path == "/api/v1/search");
  CHECK(t.query.find("query")->second == "from:a@b.test is:unread");
  CHECK(t.query.find("start")->second == "10");
  CHECK(t.query.count("tag") == 2);
  CHECK(t.query.find("flag")->second == "");
  // A '?' inside the query and an empty pair are fine.
  auto q = parse_target("/x?a=1?2&&b=%3D");
  REQUIRE(q.ok());
  CHECK(q.query.find("a")->second == "1?2");
  CHECK(q.query.find("b")->second == "=");
  // Separators in the query are data, not path.
  CHECK(parse_target("/x?p=%2F..%5C").ok());
  CHECK(parse_target("/x?q=a%09b").ok());  // TAB allowed in values
  CHECK(parse_target("/x?q=%00").status == 400);
  CHECK(parse_target("/x?q=%0a").status == 400);
  CHECK(parse_target("/x?q=%e9").status == 400);  // Latin-1, not UTF-8
  CHECK(parse_target("/x?q=%g1").status == 400);
  CHECK(decode_query_component("a+b%2Bc") == "a b+c");
  CHECK_FALSE(decode_query_component("%"));
}

TEST_CASE("webroot is stripped after decoding; outside it is 404", "[request_target]") {
  CHECK(normalise_webroot("") == "/");
  CHECK(normalise_webroot("/") == "/");
  CHECK(normalise_webroot("mail") == "/mail/");
  CHECK(normalise_webroot("/mail") == "/mail/");
  CHECK(normalise_webroot("//mail//box/") == "/mail/box/");
  CHECK(normalise_webroot("/../x").empty());
  CHECK(normalise_webroot("/a b/").empty());
  CHECK(normalise_webroot("/a%2f/").empty());

  CHECK(path_of("/mail/api/v1/messages", "/mail/") == "/api/v1/messages");
  CHECK(path_of("/mail/", "/mail/") == "/");
  CHECK(path_of("/%6dail/api/events", "/mail/") == "/api/events");
  CHECK(path_of("//mail//api//events", "/mail/") == "/api/events");
  CHECK(status_of("/api/v1/messages", "/mail/") == 404);
  CHECK(status_of("/mailbox/api", "/mail/") == 404);
  CHECK(status_of("/mail/../api", "/mail/") == 400);
  auto r = parse_target("/mail", "/mail/");
  CHECK(r.status == 308);
  CHECK(r.location == "/mail/");
  CHECK(parse_target("/", "/mail/").status == 308);
  CHECK(path_of("/a/b/api/x", "/a/b/") == "/api/x");
}
