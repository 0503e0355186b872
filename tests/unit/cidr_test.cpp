#include <catch2/catch.hpp>

#include "core/cidr.hpp"

using mailjar::cidr_list;

TEST_CASE("cidr lists match IPv4, IPv6 and mapped peers", "[cidr]") {
  auto list = cidr_list::parse({"127.0.0.0/8", "10.1.0.0/16", "::1", "fd00::/8"});
  REQUIRE(list.ok());
  CHECK(list->allows("127.0.0.1"));
  CHECK(list->allows("127.255.1.2"));
  CHECK(list->allows("::ffff:127.0.0.1"));
  CHECK(list->allows("10.1.200.3"));
  CHECK_FALSE(list->allows("10.2.0.1"));
  CHECK(list->allows("::1"));
  CHECK(list->allows("[::1]"));
  CHECK(list->allows("fd12:3456::1"));
  CHECK_FALSE(list->allows("fe80::1"));
  CHECK_FALSE(list->allows("192.168.1.1"));
  CHECK_FALSE(list->allows("not an ip"));
}

TEST_CASE("an empty cidr list allows everyone; bad entries are errors", "[cidr]") {
  auto empty = cidr_list::parse({});
  REQUIRE(empty.ok());
  CHECK(empty->allows("203.0.113.9"));
  CHECK_FALSE(cidr_list::parse({"10.0.0.0/33"}).ok());
  CHECK_FALSE(cidr_list::parse({"10.0.0/8"}).ok());
  CHECK_FALSE(cidr_list::parse({"::1/129"}).ok());
  CHECK_FALSE(cidr_list::parse({"10.0.0.0/"}).ok());
  CHECK_FALSE(cidr_list::parse({"10.0.0.0/8x"}).ok());
  auto single = cidr_list::parse({"192.0.2.7"});
  REQUIRE(single.ok());
  CHECK(single->allows("192.0.2.7"));
  CHECK_FALSE(single->allows("192.0.2.8"));
  auto all = cidr_list::parse({"0.0.0.0/0"});
  REQUIRE(all.ok());
  CHECK(all->allows("198.51.100.1"));
}
