// Hostile and large inputs for mime::parse_message: every case must finish quickly, with
// bounded memory, and give a usable result (and warnings) instead of crashing. Also the
// concurrency contract: independent messages parse correctly from several threads at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mime/charset.hpp"
#include "mime/digest.hpp"
#include "mime/parser.hpp"
#include "support/samples.hpp"

using mailjar::mime::decode_content;
using mailjar::mime::digest_of;
using mailjar::mime::is_valid_utf8;
using mailjar::mime::parse_limits;
using mailjar::mime::parse_message;
using mailjar::mime::parsed_message;
using mailjar::mime::part_role;

namespace {

// ---- heap measurement --------------------------------------------------------------------
// Under AddressSanitizer (the test build) allocator hooks count every malloc/free, GMime's
// included, so the figures are exact. Without it, RSS growth is used (an approximation).
struct heap_use {
  long long peak_extra;  // highest live bytes beyond the start, during the work
  long long retained;    // live bytes beyond the start, after the work
};

#if defined(__SANITIZE_ADDRESS__)
extern "C" {
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, std::size_t),
                                              void (*free_hook)(const volatile void*));
int __sanitizer_get_ownership(const volatile void* p);
std::size_t __sanitizer_get_allocated_size(const volatile void* p);
}

std::atomic<bool> metering{false};
std::atomic<long long> live_bytes{0};
std::atomic<long long> peak_bytes{0};

void on_malloc(const volatile void*, std::size_t size) {
  if (!metering.load(std::memory_order_relaxed)) return;
  const long long now = live_bytes.fetch_add(static_cast<long long>(size)) + static_cast<long long>(size);
  long long seen = peak_bytes.load();
  while (now > seen && !peak_bytes.compare_exchange_weak(seen, now)) {
  }
}

void on_free(const volatile void* p) {
  if (!metering.load(std::memory_order_relaxed) || p == nullptr || __sanitizer_get_ownership(p) == 0) return;
  live_bytes.fetch_sub(static_cast<long long>(__sanitizer_get_allocated_size(p)));
}

heap_use measure_heap(const std::function<void()>& work) {
  static std::once_flag installed;
  std::call_once(installed, [] { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); });
  live_bytes = 0;
  peak_bytes = 0;
  metering = true;
  work();
  metering = false;
  return {std::max(0LL, peak_bytes.load()), live_bytes.load()};
}
#else
std::size_t status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  return 0;
}

heap_use measure_heap(const std::function<void()>& work) {
  { std::ofstream("/proc/self/clear_refs") << "5"; }  // reset the peak RSS to the current RSS
  const auto before = static_cast<long long>(status_kb("VmRSS"));
  work();
  const auto high = static_cast<long long>(status_kb("VmHWM"));
  const auto after = static_cast<long long>(status_kb("VmRSS"));
  return {std::max(0LL, high - before) * 1024, (after - before) * 1024};
}
#endif

