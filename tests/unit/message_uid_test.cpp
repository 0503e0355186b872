#include <catch2/catch.hpp>

#include <set>

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
