// start/limit parsing as Mailpit's and MailHog's getStartLimit do it: odd values fall back to
// the defaults instead of failing, limit=0 lists everything for Mailpit (clamped) and is the
// default for MailHog, and MailHog clamps to 250. Through the router too.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/paging.hpp"
#include "support/api_fixture.hpp"

using namespace mailjar;
using namespace mailjar::api;
using mailjar::testing::api_fixture;

namespace {

request with(std::multimap<std::string, std::string> q) {
  request r;
  r.query = std::move(q);
  return r;
}

const paging_rules mailhog{50, 250, false};

}  // namespace

TEST_CASE("parse_go_int accepts what Go's strconv.Atoi accepts", "[api][paging]") {
  CHECK(parse_go_int("0") == 0);
  CHECK(parse_go_int("42") == 42);
  CHECK(parse_go_int("+7") == 7);
  CHECK(parse_go_int("-7") == -7);
  CHECK(parse_go_int("007") == 7);
  CHECK(parse_go_int("9223372036854775807") == INT64_MAX);
  CHECK(parse_go_int("-9223372036854775808") == INT64_MIN);
  for (const char* bad : {"", "+", "-", " 5", "5 ", "1e3", "0x10", "1_000", "5.0", "abc",
                          "9223372036854775808", "-9223372036854775809", "99999999999999999999999", "١٢"}) {
    INFO(bad);
    CHECK_FALSE(parse_go_int(bad).has_value());
  }
}

TEST_CASE("Mailpit paging: defaults, fallbacks, limit=0 and clamping", "[api][paging]") {
  struct row {
    std::multimap<std::string, std::string> q;
    std::size_t start, limit;
  };
  for (const auto& r : std::vector<row>{
           {{}, 0, 50},
           {{{"start", "20"}, {"limit", "10"}}, 20, 10},
           {{{"start", ""}, {"limit", ""}}, 0, 50},
           {{{"start", "-1"}}, 0, 50},
           {{{"start", "abc"}}, 0, 50},
           {{{"start", "99999999999999999999999"}}, 0, 50},  // overflows int64: Atoi fails
           {{{"start", "9223372036854775807"}}, 9223372036854775807ull, 50},
           {{{"start", "+3"}}, 3, 50},
           {{{"limit", "0"}}, 0, 10000},  // Mailpit: no limit (mailjar clamps)
           {{{"limit", "-5"}}, 0, 50},
           {{{"limit", "1e3"}}, 0, 50},
           {{{"limit", " 5"}}, 0, 50},
           {{{"limit", "99999999"}}, 0, 10000},
           {{{"limit", "9223372036854775807"}}, 0, 10000},
       }) {
    auto p = parse_paging(with(r.q));
    REQUIRE(p.ok());
    CAPTURE(r.q.size(), r.start, r.limit);
    CHECK(p->start == r.start);
    CHECK(p->limit == r.limit);
  }
}

TEST_CASE("MailHog paging: limit=0 and negatives are the default; clamped to 250", "[api][paging]") {
  CHECK(parse_paging(with({{"limit", "0"}}), mailhog)->limit == 50);
  CHECK(parse_paging(with({{"limit", "-1"}}), mailhog)->limit == 50);
  CHECK(parse_paging(with({{"limit", "300"}}), mailhog)->limit == 250);
  CHECK(parse_paging(with({{"limit", "250"}}), mailhog)->limit == 250);
  CHECK(parse_paging(with({{"limit", "x"}, {"start", "-9"}}), mailhog)->start == 0);
}

TEST_CASE("odd paging values never fail a list request (v1 and MailHog v2)", "[api][paging]") {
  api_fixture f;
  for (int i = 0; i < 60; ++i) {
    std::string s = "m" + std::to_string(i);
    f.box.add("From: a@example.com\r\nTo: b@example.com\r\nSubject: " + s + "\r\nMessage-ID: <" + s +
              "@example.com>\r\n\r\nbody " + s + "\r\n");
  }

  auto v1 = f.get("/api/v1/messages", {{"start", "-5"}, {"limit", "zero"}});
  REQUIRE(v1.status == 200);
  auto j = api_fixture::json_of(v1);
  CHECK(j.at("start") == 0);
  CHECK(j.at("count") == 50);

  j = api_fixture::json_of(f.get("/api/v1/messages", {{"limit", "0"}}));
  CHECK(j.at("count") == 60);  // everything

  j = api_fixture::json_of(f.get("/api/v1/search", {{"query", "m1"}, {"limit", "0"}, {"start", "x"}}));
  CHECK(j.at("start") == 0);

  j = api_fixture::json_of(f.get("/api/v1/messages", {{"start", "9223372036854775807"}}));
  CHECK(j.at("count") == 0);
  CHECK(j.at("messages") == nlohmann::json::array());

  auto v2 = f.get("/api/v2/messages", {{"limit", "0"}, {"start", "-1"}});
  REQUIRE(v2.status == 200);
  j = api_fixture::json_of(v2);
  CHECK(j.at("count") == 50);  // MailHog: 0 is the default
  CHECK(j.at("start") == 0);
  CHECK(f.box.last_page()->limit == 50);
  j = api_fixture::json_of(f.get("/api/v2/messages", {{"limit", "1000"}}));
  CHECK(f.box.last_page()->limit == 250);
  CHECK(j.at("count") == 60);
}
