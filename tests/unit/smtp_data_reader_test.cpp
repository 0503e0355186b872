#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "smtp/protocol/data_reader.hpp"

using namespace mailjar::smtp;

namespace {

struct outcome {
  bool done = false;
  std::size_t consumed = 0;  // of the whole input
  std::string data;
  bool bare = false;
  bool too_big = false;
  std::uint64_t size = 0;
};

// Feeds `input` in pieces of the given sizes (the rest in one piece), stopping at the end of data.
outcome read_split(const std::string& input, const std::vector<std::size_t>& pieces,
                   std::uint64_t max = UINT64_MAX) {
  data_reader r;
  r.reset(max);
  outcome o;
  std::size_t at = 0;
  std::size_t k = 0;
  while (at < input.size() && !o.done) {
    const std::size_t len = k < pieces.size() ? std::min(pieces[k++], input.size() - at) : input.size() - at;
    const auto p = r.feed(std::string_view(input).substr(at, len), o.data);
    REQUIRE(p.consumed <= len);
    if (!p.done) REQUIRE(p.consumed == len);
    at += p.consumed;
    o.done = p.done;
  }
  o.consumed = at;
  o.bare = r.bare_line_endings();
  o.too_big = r.too_big();
  o.size = r.size();
  return o;
}

outcome read_all(const std::string& input, std::uint64_t max = UINT64_MAX) {
  return read_split(input, {}, max);
}

outcome read_bytewise(const std::string& input) {
  return read_split(input, std::vector<std::size_t>(input.size(), 1));
}

}  // namespace

TEST_CASE("data ends only at CRLF.CRLF and keeps the CRLF before it", "[smtp][data]") {
  const auto o = read_all("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  CHECK(o.done);
  CHECK(o.data == "Subject: hi\r\n\r\nbody\r\n");
  CHECK(o.consumed == std::string("Subject: hi\r\n\r\nbody\r\n.\r\n").size());
  CHECK_FALSE(o.bare);
}

TEST_CASE("a lone dot line right at the start is an empty message", "[smtp][data]") {
  const auto o = read_all(".\r\nNOOP\r\n");
  CHECK(o.done);
  CHECK(o.data.empty());
  CHECK(o.consumed == 3);
  CHECK(o.size == 0);
}

TEST_CASE("dot-unstuffing at line starts only", "[smtp][data]") {
  const auto o = read_all("..leading\r\n...\r\n..\r\nmid.dle\r\n. space\r\nx.\r\n.\r\n");
  CHECK(o.done);
  CHECK(o.data == ".leading\r\n..\r\n.\r\nmid.dle\r\n space\r\nx.\r\n");
  const auto first = read_all("..\r\n.\r\n");
  CHECK(first.data == ".\r\n");
}

TEST_CASE("no end of data without the terminator", "[smtp][data]") {
  const auto o = read_all("line one\r\nline two\r\n.");
  CHECK_FALSE(o.done);
  CHECK(o.consumed == std::string("line one\r\nline two\r\n.").size());
  CHECK(o.data == "line one\r\nline two\r\n");  // the dot is withheld until the next byte decides
}

TEST_CASE("SMTP smuggling: bare CR or LF never ends the data", "[smtp][data][smuggling]") {
  const std::string variants[] = {"\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r",     "\r\n.\n",  "\r.\n",
                                  "\n.\r", "\r.\r",   "\n..\n",  "\r\n.\r\r\n", "\n\n.\n\n"};
  for (const auto& v : variants) {
    INFO("variant bytes: " << Catch::Detail::stringify(v));
    const std::string smuggled = "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\nforged\r\n";
    const std::string input = "body" + v + smuggled + ".\r\nNOOP\r\n";
    const auto o = read_all(input);
    REQUIRE(o.done);
    CHECK(o.bare);
    CHECK(o.consumed == input.size() - 6);  // everything but "NOOP\r\n"
    // A dot right after a real CRLF is stuffing and is dropped; elsewhere bytes are kept as sent.
    const std::string kept = v.rfind("\r\n.", 0) == 0 ? "\r\n" + v.substr(3) : v;
    CHECK(o.data == "body" + kept + smuggled);
    CHECK(read_bytewise(input).data == o.data);
  }
}

TEST_CASE("bare line endings are detected, CRLF is not", "[smtp][data]") {
  CHECK_FALSE(read_all("a\r\nb\r\n\r\n.\r\n").bare);
  CHECK(read_all("a\nb\r\n.\r\n").bare);
  CHECK(read_all("a\rb\r\n.\r\n").bare);
  CHECK(read_all("a\r\r\n.\r\n").bare);
  CHECK(read_all("a\r\n.x\r\r\n.\r\n").bare);
  CHECK(read_split("a\rb\r\n.\r\n", {2, 1}).bare);       // CR at the end of one piece, 'b' next
  CHECK_FALSE(read_split("a\r\nb\r\n.\r\n", {2}).bare);  // CR | LF across pieces is a CRLF
  CHECK(read_split("a\r\n.\rx\r\n.\r\n", {4, 1}).bare);  // ".\r" then not LF
}

TEST_CASE("splitting the input anywhere gives the same result", "[smtp][data]") {
  std::string input;
  for (int i = 0; i < 200; ++i) {
    input +=
        (i % 7 == 0 ? "." : "") + std::string("line ") + std::to_string(i) + (i % 11 == 0 ? "\n" : "\r\n");
    if (i % 13 == 0) input += ".\r.\n\r\n";
  }
  input += "\r\n.\r\ntrailing";
  const auto whole = read_all(input);
  REQUIRE(whole.done);
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> pieces;
    std::uniform_int_distribution<std::size_t> len(1, round < 100 ? 4 : 300);
    for (std::size_t sum = 0; sum < input.size();) {
      pieces.push_back(len(rng));
      sum += pieces.back();
    }
    const auto split = read_split(input, pieces);
    REQUIRE(split.done);
    CHECK(split.data == whole.data);
    CHECK(split.consumed == whole.consumed);
    CHECK(split.bare == whole.bare);
  }
  CHECK(read_bytewise(input).data == whole.data);
}

