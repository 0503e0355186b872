// decode_content: every Content-Transfer-Encoding round-trips against independent encoders
// written here (base64, quoted-printable) and fixed vectors (uuencode, lenient inputs).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "mime/parser.hpp"
#include "mime/transfer_decoder.hpp"

using mailjar::mime::decode_content;

namespace {

std::string base64_encode(std::string_view in, std::size_t line = 76) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string flat;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t b0 = static_cast<unsigned char>(in[i]);
    const std::uint32_t b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
    const std::uint32_t b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0;
    const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    flat += table[(v >> 18) & 63];
    flat += table[(v >> 12) & 63];
    flat += i + 1 < in.size() ? table[(v >> 6) & 63] : '=';
    flat += i + 2 < in.size() ? table[v & 63] : '=';
  }
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += line) out += flat.substr(i, line) + "\r\n";
  return out;
}

// RFC 2045 quoted-printable with soft breaks; CRLF in the input stays a hard line break.
std::string qp_encode(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t col = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
      out += "\r\n";
      ++i;
      col = 0;
      continue;
    }
    const bool next_is_break = i + 1 == in.size() || in[i + 1] == '\r';
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !next_is_break)) {
      piece = std::string(1, static_cast<char>(c));
    } else {
      piece = {'=', hex[c >> 4], hex[c & 15]};
    }
    if (col + piece.size() > 75) {
      out += "=\r\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  }
  return out;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

}  // namespace

TEST_CASE("base64 round-trips for every length and line layout", "[mime][decode]") {
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 57u, 58u, 1000u, 70000u, 200001u}) {
    const std::string data = random_bytes(n, static_cast<std::uint32_t>(n));
    INFO("length " << n);
    CHECK(decode_content(base64_encode(data), "base64") == data);
    CHECK(decode_content(base64_encode(data, 4), "BASE64") == data);           // short lines
    CHECK(decode_content(base64_encode(data, 1u << 30), " Base64 ") == data);  // one line
  }
}

TEST_CASE("base64 is decoded leniently", "[mime][decode]") {
  CHECK(decode_content("SGVsbG8s{IGJh}c2U2!NCB3b3JsZCE=", "base64") == "Hello, base64 world!");
  CHECK(decode_content("SGVsbG8gd29ybGQ", "base64") == "Hello world");  // missing "="
  CHECK(decode_content("SGVsbG8gd29ybA", "base64") == "Hello worl");    // missing "=="
  CHECK(decode_content("SGVs\nbG8=\n", "base64") == "Hello");           // bare LF
  CHECK(decode_content("", "base64").empty());
  CHECK(decode_content("====", "base64").empty());
}

TEST_CASE("quoted-printable round-trips and decodes soft breaks", "[mime][decode]") {
  const std::string texts[] = {
      "plain ascii line",
      "caf\xC3\xA9 = na\xC3\xAFve \xE2\x82\xAC\r\nsecond line with trailing space \r\nthird",
      std::string(300, 'x') + "\r\n" + std::string(200, '='),
      random_bytes(5000, 3),
  };
  for (const auto& t : texts) CHECK(decode_content(qp_encode(t), "quoted-printable") == t);
  CHECK(decode_content("soft =\r\nbreak", "quoted-printable") == "soft break");
  CHECK(decode_content("soft =\nbreak with LF", "quoted-printable") == "soft break with LF");
  CHECK(decode_content("lower =c3=a9 hex", "Quoted-Printable") == "lower \xC3\xA9 hex");
  CHECK(decode_content("a=3Db", "quoted-printable") == "a=b");
}

TEST_CASE("uuencode decodes with and without the x- prefix", "[mime][decode]") {
  const std::string encoded = "begin 644 hello.txt\r\n52&5L;&\\@9G)O;2!U=65N8V]D92$*\r\n`\r\nend\r\n";
  CHECK(decode_content(encoded, "x-uuencode") == "Hello from uuencode!\n");
  CHECK(decode_content(encoded, "uuencode") == "Hello from uuencode!\n");
  CHECK(decode_content(encoded, "x-uue") == "Hello from uuencode!\n");
}

TEST_CASE("identity encodings and unknown values return the bytes unchanged", "[mime][decode]") {
  const std::string data = random_bytes(1000, 11) + "=3D SGVsbG8=";
  for (const char* enc : {"", "7bit", "8bit", "binary", "8BIT", "x-unknown", "base-64"}) {
    INFO("encoding '" << enc << "'");
    CHECK(decode_content(data, enc) == data);
  }
}

TEST_CASE("the base64 scan flags invalid bytes and completes padding across chunks of any size",
          "[mime][decode]") {
  using mailjar::mime::transfer_decoder;
  auto decode_in_chunks = [](std::string_view encoded, std::size_t chunk, bool& invalid) {
    transfer_decoder d("base64");
    std::string out;
    for (std::size_t at = 0; at < encoded.size(); at += chunk) d.feed(encoded.substr(at, chunk), out);
    d.finish(out);
    invalid = d.saw_invalid_input();
    return out;
  };
  bool invalid = true;
  // 70 001 bytes encode to 93 336 alphabet characters ending in "=": without it the scan's
  // count decides whether the tail is completed; its blocks are 65 535 bytes long.
  const std::string data = random_bytes(70001, 7);
  std::string flat = base64_encode(data, 1u << 30);
  flat.erase(flat.find('='));
  for (std::size_t chunk : {1u, 3u, 65535u, 65536u, 1u << 20}) {
    INFO("chunk " << chunk);
    CHECK(decode_in_chunks(flat, chunk, invalid) == data);
    CHECK_FALSE(invalid);
  }
  // Exactly 65 536 and 131 072 invalid bytes in one chunk (a count that would wrap a 16-bit
  // field) are still seen.
  for (std::size_t n : {65536u, 131072u}) {
    INFO("invalid bytes " << n);
    CHECK(decode_in_chunks(std::string(n, '\x80') + "SGVsbG8=", 1u << 20, invalid) == "Hello");
    CHECK(invalid);
  }
  CHECK(decode_in_chunks(std::string(100000, 'A') + "!", 1u << 20, invalid).size() == 75000);
  CHECK(invalid);
  CHECK(decode_in_chunks("SGVs bG8\t=\r\n", 4, invalid) == "Hello");
  CHECK_FALSE(invalid);
}