double seconds_to(const std::function<void()>& work) {
  const auto t0 = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool has_warning(const parsed_message& m, std::string_view needle) {
  for (const auto& w : m.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

// What every parse must hold, whatever the input.
void check_sane(const std::string& raw, const parsed_message& m) {
  REQUIRE(is_valid_utf8(m.subject));
  REQUIRE(is_valid_utf8(m.text));
  REQUIRE(is_valid_utf8(m.html));
  REQUIRE(is_valid_utf8(m.html_as_text));
  REQUIRE(is_valid_utf8(m.snippet));
  REQUIRE(m.snippet.size() <= 203);
  REQUIRE(m.warnings.size() <= 50);
  for (const auto& p : m.parts) {
    REQUIRE(is_valid_utf8(p.file_name));
    REQUIRE(is_valid_utf8(p.content_type));
    if (p.in_raw) {
      REQUIRE(p.raw_offset + p.raw_length <= raw.size());
      const std::string bytes =
          decode_content(std::string_view(raw).substr(p.raw_offset, p.raw_length), p.transfer_encoding);
      REQUIRE(bytes.size() == p.size);
      REQUIRE(digest_of(bytes).sha256 == p.sha256);
    } else {
      REQUIRE(p.content.has_value());
      REQUIRE(p.content->size() == p.size);
    }
  }
}

std::string headers(std::string_view content_type) {
  return "From: hostile@example.com\r\nTo: victim@example.com\r\nSubject: hostile\r\n"
         "MIME-Version: 1.0\r\nContent-Type: " +
         std::string(content_type) + "\r\n\r\n";
}

std::string base64_encode(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t b0 = static_cast<unsigned char>(in[i]);
    const std::uint32_t b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
    const std::uint32_t b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0;
    const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < in.size() ? table[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? table[v & 63] : '=';
  }
  return out;
}

std::string wrap76(const std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < s.size(); i += 76) {
    out.append(s, i, 76);
    out += "\r\n";
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

TEST_CASE("10 000 sibling parts: capped at max_parts, linear time", "[mime][hostile]") {
  std::string raw = headers("multipart/mixed; boundary=\"s\"");
  for (int i = 0; i < 10000; ++i)
    raw += "--s\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
  raw += "--s--\r\n";
  parsed_message m;
  const double secs = seconds_to([&] { m = parse_message(raw); });
  CHECK(secs < 10.0);
  REQUIRE(m.parts.size() == 1000);
  CHECK(m.parts.front().part_id == "1");
  CHECK(m.parts.back().part_id == "1000");
  CHECK(m.text == "part 0");
  CHECK(has_warning(m, "more than 1000 MIME parts"));
  check_sane(raw, m);

  const auto few = parse_message(raw, parse_limits{.max_parts = 10, .max_depth = 32});
  CHECK(few.parts.size() == 10);
  CHECK(has_warning(few, "more than 10 MIME parts"));
}

TEST_CASE("200 000 sibling parts: GMime reads only up to a bounded number of boundary lines",
          "[mime][hostile]") {
  // Without the horizon GMime built all 200 000 part objects (~440 MB peak under ASan for
  // 100 000 of them in the integration test), though only 1 000 are listed.
  std::string raw = headers("multipart/mixed; boundary=\"s\"");
  for (int i = 0; i < 200000; ++i) raw += "--s\r\nContent-Type: text/plain\r\n\r\np\r\n";
  raw += "--s--\r\n";
  parsed_message m;
  const long long extra = measure_heap([&] { m = parse_message(raw); }).peak_extra;
  INFO("raw " << raw.size() << " bytes, peak extra heap " << extra << " bytes");
  CHECK(extra < 64LL * 1024 * 1024);
  REQUIRE(m.parts.size() == 1000);
  CHECK(m.text == "p");
  CHECK(has_warning(m, "more than 1000 MIME parts"));
  CHECK(has_warning(m, "MIME boundary lines; the rest of the message is not parsed"));
  check_sane(raw, m);
}

TEST_CASE("100 000 top-level header fields: the rest of the message is not parsed", "[mime][hostile]") {
  std::string raw = "Subject: header bomb\r\nX-Folded: a\r\n b\r\n";
  for (int i = 0; i < 100000; ++i) raw += "X-Bomb-" + std::to_string(i) + ": v\r\n";
  raw += "\r\nbody\r\n";
  parsed_message m;
  const long long extra = measure_heap([&] { m = parse_message(raw); }).peak_extra;
  INFO("raw " << raw.size() << " bytes, peak extra heap " << extra << " bytes");
  CHECK(extra < 32LL * 1024 * 1024);
  CHECK(m.subject == "header bomb");
  CHECK(m.headers.size() == 10000);  // folded lines are one field
  CHECK(has_warning(m, "more than 10000 header fields"));
  check_sane(raw, m);

  // At the limit nothing is cut, and the body is there.
  std::string ok = "Subject: fine\r\n";
  for (int i = 1; i < 10000; ++i) ok += "X-H: v\r\n";
  ok += "\r\nbody\r\n";
  const auto f = parse_message(ok);
  CHECK(f.headers.size() == 10000);
  CHECK(f.text == "body\r\n");
  CHECK_FALSE(has_warning(f, "header fields"));
}

TEST_CASE("lines starting with -- that are not boundaries never cut the parse", "[mime][hostile]") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "-- item " + std::to_string(i) + "\r\n--s-not-quite\r\n";
  const std::string raw = headers("multipart/mixed; boundary=\"s-x\"") +
                          "--s-x\r\nContent-Type: text/plain\r\n\r\n" + text + "--s-x--\r\n";
  const auto m = parse_message(raw);
  REQUIRE(m.parts.size() == 1);
  CHECK(m.text.size() + 2 == text.size());  // the CRLF before the delimiter belongs to it
  CHECK_FALSE(has_warning(m, "boundary lines"));
}

TEST_CASE("deep multipart nesting is cut at max_depth", "[mime][hostile]") {
  auto nested = [](int levels) {
    std::string raw = "From: a@example.com\r\nSubject: deep\r\n";
    for (int i = 0; i < levels; ++i)
      raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" +
             std::to_string(i) + "\r\n";
    raw += "Content-Type: text/plain\r\n\r\ndeep text\r\n";
    return raw;
  };
  SECTION("10 000 levels: no crash, bounded time, nothing below the cap listed") {
    const std::string raw = nested(10000);
    parsed_message m;
    const double secs = seconds_to([&] { m = parse_message(raw); });
    CHECK(secs < 20.0);
    CHECK(m.parts.empty());
    CHECK(m.subject == "deep");
    CHECK(has_warning(m, "nested deeper than 32 levels"));
    check_sane(raw, m);
  }
  SECTION("a leaf at exactly max_depth is listed, one level more is not") {
    const auto at_limit = parse_message(nested(31));  // 31 multiparts + the leaf = level 32
    REQUIRE(at_limit.parts.size() == 1);
    std::string id = "1";
    for (int i = 1; i < 31; ++i) id += ".1";
    CHECK(at_limit.parts[0].part_id == id);
    CHECK(at_limit.text == "deep text\r\n");
    CHECK_FALSE(has_warning(at_limit, "nested deeper"));

    const auto over = parse_message(nested(32));
    CHECK(over.parts.empty());
    CHECK(has_warning(over, "nested deeper than 32 levels"));
  }
}

TEST_CASE("deep message/rfc822 nesting stays one attachment", "[mime][hostile]") {
  std::string raw = "From: a@example.com\r\nSubject: matryoshka\r\n";
  for (int i = 0; i < 10000; ++i)
    raw += "Content-Type: message/rfc822\r\n\r\nSubject: level " + std::to_string(i) + "\r\n";
  raw += "\r\ninnermost\r\n";
  parsed_message m;
  const double secs = seconds_to([&] { m = parse_message(raw); });
  CHECK(secs < 20.0);
  REQUIRE(m.parts.size() == 1);
  CHECK(m.parts[0].content_type == "message/rfc822");
  CHECK(m.parts[0].role == part_role::attachment);
  CHECK(has_warning(m, "MIME nesting too deep"));  // GMime stops at 512 message levels
  check_sane(raw, m);
}

TEST_CASE("10 MB single lines: body, header and base64 without line breaks", "[mime][hostile]") {
  const std::size_t ten_mb = 10 * 1024 * 1024;
  SECTION("body line") {
    const std::string raw = headers("text/plain") + std::string(ten_mb, 'a');
    parsed_message m;
    CHECK(seconds_to([&] { m = parse_message(raw); }) < 10.0);
    CHECK(m.text.size() == ten_mb);
    CHECK(m.snippet == std::string(200, 'a') + "...");
    check_sane(raw, m);
  }
  SECTION("header line") {
    // GMime grows its header buffer step by step: linear with glibc's realloc (0.1 s in a
    // release build), but ASan's realloc copies every time, hence the looser bound.
    const std::string raw =
        "From: a@example.com\r\nSubject: " + std::string(ten_mb, 'x') + "\r\n\r\nbody\r\n";
    parsed_message m;
    CHECK(seconds_to([&] { m = parse_message(raw); }) < 40.0);
    CHECK(m.subject.size() == ten_mb);
    CHECK(m.text == "body\r\n");
    check_sane(raw, m);
  }
  SECTION("base64 attachment on one line") {
    const std::string payload = random_bytes(ten_mb / 4 * 3, 7);
    const std::string raw =
        headers("multipart/mixed; boundary=\"x\"") +
        "--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        base64_encode(payload) + "\r\n--x--\r\n";
    parsed_message m;
    CHECK(seconds_to([&] { m = parse_message(raw); }) < 10.0);
    REQUIRE(m.parts.size() == 1);
    CHECK(m.parts[0].size == payload.size());
    CHECK(m.parts[0].sha256 == digest_of(payload).sha256);
  }
}

TEST_CASE("empty, header-only and binary garbage inputs", "[mime][hostile]") {
  SECTION("empty input") {
    const auto m = parse_message("");
    REQUIRE(m.parts.size() == 1);
    CHECK(m.parts[0].size == 0);
    CHECK(m.text.empty());
    CHECK_FALSE(m.warnings.empty());
  }
  SECTION("headers without a body or blank line") {
    const std::string raw = "From: a@example.com\r\nSubject: only headers";
    const auto m = parse_message(raw);
    CHECK(m.subject == "only headers");
    CHECK(m.text.empty());
    check_sane(raw, m);
  }
  SECTION("an attached message without header fields is kept as decoded content") {
    const std::string raw = headers("multipart/mixed; boundary=b") +
                            "--b\r\nContent-Type: message/rfc822\r\n\r\n\r\nbody only\r\n--b--\r\n";
    const auto m = parse_message(raw);
    REQUIRE(m.parts.size() == 1);
    CHECK(m.parts[0].content_type == "message/rfc822");
    CHECK_FALSE(m.parts[0].in_raw);
    REQUIRE(m.parts[0].content.has_value());
    CHECK(m.parts[0].content->find("body only") != std::string::npos);
    check_sane(raw, m);
  }
  SECTION("NUL bytes in headers and body") {
    static constexpr char bytes[] = "From: a@example.com\r\nSubject: a\0b\r\nX-Null: \0\0\r\n\r\nx\0y\r\n";
    const std::string raw(bytes, sizeof bytes - 1);
    const auto m = parse_message(raw);
    CHECK(m.text.find('\0') == std::string::npos);
    CHECK(m.text == "x\xEF\xBF\xBDy\r\n");
    CHECK(m.subject == "a");  // GMime's header strings end at the NUL
    check_sane(raw, m);
  }
  SECTION("'{' and other junk inside base64") {
    const std::string msg =
        "From: a@example.com\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n{{{{QUJD}}}}\r\n{\r\n";
    const auto m = parse_message(msg);
    REQUIRE(m.parts.size() == 1);
    CHECK(decode_content(std::string_view(msg).substr(m.parts[0].raw_offset, m.parts[0].raw_length),
                         "base64") == "ABC");
    CHECK(m.parts[0].size == 3);
    CHECK(has_warning(m, "outside the base64 alphabet"));
  }
  SECTION("random bytes and shuffled MIME fragments never break the invariants") {
    const std::vector<std::string> fragments = {
        "Content-Type: multipart/mixed; boundary=\"q\"\r\n",
        "--q\r\n",
        "--q--\r\n",
        "\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Content-Type: message/rfc822\r\n",
        "Content-Type: text/html; charset=koi8-r\r\n",
        "=?UTF-8?B?w6k=?=",
        "Content-Disposition: attachment; filename*0*=UTF-8''%E2%82; filename*1*=%AC\r\n",
        "<script>",
        "&#x110000;",
        "To: undisclosed-recipients:\r\n",
        "=\r\n",
        "{",
        std::string(1, '\0'),
        "\xff\xfe",
        "Subject: x\r\n"};
    std::mt19937 rng(12345);
    for (int round = 0; round < 300; ++round) {
      std::string raw;
      const int pieces = static_cast<int>(rng() % 40);
      for (int i = 0; i < pieces; ++i) {
        if (rng() % 3 == 0)
          raw += random_bytes(rng() % 20, static_cast<std::uint32_t>(rng()));
        else
          raw += fragments[rng() % fragments.size()];
      }
      INFO("round " << round);
      check_sane(raw, parse_message(raw));
    }
  }
}

TEST_CASE("25 MB messages need little memory beyond their own size", "[mime][hostile]") {
  const std::size_t size = 25 * 1024 * 1024;
  SECTION("base64 attachment: decoded in chunks, never held whole") {
    const std::string payload = random_bytes(size / 4 * 3 - 4096, 99);
    const std::string raw = headers("multipart/mixed; boundary=\"big\"") +
                            "--big\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n" +
                            "--big\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
                            "attachment; filename=big.bin\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\n" +
                            wrap76(base64_encode(payload)) + "--big--\r\n";
    parsed_message m;
    const long long extra = measure_heap([&] { m = parse_message(raw); }).peak_extra;
    INFO("raw " << raw.size() << " bytes, peak extra heap " << extra << " bytes");
    CHECK(extra < 2 * 1024 * 1024);
    REQUIRE(m.parts.size() == 2);
    CHECK(m.parts[1].size == payload.size());
    CHECK(m.parts[1].sha256 == digest_of(payload).sha256);
  }
  SECTION("25 MB quoted-printable text body: about one copy (the decoded text itself)") {
    std::string body;
    body.reserve(size);
    while (body.size() + 80 < size)
      body += "Lorem ipsum dolor sit amet, caf=C3=A9 consectetur adipiscing elit, sed do =\r\n";
    const std::string raw =
        headers("text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable") + body;
    parsed_message m;
    const long long extra = measure_heap([&] { m = parse_message(raw); }).peak_extra;
    INFO("raw " << raw.size() << " bytes, text " << m.text.size() << " bytes, peak extra heap " << extra
                << " bytes");
    CHECK(m.text.size() > size / 2);
    CHECK(extra < static_cast<long long>(raw.size()) + 2 * 1024 * 1024);
  }
}

TEST_CASE("invented charset names do not grow GMime's global tables", "[mime][hostile]") {
  // GMime caches every charset name it looks up, forever; the parser drops that cache when
  // too many distinct names were seen. 40 000 names would otherwise retain ~5 MB.
  auto message = [](int round) {
    std::string raw = "From: a@example.com\r\nSubject:";
    for (int i = 0; i < 1000; ++i) raw += " =?x" + std::to_string(round * 1000 + i) + "-invented?Q?a?=";
    raw += "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    for (int i = 0; i < 1000; ++i)
      raw += "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=y" +
             std::to_string(round * 1000 + i) + "-invented''f%41.bin\r\n\r\nx\r\n";
    return raw + "--b--\r\n";
  };
  (void)parse_message(message(-1));  // warm-up: one-time allocations are not growth
  const heap_use use = measure_heap([&] {
    for (int round = 0; round < 20; ++round) {
      const auto m = parse_message(message(round));
      REQUIRE(m.parts.size() == 1000);
    }
  });
  INFO("retained " << use.retained << " bytes after 40 000 distinct charset names");
  CHECK(use.retained < 1024 * 1024);
  // Decoding still works after the cache was dropped and rebuilt.
  const auto m = parse_message(mailjar::testing::read_sample("encoded_words.eml"));
  CHECK(m.subject == "Prüfung bestanden ✓");
  CHECK(m.to.at(0).name == "André Pirard");
  CHECK(m.parts.at(1).file_name == "Prüfbericht 2024.pdf");
}

TEST_CASE("parse from 4 threads at once gives the single-threaded results", "[mime][concurrency]") {
  const auto names = mailjar::testing::sample_names();
  std::vector<std::string> raws;
  std::vector<parsed_message> expected;
  for (const auto& n : names) {
    raws.push_back(mailjar::testing::read_sample(n));
    expected.push_back(parse_message(raws.back()));
  }
  std::atomic<int> mismatches{0};
  std::atomic<int> parsed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 15; ++round) {
        for (std::size_t i = 0; i < raws.size(); ++i) {
          const std::size_t k = (i + static_cast<std::size_t>(t) * 5) % raws.size();
          const parsed_message m = parse_message(raws[k]);
          const parsed_message& e = expected[k];
          bool same = m.subject == e.subject && m.text == e.text && m.html == e.html && m.to == e.to &&
                      m.headers == e.headers && m.warnings == e.warnings && m.parts.size() == e.parts.size();
          for (std::size_t p = 0; same && p < m.parts.size(); ++p)
            same = m.parts[p].part_id == e.parts[p].part_id && m.parts[p].sha256 == e.parts[p].sha256 &&
                   m.parts[p].file_name == e.parts[p].file_name;
          if (!same) ++mismatches;
          ++parsed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(parsed == static_cast<int>(4 * 15 * raws.size()));
  CHECK(mismatches == 0);
}
