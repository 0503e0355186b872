// Mailpit's search grammar: quoting, negation, every prefix, is:/has:, sizes, dates with a tz,
// Mailpit's fall-backs (unknown prefixes are text, empty values are ignored), header: (ours),
// errors with a short reason, and garbage that never crashes.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "search/parser.hpp"

using namespace mailjar::search;

namespace {

term make(term_kind k, std::string value = {}, bool negated = false) {
  term t;
  t.kind = k;
  t.value = std::move(value);
  t.negated = negated;
  return t;
}

term num(term_kind k, std::int64_t n, bool negated = false) {
  term t;
  t.kind = k;
  t.number = n;
  t.negated = negated;
  return t;
}

term header(std::string name, std::string value, bool negated = false) {
  term t = make(term_kind::header, std::move(value), negated);
  t.header_name = std::move(name);
  return t;
}

std::string show(const std::vector<term>& terms) {
  query q;
  q.terms = terms;
  return to_string(q);
}

}  // namespace

TEST_CASE("parse: table of searches and the terms they mean", "[search]") {
  using k = term_kind;
  const std::int64_t jan31 = 1769817600000;
  struct row {
    std::string in;
    std::vector<term> terms;
  };
  const std::vector<row> rows = {
      {"", {}},
      {"   ", {}},
      {"hello", {make(k::text, "hello")}},
      {"Hello World", {make(k::text, "Hello"), make(k::text, "World")}},
      {"\"hello world\"", {make(k::text, "hello world")}},
      {"say \"hello  world\" now",
       {make(k::text, "say"), make(k::text, "hello world"), make(k::text, "now")}},
      {"\"unclosed phrase here", {make(k::text, "unclosed phrase here")}},
      {"-spam", {make(k::text, "spam", true)}},
      {"!spam", {make(k::text, "spam", true)}},
      {"-\"two words\"", {make(k::text, "two words", true)}},
      {"\"-quoted\"", {make(k::text, "quoted", true)}},  // quotes go first, as in Mailpit
      {"-", {}},
      {"!", {}},
      {"--", {}},
      {"@@@ ... ---", {}},
      {"<bob@example.com>", {make(k::text, "bob@example.com")}},
      {"from:Bob", {make(k::from, "bob")}},
      {"FROM:bob@Example.COM", {make(k::from, "bob@example.com")}},
      {"from:\"Bob Smith\"", {make(k::from, "bob smith")}},
      {"from:<bob@example.com>", {make(k::from, "bob@example.com")}},
      {"-from:bob", {make(k::from, "bob", true)}},
      {"!to:ann", {make(k::to, "ann", true)}},
      {"to:ann cc:carl bcc:dora", {make(k::to, "ann"), make(k::cc, "carl"), make(k::bcc, "dora")}},
      {"reply-to:replies addressed:eve", {make(k::reply_to, "replies"), make(k::addressed, "eve")}},
      {"message-id:<ABC@x>", {make(k::message_id, "abc@x")}},
      {"subject:Report", {make(k::subject, "report")}},
      {"subject:\"Q3 Report\"", {make(k::subject, "q3 report")}},
      {"subject:(urgent)", {make(k::subject, "(urgent)")}},  // Mailpit does not clean subject values
      {"tag:Work", {make(k::tag, "Work")}},
      {"tag:\"my tag\"", {make(k::tag, "my tag")}},
      {"-tag:spam", {make(k::tag, "spam", true)}},
      {"from:", {}},
      {"subject:", {}},
      {"to:<>", {}},
      {"is:read", {make(k::is_read)}},
      {"IS:UNREAD", {make(k::is_unread)}},
      {"-is:read", {make(k::is_read, "", true)}},
      {"is:tagged", {make(k::is_tagged)}},
      {"has:attachment", {make(k::has_attachment)}},
      {"has:attachments", {make(k::has_attachment)}},
      {"has:inline !has:inlines", {make(k::has_inline), make(k::has_inline, "", true)}},
      {"is:starred", {make(k::text, "is:starred")}},  // unknown is:/has: values are text
      {"has:pdf", {make(k::text, "has:pdf")}},
      {"foo:bar", {make(k::text, "foo:bar")}},  // unknown prefixes are text
      {"larger:2M", {num(k::larger, 2 * 1024 * 1024)}},
      {"smaller:100K", {num(k::smaller, 100 * 1024)}},
      {"-larger:10kb", {num(k::larger, 10 * 1024, true)}},
      {"larger:100", {num(k::larger, 100)}},
      {"\"larger:1.5 MB\"", {num(k::larger, 1572864)}},
      {"larger:lots", {make(k::text, "larger:lots")}},  // not a size: text, as in Mailpit
      {"larger:0", {make(k::text, "larger:0")}},
      {"smaller:2G", {make(k::text, "smaller:2G")}},
      {"after:2026-01-31", {num(k::after, jan31)}},
      {"before:2026-01-31T12:00:00Z", {num(k::before, jan31 + 12 * 3'600'000)}},
      {"-before:2026/01/31", {num(k::before, jan31, true)}},
      {"\"after:2026-01-31 06:00\"", {num(k::after, jan31 + 6 * 3'600'000)}},
      {"after:", {}},
      {"header:X-Mailer:PHPMailer", {header("X-Mailer", "phpmailer")}},
      {"header:X-Campaign", {header("X-Campaign", "")}},
      {"header:X-Campaign:", {header("X-Campaign", "")}},
      {"\"header:X-Note:a b:c\"", {header("X-Note", "a b:c")}},
      {"-header:List-Id:<news.example>", {header("List-Id", "news.example", true)}},
      {"from:bob invoice has:attachment",
       {make(k::from, "bob"), make(k::text, "invoice"), make(k::has_attachment)}},
      // Unicode: values fold; bare words keep their case (the full-text tokenizer folds them).
      {"from:\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2",
       {make(k::from, "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82")}},
      {"subject:\xC3\x89T\xC3\x89", {make(k::subject, "ete")}},
      {"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2",
       {make(k::text, "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2")}},
      {"-\xC3\xA9t\xC3\xA9", {make(k::text, "\xC3\xA9t\xC3\xA9", true)}},
  };
  for (const auto& r : rows) {
    INFO("search: " << r.in);
    auto q = parse(r.in);
    REQUIRE(q.ok());
    INFO("got: " << to_string(*q) << "\nwant: " << show(r.terms));
    CHECK(q->terms == r.terms);
  }
}

