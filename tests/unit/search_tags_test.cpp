// Tag rules as Mailpit applies them: cleaning, case-insensitive uniqueness, sorting, and the
// tags a new message gets from X-Tags and plus-addresses (From, To, Cc, Bcc incl. envelope).
#include <catch2/catch.hpp>

#include "search/tags.hpp"

using namespace mailjar;
using namespace mailjar::search;

TEST_CASE("clean_tag: Mailpit's CleanTag", "[search]") {
  CHECK(clean_tag("  Work  ") == "Work");
  CHECK(clean_tag("a/b\\c") == "a b c");
  CHECK(clean_tag("one   two") == "one two");
  CHECK(clean_tag("v1.2_beta-3") == "v1.2_beta-3");
  CHECK(clean_tag("urgent!!!") == "urgent");
  CHECK(clean_tag("\xC3\xA9t\xC3\xA9") == "t");  // non-ASCII letters are not tag characters
  CHECK(clean_tag("!!!") == "");
  CHECK(clean_tag(std::string(300, 'x')).size() == max_tag_bytes);
}

TEST_CASE("normalize_tags: unique case-insensitively, first spelling, sorted", "[search]") {
  CHECK(normalize_tags({"b", "A", "a", "B ", " c!"}) == std::vector<std::string>{"A", "b", "c"});
  CHECK(normalize_tags({"", "  ", "%%"}).empty());
  CHECK(normalize_tags({"Zeta", "alpha", "beta"}) == std::vector<std::string>{"alpha", "beta", "Zeta"});
}

TEST_CASE("plus_address_tags: after the first plus, split on plus", "[search]") {
  CHECK(plus_address_tags("user+tag@example.com") == std::vector<std::string>{"tag"});
  CHECK(plus_address_tags("user+a+b@example.com") == std::vector<std::string>{"a", "b"});
  CHECK(plus_address_tags("+lead@example.com") == std::vector<std::string>{"lead"});
  CHECK(plus_address_tags("user@example.com").empty());
  CHECK(plus_address_tags("user+tag").empty());  // no domain
  CHECK(plus_address_tags("user@exa+mple.com").empty());
}

TEST_CASE("message_tags: X-Tags plus every plus-address, cleaned and sorted", "[search]") {
  mime::parsed_message p;
  p.tags = {"Reports", "urgent!"};
  p.from = address{"", "noreply+system@example.com"};
  p.to = {{"Ann", "ann+Invoices@example.com"}, {"", "bob@example.com"}};
  p.cc = {{"", "carl+reports@example.com"}};  // same as X-Tags' "Reports": kept once
  p.bcc = {{"", "dora+bcc-tag@example.com"}};
  const std::vector<std::string> rcpt = {"ann+Invoices@example.com", "hidden+envelope@example.net"};
  CHECK(message_tags(p, rcpt) ==
        std::vector<std::string>{"bcc-tag", "envelope", "Invoices", "Reports", "system", "urgent"});
  CHECK(message_tags(mime::parsed_message{}, {}).empty());
}
