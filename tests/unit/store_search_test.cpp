// Search against a real database: every term kind of Mailpit's syntax, negation, full-text
// prefixes and phrases, Unicode case folding (Cyrillic, Greek, accented Latin), header:, exact
// match counts, and searches that do not parse.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "store/sqlite_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;

namespace {

constexpr std::int64_t t0 = 1'770'000'000'000;  // 2026-02-02T02:40:00Z
constexpr std::int64_t minute = 60'000;

// A small mailbox whose messages each stand out in a few ways; found() names results by label.
class corpus {
 public:
  corpus() {
    auto opened = sqlite_store::open({.path = dir_.file("mail.db")});
    REQUIRE(opened.ok());
    store_ = std::move(*opened);
    add("report", {.from = "Alice Example <alice@example.com>",
                   .to = "Bob <bob@example.com>",
                   .subject = "Quarterly report",
                   .text = "The numbers are in. Invoice attached, see the totals.",
                   .extra_headers = {"X-Tags: Finance"},
                   .attachment_name = "invoice-2026.pdf",
                   .received_ms = t0 + 1 * minute});
    add("russian", {.from = "\xD0\x91\xD0\xBE\xD1\x80\xD0\xB8\xD1\x81 <boris@example.ru>",  // Борис
                    .to = "anna@example.ru",
                    .subject = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xB8\xD0\xB7 "
                               "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD1\x8B",  // Привет из Москвы
                    .text = "\xD0\x9A\xD0\xB0\xD0\xBA \xD0\xB4\xD0\xB5\xD0\xBB\xD0\xB0?",  // Как дела?
                    .received_ms = t0 + 2 * minute});
    add("french", {.from = "\xC3\x89lo\xC3\xAFse <eloise@example.fr>",  // Éloïse
                   .to = "team@example.fr",
                   .cc = "Charles <charles@example.fr>",
                   .subject = "\xC3\x89t\xC3\xA9 \xC3\xA0 Paris",                  // Été à Paris
                   .text = "Nous irons \xC3\xA0 la plage cet \xC3\xA9t\xC3\xA9.",  // ... cet été.
                   .received_ms = t0 + 3 * minute});
    add("greek",
        {.from = "\xCE\xA3\xCF\x89\xCE\xBA\xCF\x81\xCE\xAC\xCF\x84\xCE\xB7\xCF\x82 <socrates@example.gr>",
         .to = "plato@example.gr",
         .subject = "\xCE\x9A\xCE\xB1\xCE\xBB\xCE\xB7\xCE\xBC\xCE\xAD\xCF\x81\xCE\xB1",  // Καλημέρα
         .text = "\xCE\xA6\xCE\x99\xCE\x9B\xCE\x9F\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91",  // ΦΙΛΟΣΟΦΙΑ
         .received_ms = t0 + 4 * minute});
    add("build", {.from = "CI <noreply+alerts@service.example>",
                  .to = "dev+ci+nightly@example.com",
                  .reply_to = "Support <support@service.example>",
                  .subject = "Build 42 failed",
                  .text = "Build failed: " + std::string(30'000, 'x') + " end of log",
                  .html = "<p>Build <b>failed</b> htmlonlyword</p>",
                  .extra_headers = {"X-Mailer: PHPMailer 6.0 (https://github.com/PHPMailer)",
                                    "List-Id: <builds.example>"},
                  .inline_image = true,
                  .received_ms = t0 + 5 * minute});
    add("lunch", {.from = "Alice Example <alice@example.com>",
                  .to = "carol@example.com",
                  .bcc = "Secret <secret@example.org>",
                  .subject = "Lunch? (Friday)",
                  .message_id = "lunch-123@example.com",
                  .text = "Pizza or sushi, foo: bar",
                  .rcpt_to = {"carol@example.com", "secret@example.org", "hidden@example.net"},
                  .received_ms = t0 + 6 * minute});
  }

  sqlite_store& store() { return *store_; }

  // Labels of the messages matching `search`, newest first.
  std::vector<std::string> found(const std::string& search, int tz = 0) {
    auto page = store_->list(page_request{search, tz, 0, 100});
    INFO("search: " << search);
    REQUIRE(page.ok());
    std::vector<std::string> out;
    for (const auto& m : page->messages) out.push_back(label_of_.at(m.uid));
    CHECK(page->matched == out.size());
    return out;
  }

  const std::string& uid(const std::string& label) { return uid_of_.at(label); }

 private:
  void add(const std::string& label, const test::mail_spec& spec) {
    auto m = test::make_mail(spec);
    REQUIRE(test::store_sync(*store_, m).ok);
    uid_of_[label] = m->uid;
    label_of_[m->uid] = label;
  }

  test::temp_dir dir_;
  std::unique_ptr<sqlite_store> store_;
  std::map<std::string, std::string> uid_of_, label_of_;
};

using labels = std::vector<std::string>;
const labels all = {"lunch", "build", "greek", "french", "russian", "report"};

labels all_but(const labels& gone) {
  labels out;
  for (const auto& l : all)
    if (std::find(gone.begin(), gone.end(), l) == gone.end()) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("search: bare words, prefixes and phrases use the full-text index", "[store]") {
  corpus c;
  CHECK(c.found("") == all);
  CHECK(c.found("numbers") == labels{"report"});
  CHECK(c.found("NUMBERS") == labels{"report"});
  CHECK(c.found("quart") == labels{"report"});             // a word start matches
  CHECK(c.found("invoice") == labels{"report"});           // body and attachment name
  CHECK(c.found("invoice-2026.pdf") == labels{"report"});  // the file name as typed
  CHECK(c.found("htmlonlyword") == labels{"build"});       // HTML body as text
  CHECK(c.found("alice") == labels{"lunch", "report"});    // addresses
  CHECK(c.found("example.ru") == labels{"russian"});       // a whole part of an address
  CHECK(c.found("bob@example.com") == labels{"report"});
  CHECK(c.found("hidden") == labels{"lunch"});  // envelope-only recipient (Bcc)
  CHECK(c.found("\"numbers are in\"") == labels{"report"});
  CHECK(c.found("\"are numbers\"").empty());
  CHECK(c.found("numbers totals") == labels{"report"});  // AND
  CHECK(c.found("numbers pizza").empty());
  CHECK(c.found("foo:bar") == labels{"lunch"});  // an unknown prefix is text, as in Mailpit
  CHECK(c.found("-alice") == all_but({"lunch", "report"}));
  CHECK(c.found("!alice -pizza") == all_but({"lunch", "report"}));
  CHECK(c.found("alice -pizza") == labels{"report"});
  CHECK(c.found("\"a\"\"b").empty());        // quotes inside terms never break the FTS syntax
  CHECK(c.found("*").size() == all.size());  // no letter or digit: ignored
}

TEST_CASE("search: Unicode case folding in words and fields", "[store]") {
  corpus c;
  // Cyrillic: ПРИВЕТ / привет / ПрИвЕт
  CHECK(c.found("\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2") == labels{"russian"});
  CHECK(c.found("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82") == labels{"russian"});
  CHECK(c.found("\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A") == labels{"russian"});  // МОСК: prefix of Москвы
  CHECK(c.found("from:\xD0\x91\xD0\x9E\xD0\xA0\xD0\x98\xD0\xA1") == labels{"russian"});     // БОРИС
  CHECK(c.found("subject:\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2") == labels{"russian"});  // москв
  // Accented Latin: ÉTÉ finds été; accents optional both ways.
  CHECK(c.found("\xC3\x89T\xC3\x89") == labels{"french"});
  CHECK(c.found("ete") == labels{"french"});
  CHECK(c.found("subject:\xC3\x89T\xC3\x89") == labels{"french"});
  CHECK(c.found("subject:ete") == labels{"french"});
  CHECK(c.found("from:\xC3\x89LO\xC3\x8FSE") == labels{"french"});  // ÉLOÏSE
  CHECK(c.found("from:eloise") == labels{"french"});
  // Greek: capitals find lower case (Greek keeps its tonos, as the tokenizer does).
  CHECK(c.found("\xCE\xA6\xCE\xB9\xCE\xBB\xCE\xBF\xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1")
            .empty());  // Φιλοσοφία (accented)
  CHECK(c.found("\xCF\x86\xCE\xB9\xCE\xBB\xCE\xBF\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1") ==
        labels{"greek"});  // φιλοσοφια
  CHECK(c.found("\xCE\x9A\xCE\x91\xCE\x9B\xCE\x97\xCE\x9C\xCE\x88\xCE\xA1\xCE\x91") ==
        labels{"greek"});  // ΚΑΛΗΜΈΡΑ
  CHECK(c.found("subject:\xCE\x9A\xCE\x91\xCE\x9B\xCE\x97\xCE\x9C\xCE\x88\xCE\xA1\xCE\x91") ==
        labels{"greek"});
  CHECK(c.found("from:\xCE\xA3\xCE\xA9\xCE\x9A\xCE\xA1\xCE\x86\xCE\xA4\xCE\x97\xCE\xA3") ==
        labels{"greek"});  // ΣΩΚΡΆΤΗΣ
}

TEST_CASE("search: address fields match name or address as substrings", "[store]") {
  corpus c;
  CHECK(c.found("from:alice") == labels{"lunch", "report"});
  CHECK(c.found("from:\"Alice Example\"") == labels{"lunch", "report"});
  CHECK(c.found("from:<alice@example.com>") == labels{"lunch", "report"});
  CHECK(c.found("from:ice@exa") == labels{"lunch", "report"});  // substring, as Mailpit's LIKE
  CHECK(c.found("-from:alice") == all_but({"lunch", "report"}));
  CHECK(c.found("to:bob") == labels{"report"});
  CHECK(c.found("to:carol") == labels{"lunch"});
  CHECK(c.found("cc:charles") == labels{"french"});
  CHECK(c.found("bcc:secret") == labels{"lunch"});
  CHECK(c.found("bcc:hidden@example.net") == labels{"lunch"});  // envelope-only recipient
  CHECK(c.found("reply-to:support") == labels{"build"});
  CHECK(c.found("addressed:charles") == labels{"french"});
  CHECK(c.found("addressed:alice") == labels{"lunch", "report"});
  CHECK(c.found("addressed:support@service") == labels{"build"});
  CHECK(c.found("-addressed:example.com") == labels{"greek", "french", "russian"});
  CHECK(c.found("to:charles").empty());  // Cc is not To
  CHECK(c.found("message-id:lunch-123") == labels{"lunch"});
  CHECK(c.found("message-id:<LUNCH-123@example.com>") == labels{"lunch"});
  CHECK(c.found("subject:report") == labels{"report"});
  CHECK(c.found("subject:\"rterly rep\"") == labels{"report"});  // substring
  CHECK(c.found("subject:(friday)") == labels{"lunch"});         // not cleaned, as in Mailpit
  CHECK(c.found("-subject:report") == all_but({"report"}));
}

TEST_CASE("search: tags, flags, sizes and dates", "[store]") {
  corpus c;
  CHECK(c.found("tag:finance") == labels{"report"});
  CHECK(c.found("tag:FINANCE") == labels{"report"});
  CHECK(c.found("tag:alerts") == labels{"build"});  // plus-address of From
  CHECK(c.found("tag:nightly tag:ci") == labels{"build"});
  CHECK(c.found("tag:fin").empty());  // tags match whole
  CHECK(c.found("-tag:finance") == all_but({"report"}));
  CHECK(c.found("is:tagged") == labels{"build", "report"});
  CHECK(c.found("-is:tagged") == all_but({"build", "report"}));
  CHECK(c.found("has:attachment") == labels{"report"});
  CHECK(c.found("-has:attachments") == all_but({"report"}));
  CHECK(c.found("has:inline") == labels{"build"});
  CHECK(c.found("larger:20K") == labels{"build"});
  CHECK(c.found("smaller:20KB") == all_but({"build"}));
  CHECK(c.found("-larger:20k") == all_but({"build"}));
  CHECK(c.found("larger:1M").empty());

  // Received times are t0 + n minutes (report n=1 ... lunch n=6); 2026-02-02T02:43:00Z is n=3.
  CHECK(c.found("after:2026-02-02T02:43:00Z") == labels{"lunch", "build", "greek", "french"});
  CHECK(c.found("before:2026-02-02T02:43:00Z") == labels{"french", "russian", "report"});  // inclusive
  CHECK(c.found("-after:2026-02-02T02:43:00Z") == labels{"french", "russian", "report"});  // Mailpit: <=
  CHECK(c.found("after:2026-02-03").empty());
  CHECK(c.found("before:2026-02-02").empty());
  CHECK(c.found("after:2026-02-02").size() == all.size());
  // The tz offset moves a date-only bound: midnight at UTC-3 is 03:00Z, after every message.
  CHECK(c.found("after:2026-02-02", -180).empty());
  CHECK(c.found("after:2026-02-02T02:44", 0) == labels{"lunch", "build", "greek"});
  CHECK(c.found("after:2026-02-02T03:44", 60) == labels{"lunch", "build", "greek"});

  // Read flags.
  REQUIRE(c.store().set_read(selection{.uids = {c.uid("greek"), c.uid("report")}}, true).ok());
  CHECK(c.found("is:read") == labels{"greek", "report"});
  CHECK(c.found("is:unread") == all_but({"greek", "report"}));
  CHECK(c.found("-is:read") == all_but({"greek", "report"}));
  CHECK(c.found("!is:unread") == labels{"greek", "report"});
}

TEST_CASE("search: header:Name:value on any header field", "[store]") {
  corpus c;
  CHECK(c.found("header:X-Mailer:phpmailer") == labels{"build"});
  CHECK(c.found("header:x-mailer:PHPMAILER") == labels{"build"});
  CHECK(c.found("\"header:X-Mailer:PHPMailer 6.0\"") == labels{"build"});
  CHECK(c.found("header:X-Mailer") == labels{"build"});  // present at all
  CHECK(c.found("header:List-Id:<builds.example>") == labels{"build"});
  CHECK(c.found("header:X-Mailer:outlook").empty());
  CHECK(c.found("-header:X-Mailer") == all_but({"build"}));
  CHECK(c.found("header:X-Tags:finance") == labels{"report"});
  CHECK(c.found("header:Subject:\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82") ==
        labels{"russian"});  // raw UTF-8 value
}

TEST_CASE("search: combined terms and exact counts", "[store]") {
  corpus c;
  CHECK(c.found("from:alice invoice has:attachment") == labels{"report"});
  CHECK(c.found("from:alice pizza has:attachment").empty());
  CHECK(c.found("from:alice -invoice") == labels{"lunch"});

  REQUIRE(c.store().set_read(selection{.uids = {c.uid("lunch")}}, true).ok());
  auto page = c.store().list(page_request{"from:alice", 0, 0, 1});
  REQUIRE(page.ok());
  CHECK(page->total == 6);
  CHECK(page->unread == 5);
  CHECK(page->matched == 2);
  CHECK(page->matched_unread == 1);
  REQUIRE(page->messages.size() == 1);
  CHECK(page->messages[0].uid == c.uid("lunch"));

  // Words only: counted from the full-text index, read flags still exact.
  page = c.store().list(page_request{"alice", 0, 1, 10});
  REQUIRE(page.ok());
  CHECK(page->matched == 2);
  CHECK(page->matched_unread == 1);
  REQUIRE(page->messages.size() == 1);
  CHECK(page->messages[0].uid == c.uid("report"));

  page = c.store().list(page_request{"nosuchwordanywhere", 0, 0, 10});
  REQUIRE(page.ok());
  CHECK(page->total == 6);
  CHECK(page->matched == 0);
  CHECK(page->matched_unread == 0);
  CHECK(page->messages.empty());
}

TEST_CASE("search: a search that does not parse is an error with its reason", "[store]") {
  corpus c;
  auto page = c.store().list(page_request{"before:yesterday"});
  REQUIRE_FALSE(page.ok());
  CHECK_THAT(page.error_message(), Catch::Contains("before:") && Catch::Contains("yesterday"));
  auto latest = c.store().latest_uid("header:", 0);
  REQUIRE_FALSE(latest.ok());
  auto removed = c.store().remove(selection{.search = "after:2026-99-99"});
  REQUIRE_FALSE(removed.ok());
  auto read = c.store().set_read(selection{.search = "after:nope"}, true);
  REQUIRE_FALSE(read.ok());
  CHECK(c.found("") == all);  // nothing changed
  CHECK(c.found("is:read").empty());
}

TEST_CASE("search: explain names the strategy and the plans", "[store]") {
  corpus c;
  auto words = c.store().explain("numbers");
  REQUIRE(words.ok());
  CHECK_THAT(*words, Catch::StartsWith("words only") && Catch::Contains("VIRTUAL TABLE INDEX") &&
                         Catch::Contains("message_index_read") &&
                         Catch::Contains("message_index_by_received"));
  auto mixed = c.store().explain("numbers from:alice header:X-Mailer");
  REQUIRE(mixed.ok());
  CHECK_THAT(*mixed, Catch::StartsWith("one pass") && !Catch::Contains("cannot explain"));
  auto none = c.store().explain("");
  REQUIRE(none.ok());
  CHECK_THAT(*none, Catch::StartsWith("no search") && Catch::Contains("message_index_by_received"));
  CHECK_FALSE(c.store().explain("before:never").ok());
}