TEST_CASE("parse: dates use the tz offset unless they carry their own", "[search]") {
  const std::int64_t jan31 = 1769817600000;
  auto q = parse("after:2026-01-31 before:2026-01-31T00:00Z", parse_options{120});
  REQUIRE(q.ok());
  REQUIRE(q->terms.size() == 2);
  CHECK(q->terms[0].number == jan31 - 2 * 3'600'000);
  CHECK(q->terms[1].number == jan31);
}

TEST_CASE("parse: errors carry a short reason", "[search]") {
  struct row {
    std::string in, reason;
  };
  const std::vector<row> rows = {
      {"before:yesterday", "before: cannot read the date \"yesterday\""},
      {"after:2026-02-30", "after: cannot read the date"},
      {"-after:31.12.2026", "after: cannot read the date"},
      {"header::value", "header: needs a field name"},
      {"header:", "header: needs a field name"},
      {"\"header:X Mailer:v\"", "header: needs a field name"},
      {std::string(5000, 'a'), "search is too long"},
  };
  for (const auto& r : rows) {
    INFO(r.in.substr(0, 80));
    auto q = parse(r.in);
    REQUIRE_FALSE(q.ok());
    CHECK_THAT(q.error_message(), Catch::Contains(r.reason));
    CHECK(q.error_message().size() < 200);
    CHECK(q.error_message().find('\n') == std::string::npos);
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many += "w" + std::to_string(i) + " ";
  auto q = parse(many);
  REQUIRE_FALSE(q.ok());
  CHECK_THAT(q.error_message(), Catch::Contains("too many terms"));
  CHECK(parse(many.substr(0, many.rfind("w64"))).ok());  // 64 terms are fine
}

TEST_CASE("parse: garbage never crashes", "[search]") {
  std::mt19937 rng(1234);
  const std::string alphabet =
      "ab:-!\"<>(),; \t\r\n\\*'%_\x01\x7f\xc3\xa9\xff\xfe\xd0\x9f\xe2\x80\xaf"
      "0123456789";
  std::uniform_int_distribution<std::size_t> len(0, 80), pick(0, alphabet.size() - 1);
  const std::vector<std::string> prefixes = {
      "", "from:", "header:", "before:", "larger:", "-", "is:", "tag:", "\""};
  for (int i = 0; i < 20000; ++i) {
    std::string s = prefixes[static_cast<std::size_t>(i) % prefixes.size()];
    const std::size_t n = len(rng);
    for (std::size_t j = 0; j < n; ++j) s += alphabet[pick(rng)];
    auto q = parse(s);
    if (q.ok()) {
      for (const auto& t : q->terms) {
        if (t.kind == term_kind::text) CHECK_FALSE(t.value.empty());
      }
    } else {
      CHECK_FALSE(q.error_message().empty());
    }
  }
}
