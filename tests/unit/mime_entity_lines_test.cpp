// count_entity_lines: the cheap bound ingest uses to keep messages with many MIME entities off
// the network thread.
#include <catch2/catch.hpp>

#include <string>

#include "mime/entity_lines.hpp"

using mailjar::mime::count_entity_lines;

TEST_CASE("entity lines are lines starting with -- or Content-Type, in any case", "[mime]") {
  CHECK(count_entity_lines("", 64) == 0);
  CHECK(count_entity_lines("Subject: s\r\n\r\nplain text -- with dashes\r\n", 64) == 0);
  const std::string two_parts =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nCONTENT-TYPE: text/plain\r\n\r\nx\r\n"
      "--b\r\ncontent-type:text/html\r\n\r\n<b>y</b>\r\n--b--";  // no final newline
  CHECK(count_entity_lines(two_parts, 64) == 6);
  // A line only counts at its start; a folded or indented one does not.
  CHECK(count_entity_lines("X: a\r\n  --b\r\n Content-Type: x\r\nX-Content-Type: y\r\n", 64) == 0);
}

TEST_CASE("counting stops once past the limit", "[mime]") {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "--b\r\n\r\n";
  CHECK(count_entity_lines(many, 1000) == 1000);
  CHECK(count_entity_lines(many, 10) == 11);
}
