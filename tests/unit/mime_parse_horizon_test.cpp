// find_parse_horizon: where GMime stops reading, counted exactly, whichever way the count is
// reached (the quick count of "--" lines or the boundary-aware count behind it).
#include <catch2/catch.hpp>

#include <string>

#include "mime/parse_horizon.hpp"

using mailjar::mime::detail::find_parse_horizon;

namespace {

const std::string head = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n";

std::string delimiters(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "--b1\r\nContent-Type: text/plain\r\n\r\npart\r\n";
  return s;
}

}  // namespace

TEST_CASE("the horizon cuts before the first delimiter line past the limit", "[mime][horizon]") {
  const std::string within = head + delimiters(10);
  const std::string raw = within + "--b1\r\n\r\nlast\r\n--b1--\r\n";
  const auto h = find_parse_horizon(raw, 10, 1000);
  CHECK(h.length == within.size());
  CHECK(h.reason.find("more than 10 MIME boundary lines") != std::string::npos);
}

TEST_CASE("lines starting with -- that are not delimiters do not count", "[mime][horizon]") {
  std::string sig;
  for (int i = 0; i < 50; ++i) sig += "-- \r\n--c1 is not b1\r\n";
  // 10 delimiters (the closing one included) and 100 other "--" lines: not cut.
  const std::string raw = head + delimiters(9) + sig + "--b1--\r\n";
  const auto h = find_parse_horizon(raw, 10, 1000);
  CHECK(h.length == raw.size());
  CHECK(h.reason.empty());
  // One more delimiter is one too many, wherever the "--" lines are.
  const std::string over = head + delimiters(10) + sig;
  const auto cut = find_parse_horizon(over + "--b1--\r\n", 10, 1000);
  CHECK(cut.length == over.size());
}

TEST_CASE("a message with few -- lines is never cut, boundary parameters or not", "[mime][horizon]") {
  const std::string raw = head + delimiters(3) + "--b1--\r\n";
  CHECK(find_parse_horizon(raw, 4, 1000).length == raw.size());
  CHECK(find_parse_horizon(raw, 3, 1000).length == (head + delimiters(3)).size());
  const std::string plain = "Subject: x\r\n\r\n" + std::string(100000, 'a') + "\r\n";
  CHECK(find_parse_horizon(plain, 0, 1000).length == plain.size());
}

TEST_CASE("the horizon cuts before the header field past the limit", "[mime][horizon]") {
  std::string raw;
  for (int i = 0; i < 20; ++i) raw += "X-H: v\r\n folded\r\n";
  const std::size_t at = raw.size();
  raw += "X-H: last\r\n\r\nbody\r\n";
  const auto h = find_parse_horizon(raw, 10, 20);
  CHECK(h.length == at);
  CHECK(h.reason.find("more than 20 header fields") != std::string::npos);
}