TEST_CASE("size limit: stops buffering, keeps draining to the end of data", "[smtp][data]") {
  std::string big;
  for (int i = 0; i < 100; ++i) big += std::string(98, 'a') + "\r\n";  // 10 000 bytes
  const auto o = read_all(big + ".\r\nNEXT", 5000);
  CHECK(o.done);
  CHECK(o.too_big);
  CHECK(o.data.empty());
  CHECK(o.data.capacity() < 5000);  // the partial message was released, not kept
  CHECK(o.size == 10000);
  CHECK(o.consumed == big.size() + 3);

  const auto exact = read_all("12345678\r\n.\r\n", 10);
  CHECK(exact.done);
  CHECK_FALSE(exact.too_big);
  CHECK(exact.data == "12345678\r\n");
  const auto over = read_all("123456789\r\n.\r\n", 10);
  CHECK(over.too_big);
}

TEST_CASE("binary bytes and NULs are kept exactly", "[smtp][data]") {
  std::string body("\0\x01\xff\xfe text \x7f", 12);
  const auto o = read_all(body + "\r\n.\r\n");
  CHECK(o.done);
  CHECK(o.data == body + "\r\n");
}

TEST_CASE("the data buffer is sized from SIZE= once a megabyte has arrived, never beyond the limit",
          "[smtp][data]") {
  const std::string line(998, 'x');
  auto feed_lines = [&](data_reader& r, std::string& out, std::size_t bytes) {
    std::string chunk;
    while (chunk.size() < 64 * 1024) chunk += line + "\r\n";
    for (std::size_t sent = 0; sent < bytes; sent += chunk.size()) REQUIRE_FALSE(r.feed(chunk, out).done);
  };
  const std::uint64_t declared = 20u << 20;

  SECTION("declared size: one reservation after the first megabyte, no doubling later") {
    data_reader r;
    r.reset(50u << 20, declared);
    std::string out;
    feed_lines(r, out, 512 * 1024);
    CHECK(out.capacity() < declared / 4);  // not believed yet: a client must send real bytes first
    feed_lines(r, out, 1 << 20);
    CHECK(out.capacity() >= declared);
    CHECK(out.capacity() <= declared + declared / 32);
    const auto cap = out.capacity();
    feed_lines(r, out, 16 << 20);
    CHECK(out.capacity() == cap);
    CHECK(r.feed(".\r\n", out).done);
    CHECK(out.size() == r.size());
  }
  SECTION("a declared size above the limit is capped at the limit") {
    data_reader r;
    r.reset(4u << 20, 1u << 30);
    std::string out;
    feed_lines(r, out, 2 << 20);
    CHECK(out.capacity() <= (4u << 20));
    CHECK_FALSE(r.too_big());
  }
  SECTION("no declared size: growth by half the capacity at a time") {
    data_reader r;
    r.reset(50u << 20);
    std::string out;
    feed_lines(r, out, 8 << 20);
    CHECK(out.capacity() < out.size() + out.size() / 2 + (128 << 10));
  }
}
