// find_parse_horizon: where GMime stops reading, counted exactly, whichever way the count is
// reached (the quick count of "--" lines or the boundary-aware count behind it), and for each
// limit: delimiter lines, top-level header fields, Content-Type/Content-Disposition parameters,
// address groups.
#include <catch2/catch.hpp>

#include <string>

#include "mime/parse_horizon.hpp"

using mailjar::mime::parse_limits;
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
  const auto h = find_parse_horizon(raw, {.max_header_fields = 1000}, 10);
  CHECK(h.length == within.size());
  CHECK(h.reason.find("more than 10 MIME boundary lines") != std::string::npos);
}

TEST_CASE("lines starting with -- that are not delimiters do not count", "[mime][horizon]") {
  std::string sig;
  for (int i = 0; i < 50; ++i) sig += "-- \r\n--c1 is not b1\r\n";
  // 10 delimiters (the closing one included) and 100 other "--" lines: not cut.
  const std::string raw = head + delimiters(9) + sig + "--b1--\r\n";
  const auto h = find_parse_horizon(raw, {.max_header_fields = 1000}, 10);
  CHECK(h.length == raw.size());
  CHECK(h.reason.empty());
  // One more delimiter is one too many, wherever the "--" lines are.
  const std::string over = head + delimiters(10) + sig;
  const auto cut = find_parse_horizon(over + "--b1--\r\n", {.max_header_fields = 1000}, 10);
  CHECK(cut.length == over.size());
}

TEST_CASE("a message with few -- lines is never cut, boundary parameters or not", "[mime][horizon]") {
  const std::string raw = head + delimiters(3) + "--b1--\r\n";
  CHECK(find_parse_horizon(raw, {.max_header_fields = 1000}, 4).length == raw.size());
  CHECK(find_parse_horizon(raw, {.max_header_fields = 1000}, 3).length == (head + delimiters(3)).size());
  const std::string plain = "Subject: x\r\n\r\n" + std::string(100000, 'a') + "\r\n";
  CHECK(find_parse_horizon(plain, {.max_header_fields = 1000}, 0).length == plain.size());
}

TEST_CASE("the horizon cuts before the header field past the limit", "[mime][horizon]") {
  std::string raw;
  for (int i = 0; i < 20; ++i) raw += "X-H: v\r\n folded\r\n";
  const std::size_t at = raw.size();
  raw += "X-H: last\r\n\r\nbody\r\n";
  const auto h = find_parse_horizon(raw, {.max_header_fields = 20}, 10);
  CHECK(h.length == at);
  CHECK(h.reason.find("more than 20 header fields") != std::string::npos);
}

namespace {

std::string params(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "; p" + std::to_string(i) + "=v";
  return s;
}

const parse_limits few_parameters{.max_header_fields = 1000, .max_field_parameters = 5, .max_parameters = 12};
constexpr std::size_t many_delimiters = 1000;

}  // namespace

TEST_CASE("the horizon cuts before a Content-Type or Content-Disposition field with too many parameters",
          "[mime][horizon]") {
  // Folded lines belong to the field; other fields' semicolons do not count; any case.
  const std::string ok = "Subject: a;b;c;d;e;f;g\r\nCONTENT-TYPE : text/plain" + params(3) + "\r\n\t" +
                         params(2) + "\r\n\r\nbody;;;;;;;;\r\n";
  CHECK(find_parse_horizon(ok, few_parameters, many_delimiters).length == ok.size());
  CHECK(find_parse_horizon(ok, few_parameters, many_delimiters).reason.empty());

  const std::string head = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n";
  const std::string raw =
      head + "content-disposition: attachment" + params(4) + "\r\n " + params(2) + "\r\n\r\nx\r\n--b--\r\n";
  const auto h = find_parse_horizon(raw, few_parameters, many_delimiters);
  CHECK(h.length == head.size());
  CHECK(h.reason.find("more than 5 parameters") != std::string::npos);
}

TEST_CASE("the horizon cuts before the field that takes all parameters past their limit", "[mime][horizon]") {
  std::string raw = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 2; ++i)
    raw += "--b\r\nContent-Type: text/plain" + params(5) + "\r\n\r\nx\r\n";  // 1 + 10
  const std::size_t at = raw.size() + 5;                                     // after "--b\r\n"
  raw += "--b\r\nContent-Type: text/plain" + params(2) + "\r\n\r\nx\r\n--b--\r\n";
  const auto h = find_parse_horizon(raw, few_parameters, many_delimiters);
  CHECK(h.length == at);
  CHECK(h.reason.find("more than 12 Content-Type and Content-Disposition parameters") != std::string::npos);
}

TEST_CASE("the earliest of the limits decides where the horizon is", "[mime][horizon]") {
  // A parameter bomb in the top-level header, before a header-field limit that comes later.
  std::string raw = "Content-Type: text/plain" + params(6) + "\r\n";
  for (int i = 0; i < 20; ++i) raw += "X-H: v\r\n";
  raw += "\r\nbody\r\n";
  auto limits = few_parameters;
  limits.max_header_fields = 10;
  const auto h = find_parse_horizon(raw, limits, many_delimiters);
  CHECK(h.length == 0);
  CHECK(h.reason.find("parameters") != std::string::npos);
  // The header-field limit comes first: fields after it are never looked at.
  const std::string late = "X-A: 1\r\nX-B: 2\r\nContent-Type: text/plain" + params(6) + "\r\n\r\nbody\r\n";
  limits.max_header_fields = 2;
  const auto h2 = find_parse_horizon(late, limits, many_delimiters);
  CHECK(h2.length == 16);
  CHECK(h2.reason.find("more than 2 header fields") != std::string::npos);
}

TEST_CASE("the horizon cuts before an address field with too many groups", "[mime][horizon]") {
  const parse_limits limits{.max_header_fields = 1000, .max_address_groups = 3};
  // Colons in quoted strings, comments and escapes, or in other fields, are not groups.
  const std::string ok =
      "Subject: a:b:c:d:e\r\nX-To: a:b:c:d:e\r\nTo: \"A: b: c: d:\" <a@x>, (x:y:z:w) b@y, \\: c@z,\r\n"
      " undisclosed-recipients:;, t1: a@x;, t2:;\r\n\r\nbody\r\nTo: a:b:c:d:e\r\n";
  const auto h = find_parse_horizon(ok, limits, many_delimiters);
  // The body line "To: a:b:c:d:e" looks like a field: it is cut there, never earlier.
  CHECK(h.length == ok.find("\r\nTo: a:b:c:d:e") + 2);
  const std::string headers = ok.substr(0, ok.find("\r\n\r\n") + 4) + "body: a:b:c:d:e\r\n";
  CHECK(find_parse_horizon(headers, limits, many_delimiters).length == headers.size());

  // Unclosed groups, folded, in any address field and any case; attached messages count too.
  for (const std::string field : {"To", "cc", "BCC", "From", "Reply-To", "Resent-To", "sender"}) {
    INFO(field);
    const std::string head = "Subject: s\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n";
    const std::string raw = head + field + ": g1: g2:\r\n g3: g4: a@x\r\n\r\nbody\r\n";
    const auto cut = find_parse_horizon(raw, limits, many_delimiters);
    CHECK(cut.length == head.size());
    CHECK(cut.reason.find("an address field with more than 3 groups") != std::string::npos);
  }
}
