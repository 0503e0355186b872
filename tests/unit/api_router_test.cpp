// Routing: pattern matching, 404/405, HEAD/OPTIONS, trailing slashes, exceptions, and the
// OpenAPI document covering every route.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>

#include "api/openapi_document.hpp"
#include "api/route_table.hpp"
#include "support/api_fixture.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using json = nlohmann::json;

TEST_CASE("route patterns match segments and capture parameters", "[api]") {
  std::map<std::string, std::string> p;
  CHECK(api::match_pattern("/api/v1/message/{ID}/part/{PartID}", "/api/v1/message/abc/part/1.2", p));
  CHECK(p["ID"] == "abc");
  CHECK(p["PartID"] == "1.2");
  p.clear();
  CHECK(api::match_pattern("/view/{ID}.html", "/view/xyz.html", p));
  CHECK(p["ID"] == "xyz");
  CHECK_FALSE(api::match_pattern("/view/{ID}.html", "/view/.html", p));
  CHECK_FALSE(api::match_pattern("/view/{ID}.html", "/view/xyz.txt", p));
  CHECK_FALSE(api::match_pattern("/api/v1/message/{ID}", "/api/v1/message/", p));
  CHECK_FALSE(api::match_pattern("/api/v1/message/{ID}", "/api/v1/message/a/b", p));
  CHECK_FALSE(api::match_pattern("/api/v1/messages", "/api/v1/messages/x", p));
  CHECK_FALSE(api::match_pattern("/livez", "/", p));
  CHECK(api::match_pattern("/livez", "/livez", p));
}

TEST_CASE("unknown paths are 404, wrong methods 405 with Allow", "[api]") {
  api_fixture f;
  auto nf = f.get("/api/v1/nothing");
  CHECK(nf.status == 404);
  CHECK(nf.content_type.rfind("text/plain", 0) == 0);
  CHECK(f.get("/").status == 404);
  auto na = f.post("/api/v1/messages", "{}");
  CHECK(na.status == 405);
  CHECK(api_fixture::header(na, "Allow") == "GET, PUT, DELETE, HEAD");
  CHECK(f.call(api_fixture::make("PATCH", "/api/v1/tags")).status == 405);
}

TEST_CASE("HEAD is served by GET routes; OPTIONS lists the methods", "[api]") {
  api_fixture f;
  f.box.add("Subject: s\r\n\r\nx\r\n");
  auto head = f.call(api_fixture::make("HEAD", "/api/v1/messages"));
  CHECK(head.status == 200);
  CHECK(head.content_type == "application/json");
  auto opt = f.call(api_fixture::make("OPTIONS", "/api/v1/tags"));
  CHECK(opt.status == 200);
  CHECK(api_fixture::header(opt, "Allow") == "GET, PUT, HEAD, OPTIONS");
}

TEST_CASE("a trailing slash routes like the path without it (MailHog's routes allow it)", "[api]") {
  api_fixture f;
  CHECK(f.get("/api/v2/messages/").status == 200);
  CHECK(f.get("/api/v1/messages/").status == 200);
}

namespace {
// A mailbox whose reads throw: the router must answer 500, not propagate.
class throwing_mailbox final : public testing::fake_mailbox {
 public:
  result<message_page> list(const page_request&) override { throw std::runtime_error("boom"); }
};
}  // namespace

TEST_CASE("an exception in a handler becomes a 500", "[api]") {
  throwing_mailbox box;
  api_fixture f(&box);
  auto r = f.get("/api/v1/messages");
  CHECK(r.status == 500);
  CHECK(r.body == "internal error: boom");
}

TEST_CASE("GET /api/v1/openapi.json is valid JSON describing every route", "[api]") {
  auto cfg = api_fixture::default_settings();
  cfg.webroot = "/mail/";
  api_fixture f(nullptr, cfg);
  auto r = f.get("/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  json doc = api_fixture::json_of(r);
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  CHECK(doc["servers"][0]["url"] == "/mail/");
  CHECK(doc["info"]["version"] == "0.1.0");
  std::set<std::string> refs;
  for (const auto& route : api::route_table()) {
    std::string path(route.pattern);
    std::string method(route.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    INFO(method << " " << path);
    REQUIRE(doc["paths"].contains(path));
    CHECK(doc["paths"][path].contains(method));
    CHECK(doc["paths"][path][method].contains("responses"));
  }
  // Every $ref points at something defined.
  std::function<void(const json&)> walk = [&](const json& j) {
    if (j.is_object()) {
      for (auto& [k, v] : j.items()) {
        if (k == "$ref") refs.insert(v.get<std::string>());
        walk(v);
      }
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
  CHECK(refs.size() > 10);
  for (const auto& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    CHECK(doc.contains(json::json_pointer(ref.substr(1))));
  }
  // And the document in the binary is itself valid JSON.
  CHECK_NOTHROW(json::parse(api::openapi_document()));
}
