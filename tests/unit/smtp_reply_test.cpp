#include <catch2/catch.hpp>

#include <string>

#include "smtp/protocol/replies.hpp"
#include "smtp/protocol/reply.hpp"

using namespace mailjar::smtp;

TEST_CASE("reply wire format: single line, multi-line, enhanced codes", "[smtp][reply]") {
  CHECK(replies::greeting("mx.test").wire() == "220 mx.test ESMTP mailjar\r\n");
  CHECK(replies::ok().wire() == "250 2.0.0 Ok\r\n");
  CHECK(replies::ehlo("mx.test", {"PIPELINING", "HELP"}).wire() ==
        "250-mx.test\r\n250-PIPELINING\r\n250 HELP\r\n");
  const reply two{451, "4.3.0", {"first", "second"}};
  CHECK(two.wire() == "451-4.3.0 first\r\n451 4.3.0 second\r\n");
  CHECK(reply{334, "", {}}.wire() == "334 \r\n");
  CHECK(replies::auth_challenge("").wire() == "334 \r\n");
  CHECK(replies::start_data().wire() == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(replies::queued("ABC123").wire() == "250 2.0.0 Ok: queued as ABC123\r\n");
  CHECK(replies::ok().positive());
  CHECK_FALSE(replies::unknown_command().positive());
}

TEST_CASE("reply lines never exceed 512 bytes and never carry control characters", "[smtp][reply]") {
  const std::string hostile = std::string(2000, 'x') + "\r\n250 fake\0\x1b[31m" + std::string(10, 'y');
  for (const reply& r : {replies::store_failed(hostile), replies::queued(hostile), replies::greeting(hostile),
                         reply{250, "2.0.0", {hostile, hostile}}}) {
    const std::string w = r.wire();
    std::size_t start = 0;
    while (start < w.size()) {
      const std::size_t end = w.find("\r\n", start);
      REQUIRE(end != std::string::npos);
      CHECK(end + 2 - start <= 512);
      for (std::size_t i = start; i < end; ++i) {
        const auto u = static_cast<unsigned char>(w[i]);
        CHECK((u >= 0x20 && u < 0x7f));
      }
      start = end + 2;
    }
  }
  const std::string cut = reply{250, "2.0.0", {std::string(600, 'z')}}.wire();
  CHECK(cut.size() == 512);
  CHECK(cut.substr(0, 10) == "250 2.0.0 ");
}

TEST_CASE("store failure reply carries the reason, sanitised", "[smtp][reply]") {
  CHECK(replies::store_failed("disk full\r\nQUIT").wire() ==
        "451 4.3.0 Error: message not stored: disk full??QUIT\r\n");
}
