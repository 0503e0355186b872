#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "relay/protocol/delivery_runner.hpp"
#include "relay/protocol/mx_order.hpp"

using namespace mailjar::relay;

namespace {

// Answers per address: a status for each recipient (by address), or a session error.
struct fake_client : smtp_client {
  struct script {
    std::string error;                           // non-empty: session failure, everyone temporary
    std::string tls_error;                       // non-empty: session failure unless opts.tls is none
    std::map<std::string, rcpt_status> by_rcpt;  // missing: delivered
  };
  std::map<std::string, script> hosts;  // by endpoint address
  std::vector<std::pair<std::string, std::vector<std::string>>> calls;

  std::vector<tls_mode> modes;

  attempt deliver(const endpoint& to, const client_options& opts, const std::string&,
                  const std::vector<std::string>& rcpts, std::string_view) override {
    calls.push_back({to.address + ":" + std::to_string(to.port), rcpts});
    modes.push_back(opts.tls);
    attempt a;
    a.host = to.host;
    a.address = to.address;
    auto s = hosts[to.address];
    if (!s.tls_error.empty() && opts.tls != tls_mode::none) s.error = s.tls_error;
    a.error = s.error;
    for (const auto& r : rcpts) {
      rcpt_outcome o{r, rcpt_status::delivered, 250, "ok"};
      if (!s.error.empty()) {
        o = {r, rcpt_status::temporary, 0, s.error};
      } else if (auto it = s.by_rcpt.find(r); it != s.by_rcpt.end()) {
        o.status = it->second;
        o.code = it->second == rcpt_status::permanent ? 550 : 451;
      }
      a.recipients.push_back(o);
    }
    return a;
  }
};

mx_result two_mx() {
  mx_result mx;
  mx.outcome = dns_outcome::ok;
  mx.targets = {{"mx1.test", 10, {"10.0.0.1", "10.0.0.2"}, false}, {"mx2.test", 20, {"10.0.0.3"}, false}};
  return mx;
}

}  // namespace

TEST_CASE("runner: next host on session failure; final recipients are not retried", "[relay][runner]") {
  fake_client c;
  c.hosts["10.0.0.1"].error = "connect failed";
  c.hosts["10.0.0.2"].by_rcpt = {{"t@d.test", rcpt_status::temporary}, {"p@d.test", rcpt_status::permanent}};
  const auto rep =
      deliver_domain(c, two_mx(), {2525, 10}, {}, "f@s.test", {"ok@d.test", "t@d.test", "p@d.test"}, "msg");
  REQUIRE(c.calls.size() == 3);
  CHECK(c.calls[0].first == "10.0.0.1:2525");
  CHECK(c.calls[0].second.size() == 3);
  CHECK(c.calls[1].first == "10.0.0.2:2525");
  CHECK(c.calls[1].second.size() == 3);
  CHECK(c.calls[2].first == "10.0.0.3:2525");
  CHECK(c.calls[2].second == std::vector<std::string>{"t@d.test"});
  REQUIRE(rep.attempts.size() == 3);
  REQUIRE(rep.recipients.size() == 3);
  CHECK(rep.recipients[0].status == rcpt_status::delivered);
  CHECK(rep.recipients[1].status == rcpt_status::delivered);  // delivered by mx2
  CHECK(rep.recipients[2].status == rcpt_status::permanent);
  CHECK(rep.recipients[2].code == 550);
}

TEST_CASE("runner: stops once every recipient is final; attempts are capped", "[relay][runner]") {
  fake_client c;
  auto rep = deliver_domain(c, two_mx(), {25, 10}, {}, "f@s.test", {"a@d.test"}, "msg");
  CHECK(c.calls.size() == 1);
  CHECK(rep.recipients[0].status == rcpt_status::delivered);

  fake_client down;
  for (const auto* a : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) down.hosts[a].error = "timeout";
  rep = deliver_domain(down, two_mx(), {25, 2}, {}, "f@s.test", {"a@d.test"}, "msg");
  CHECK(down.calls.size() == 2);
  CHECK(rep.recipients[0].status == rcpt_status::temporary);
  CHECK(rep.recipients[0].reply == "timeout");
}

TEST_CASE("runner: DNS outcomes without attempts", "[relay][runner]") {
  fake_client c;
  for (const auto& [outcome, status] :
       std::vector<std::pair<dns_outcome, rcpt_status>>{{dns_outcome::nxdomain, rcpt_status::permanent},
                                                        {dns_outcome::null_mx, rcpt_status::permanent},
                                                        {dns_outcome::temporary, rcpt_status::temporary}}) {
    mx_result mx;
    mx.outcome = outcome;
    mx.detail = "why";
    const auto rep = deliver_domain(c, mx, {}, {}, "f@s.test", {"a@d.test", "b@d.test"}, "msg");
    CHECK(rep.attempts.empty());
    REQUIRE(rep.recipients.size() == 2);
    CHECK(rep.recipients[1].status == status);
    CHECK(rep.recipients[1].reply == "why");
  }
  mx_result none;
  none.outcome = dns_outcome::ok;
  none.targets = {{"mx.test", 10, {}, false}};
  const auto rep = deliver_domain(c, none, {}, {}, "f@s.test", {"a@d.test"}, "msg");
  CHECK(rep.attempts.empty());
  CHECK(rep.recipients[0].status == rcpt_status::temporary);
  CHECK(c.calls.empty());
}

