#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/message_uid.hpp"

TEST_CASE("message uids are 22 base62 characters and unique") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = mailjar::new_message_uid();
    REQUIRE(id.size() == 22);
    REQUIRE(mailjar::is_valid_message_uid(id));
    REQUIRE(seen.insert(id).second);
  }
  REQUIRE_FALSE(mailjar::is_valid_message_uid("short"));
  REQUIRE_FALSE(mailjar::is_valid_message_uid("abcdefghijklmnopqrstu!"));
  REQUIRE_FALSE(mailjar::is_valid_message_uid("../../../../etc/passwd"));
}

TEST_CASE("message uids sort by creation time, and ids made in the same millisecond still differ") {
  const std::int64_t t0 = 1'795'000'000'000;  // 2026-11
  std::vector<std::string> ids;
  for (std::int64_t dt : std::vector<std::int64_t>{0, 1, 61, 62, 1000, 3'600'000, 86'400'000LL * 365}) {
    ids.push_back(mailjar::new_message_uid(t0 + dt));
  }
  for (std::size_t i = 1; i < ids.size(); ++i) {
    INFO(ids[i - 1] << " < " << ids[i]);
    REQUIRE(ids[i - 1] < ids[i]);
    REQUIRE(mailjar::is_valid_message_uid(ids[i]));
  }
  // Same time: same 8-character prefix, different random tail.
  const auto a = mailjar::new_message_uid(t0), b = mailjar::new_message_uid(t0);
  REQUIRE(a.substr(0, 8) == b.substr(0, 8));
  REQUIRE(a != b);
  // Times before 1970 clamp rather than wrap.
  REQUIRE(mailjar::new_message_uid(-5).substr(0, 8) == "00000000");
}