TEST_CASE("runner: smart host list and host:port parsing", "[relay][runner]") {
  CHECK(parse_smart_host("smtp.example.com:587", 25)->port == 587);
  CHECK(parse_smart_host("smtp.example.com:587", 25)->address.empty());
  CHECK(parse_smart_host("smtp.example.com", 25)->port == 25);
  CHECK(parse_smart_host("127.0.0.1:2525", 25)->address == "127.0.0.1");
  const auto v6 = parse_smart_host("[::1]:2525", 25);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->address == "::1");
  CHECK(v6->port == 2525);
  for (const char* bad :
       {"", ":25", "h:", "h:0", "h:70000", "h:2x", "::1", "[::1", "[::1]x", "a b:25", "u@h:25"}) {
    INFO(bad);
    CHECK_FALSE(parse_smart_host(bad, 25));
  }
  fake_client c;
  const auto rep =
      deliver_via(c, {*parse_smart_host("127.0.0.1:2525", 25)}, {}, {}, "f@s.test", {"a@d.test"}, "m");
  REQUIRE(c.calls.size() == 1);
  CHECK(c.calls[0].first == "127.0.0.1:2525");
  CHECK(rep.recipients[0].status == rcpt_status::delivered);
}

TEST_CASE("MX ordering: by preference, equal preferences shuffled, null MX", "[relay][mx]") {
  const std::vector<mx_record> recs = {
      {20, "B.test."}, {10, "a.test"}, {20, "c.test"}, {30, "d.test"}, {10, "a.test."}};
  // pick(n) = 0 always: Fisher-Yates swaps the last with the first.
  auto ordered = order_mx(recs, [](std::size_t) { return std::size_t{0}; });
  REQUIRE(ordered.size() == 4);  // duplicate a.test dropped
  CHECK(ordered[0].host == "a.test");
  CHECK(ordered[1].host == "c.test");
  CHECK(ordered[2].host == "b.test");
  CHECK(ordered[3].host == "d.test");
  ordered = order_mx(recs, [](std::size_t n) { return n - 1; });  // identity permutation
  CHECK(ordered[1].host == "b.test");
  CHECK(ordered[2].host == "c.test");
  // Both orders of the equal pair show up with a real random source.
  std::map<std::string, int> first;
  std::size_t seed = 7;
  for (int i = 0; i < 200; ++i) {
    const auto o = order_mx({{5, "x.test"}, {5, "y.test"}}, [&](std::size_t n) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      return (seed >> 33) % n;
    });
    first[o[0].host]++;
  }
  CHECK(first["x.test"] > 40);
  CHECK(first["y.test"] > 40);

  CHECK(is_null_mx({{0, "."}}));
  CHECK(is_null_mx({{0, ""}}));
  CHECK_FALSE(is_null_mx({{0, "."}, {10, "mx.test"}}));
  CHECK(order_mx({{0, "."}, {10, "mx.test"}}, {}).size() == 1);
  CHECK_FALSE(is_null_mx({{10, "mx.test"}}));

  CHECK(mx_endpoints(two_mx(), 2525).size() == 3);
  CHECK(mx_endpoints(two_mx(), 2525)[2].host == "mx2.test");
  CHECK(is_ip_literal("127.0.0.1"));
  CHECK(is_ip_literal("::1"));
  CHECK_FALSE(is_ip_literal("mx.test"));
}

TEST_CASE("runner: a failed opportunistic STARTTLS handshake is retried once in plaintext",
          "[relay][runner]") {
  fake_client c;
  c.hosts["10.0.0.1"].tls_error = "TLS handshake failed: wrong version number";
  const auto rep = deliver_domain(c, two_mx(), {25, 10}, {}, "f@s.test", {"a@d.test"}, "msg");
  REQUIRE(c.calls.size() == 2);
  CHECK(c.calls[1].first == "10.0.0.1:25");
  CHECK(c.modes == std::vector<tls_mode>{tls_mode::starttls_opportunistic, tls_mode::none});
  CHECK(rep.recipients[0].status == rcpt_status::delivered);

  // Required TLS never falls back: the next host is tried instead.
  fake_client strict;
  strict.hosts["10.0.0.1"].tls_error = "TLS handshake failed: certificate verify failed";
  client_options opts;
  opts.tls = tls_mode::starttls_required;
  const auto rep2 = deliver_domain(strict, two_mx(), {25, 10}, opts, "f@s.test", {"a@d.test"}, "msg");
  REQUIRE(strict.calls.size() == 2);
  CHECK(strict.calls[1].first == "10.0.0.2:25");
  CHECK(strict.modes == std::vector<tls_mode>{tls_mode::starttls_required, tls_mode::starttls_required});
  CHECK(rep2.recipients[0].status == rcpt_status::delivered);
}
