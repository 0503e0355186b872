// The SQLite store keeps every field of a message and gives it back: envelope, parsed fields,
// parts metadata and decoded part bytes, raw bytes (also 25 MB), across reopen, with bytes
// that are not UTF-8, newest-first listing and the read flag.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "core/message_uid.hpp"
#include "mime/parser.hpp"
#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::store::store_config;
using mailjar::test::open_store;

namespace {

// Store one message and wait for its callback; returns the outcome.
store_outcome store_one(sqlite_store& s, std::shared_ptr<new_message> m) {
  test::outcome_log log;
  s.store(m, log.callback(m->uid));
  REQUIRE(log.wait_for(1));
  return log.all().at(m->uid).front();
}

void check_parts_equal(const std::vector<mime::part>& got, const std::vector<mime::part>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("part " << want[i].part_id);
    CHECK(got[i].part_id == want[i].part_id);
    CHECK(got[i].role == want[i].role);
    CHECK(got[i].content_type == want[i].content_type);
    CHECK(got[i].charset == want[i].charset);
    CHECK(got[i].disposition == want[i].disposition);
    CHECK(got[i].file_name == want[i].file_name);
    CHECK(got[i].content_id == want[i].content_id);
    CHECK(got[i].transfer_encoding == want[i].transfer_encoding);
    CHECK(got[i].in_raw == want[i].in_raw);
    CHECK(got[i].raw_offset == want[i].raw_offset);
    CHECK(got[i].raw_length == want[i].raw_length);
    CHECK(got[i].size == want[i].size);
    CHECK(got[i].md5 == want[i].md5);
    CHECK(got[i].sha1 == want[i].sha1);
    CHECK(got[i].sha256 == want[i].sha256);
    CHECK_FALSE(got[i].content.has_value());  // bytes come from part_content
  }
}

}  // namespace

TEST_CASE("store keeps every field of a message and gives it back", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto sample = test::make_full_message();
  const new_message& m = *sample.msg;

  auto outcome = store_one(*s, sample.msg);
  INFO(outcome.error);
  REQUIRE(outcome.ok);

  auto got = s->get(m.uid);
  REQUIRE(got.has_value());
  CHECK(got->uid == m.uid);
  CHECK(got->row_id > 0);
  CHECK_FALSE(got->read);
  CHECK(got->size == m.raw.size());
  CHECK(got->attachment_count == 1);
  CHECK(got->inline_count == 1);

  // Envelope, field by field (and as a whole).
  CHECK(got->env.mail_from == m.env.mail_from);
  CHECK(got->env.rcpt_to == m.env.rcpt_to);
  CHECK(got->env.client_addr == m.env.client_addr);
  CHECK(got->env.helo == m.env.helo);
  CHECK(got->env.tls == m.env.tls);
  CHECK(got->env.auth_user == m.env.auth_user);
  CHECK(got->env.smtputf8 == m.env.smtputf8);
  CHECK(got->env.body_type == m.env.body_type);
  CHECK(got->env.received_ms == m.env.received_ms);

  const auto& p = got->parsed;
  CHECK(p.message_id == m.parsed.message_id);
  CHECK(p.subject == m.parsed.subject);
  CHECK(p.date_ms == m.parsed.date_ms);
  REQUIRE(p.from.has_value());
  CHECK(*p.from == *m.parsed.from);
  CHECK(p.to == m.parsed.to);
  CHECK(p.cc == m.parsed.cc);
  CHECK(p.bcc == m.parsed.bcc);
  CHECK(p.reply_to == m.parsed.reply_to);
  CHECK(p.return_path == m.parsed.return_path);
  CHECK(p.headers == m.parsed.headers);
  CHECK(p.text == m.parsed.text);
  CHECK(p.html == m.parsed.html);
  CHECK(p.html_as_text == m.parsed.html_as_text);
  CHECK(p.snippet == m.parsed.snippet);
  CHECK(p.warnings == m.parsed.warnings);
  CHECK(p.tags == std::vector<std::string>{"reports", "Urgent"});  // sorted case-insensitively
  check_parts_equal(p.parts, m.parsed.parts);

  // Raw bytes exactly; parts decoded from the raw slice or from stored content.
  CHECK(s->raw(m.uid) == m.raw);
  CHECK(s->part_content(m.uid, "1") == sample.decoded_text_part);
  CHECK(s->part_content(m.uid, "2") == sample.decoded_attachment);
  CHECK(s->part_content(m.uid, "3.1") == sample.stored_content);
  CHECK_FALSE(s->part_content(m.uid, "9").has_value());
  CHECK_FALSE(s->part_content("nosuchuidnosuchuidnosu", "1").has_value());
  CHECK_FALSE(s->get("nosuchuidnosuchuidnosu").has_value());
  CHECK_FALSE(s->raw("nosuchuidnosuchuidnosu").has_value());

  // A message without From, Date or parts keeps those absent.
  auto bare = std::make_shared<new_message>();
  bare->uid = new_message_uid();
  bare->raw = "no headers at all";
  bare->env.received_ms = 5;
  REQUIRE(store_one(*s, bare).ok);
  auto got_bare = s->get(bare->uid);
  REQUIRE(got_bare.has_value());
  CHECK_FALSE(got_bare->parsed.from.has_value());
  CHECK_FALSE(got_bare->parsed.date_ms.has_value());
  CHECK(got_bare->parsed.parts.empty());
  CHECK(got_bare->parsed.tags.empty());
  CHECK(s->raw(bare->uid) == "no headers at all");
  CHECK(s->count() == 2);
}

TEST_CASE("every stored field is searchable, envelope-only recipients count as Bcc", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto sample = test::make_full_message();
  REQUIRE(store_one(*s, sample.msg).ok);
  const std::string uid = sample.msg->uid;
  const std::vector<std::string> found = {uid};

  CHECK(s->search_uids("quarterly", 10) == found);        // subject and text
  CHECK(s->search_uids("NAIVE", 10) == found);            // diacritics and case folded
  CHECK(s->search_uids("zoe", 10) == found);              // From name, folded
  CHECK(s->search_uids("from_search:zoe", 10) == found);  // per-field column
  CHECK(s->search_uids("to_search:carol", 10) == found);
  CHECK(s->search_uids("cc_search:dave", 10) == found);
  CHECK(s->search_uids("bcc_search:erin", 10) == found);    // Bcc header
  CHECK(s->search_uids("bcc_search:hidden", 10) == found);  // RCPT TO only
  CHECK(s->search_uids("bcc_search:bob", 10).empty());      // in To, so not Bcc
  CHECK(s->search_uids("reply_to_search:replies", 10) == found);
  CHECK(s->search_uids("htmlonlyword", 10) == found);       // HTML as text
  CHECK(s->search_uids("file_names:report", 10) == found);  // attachment names
  CHECK(s->search_uids("\"report pdf\"", 10) == found);
  CHECK(s->search_uids("absentword", 10).empty());
  CHECK(s->search_uids("\"unbalanced", 10).empty());  // bad syntax: no rows, no crash
}

TEST_CASE("bytes that are not UTF-8 are stored as given and break nothing", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto m = test::make_small_message(std::string("Caf\xE9 \xFF\xFE latin1 subject"), "binaryword");
  m->parsed.headers.push_back({"X-Latin1", std::string("caf\xE9\x00zero", 9)});
  m->parsed.to = {{std::string("Jos\xE9"), "jose@example.com"}};
  m->parsed.text += std::string("\xC3\x28 invalid sequence \x80");
  m->env.rcpt_to = {std::string("r\xE9@example.com")};
  m->raw += std::string("\r\n\xFF\x00\x01 raw tail", 12);
  REQUIRE(store_one(*s, m).ok);

  auto got = s->get(m->uid);
  REQUIRE(got.has_value());
  CHECK(got->parsed.subject == m->parsed.subject);  // TEXT columns: exact bytes
  CHECK(got->parsed.text == m->parsed.text);
  CHECK(s->raw(m->uid) == m->raw);
  // JSON columns replace what is not UTF-8 with U+FFFD and keep the rest.
  REQUIRE(got->parsed.headers.size() == m->parsed.headers.size());
  CHECK(got->parsed.headers.back().value == std::string("caf\xEF\xBF\xBD\x00zero", 11));
  CHECK(got->parsed.to.at(0).name == "Jos\xEF\xBF\xBD");
  CHECK(got->env.rcpt_to.at(0) == "r\xEF\xBF\xBD@example.com");
  CHECK(s->search_uids("binaryword", 10) == std::vector<std::string>{m->uid});
  CHECK(s->search_uids("latin1", 10) == std::vector<std::string>{m->uid});
}

TEST_CASE("newest_uids lists newest first with paging, and the read flag round-trips", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  std::vector<std::string> uids;  // in received order; two share a timestamp (rowid breaks the tie)
  const std::int64_t times[] = {1000, 3000, 2000, 3000, 500};
  for (auto t : times) {
    auto m = test::make_small_message("m" + std::to_string(t), "word", t);
    REQUIRE(store_one(*s, m).ok);
    uids.push_back(m->uid);
  }
  const std::vector<std::string> newest = {uids[3], uids[1], uids[2], uids[0], uids[4]};
  CHECK(s->newest_uids(10) == newest);
  CHECK(s->newest_uids(2) == std::vector<std::string>{uids[3], uids[1]});
  CHECK(s->newest_uids(2, 2) == std::vector<std::string>{uids[2], uids[0]});
  CHECK(s->newest_uids(2, 4) == std::vector<std::string>{uids[4]});
  CHECK(s->newest_uids(2, 5).empty());
  CHECK(s->search_uids("word", 3) == std::vector<std::string>{uids[3], uids[1], uids[2]});

  CHECK(s->unread_count() == 5);
  auto changed = s->set_read(selection{.uids = {uids[0], uids[2], "nosuchuidnosuchuidnosu"}}, true);
  REQUIRE(changed.ok());
  CHECK(*changed == std::vector<std::string>{uids[0], uids[2]});
  CHECK(s->unread_count() == 3);
  CHECK(s->get(uids[0])->read);
  CHECK_FALSE(s->get(uids[1])->read);
  CHECK(s->set_read(selection{.uids = {uids[0]}}, true)->empty());  // already read
  CHECK(*s->set_read(selection{.uids = {uids[0]}}, false) == std::vector<std::string>{uids[0]});
  CHECK_FALSE(s->get(uids[0])->read);
}

TEST_CASE("data survives closing and reopening the store", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  std::vector<std::string> uids;
  test::outcome_log log;  // outlives the store: closing it runs the callbacks
  {
    auto s = open_store({.path = path});
    for (int i = 0; i < 50; ++i) {
      auto m = test::make_small_message("persist " + std::to_string(i), "durableword");
      uids.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
    // No waiting: closing drains the queue and fires every callback.
  }
  auto s = open_store({.path = path});
  CHECK(s->count() == 50);
  for (const auto& uid : uids) CHECK(s->get(uid).has_value());
  CHECK(s->search_uids("durableword", 100).size() == 50);
  // The reopened store keeps writing after the old rows.
  auto m = test::make_small_message("after reopen", "laterword");
  REQUIRE(store_one(*s, m).ok);
  CHECK(s->count() == 51);
}

TEST_CASE("closing the store fires every queued callback", "[store]") {
  test::temp_dir dir;
  test::outcome_log log;
  std::vector<std::string> uids;
  {
    auto s = open_store({.path = dir.file("mail.db"), .max_batch = 7});
    for (int i = 0; i < 200; ++i) {
      auto m = test::make_small_message("drain", "drainword");
      uids.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
  }
  CHECK(log.size() == 200);
  auto all = log.all();
  for (const auto& uid : uids) {
    REQUIRE(all.count(uid) == 1);
    CHECK(all[uid].size() == 1);
    CHECK(all[uid][0].ok);
  }
}

TEST_CASE("a 25 MB raw message is stored and read back identically", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto m = test::make_small_message("big one", "bigword");
  std::mt19937 rng(42);
  std::string payload(25u << 20, '\0');
  for (auto& c : payload) c = static_cast<char>(rng());
  const std::string header_end = m->raw.substr(0, m->raw.find("\r\n\r\n") + 4);
  // The decodable base64 attachment sits at the very end, past every chunk boundary.
  const std::string tail_b64 = "SGVsbG8gZnJvbSB0aGUgZW5k";
  m->raw = header_end + payload + "\r\n" + tail_b64;
  mime::part tail;
  tail.part_id = "2";
  tail.transfer_encoding = "base64";
  tail.in_raw = true;
  tail.raw_offset = m->raw.size() - tail_b64.size();
  tail.raw_length = tail_b64.size();
  m->parsed.parts.push_back(tail);

  REQUIRE(store_one(*s, m).ok);
  auto raw = s->raw(m->uid);
  REQUIRE(raw.has_value());
  CHECK(raw->size() == m->raw.size());
  CHECK((*raw == m->raw));
  CHECK(s->part_content(m->uid, "2") == "Hello from the end");
  CHECK(s->get(m->uid)->size == m->raw.size());
}

namespace {

std::string base64_lines(const std::string& in) {
  static constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out, line;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    const auto b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0u;
    const auto b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0u;
    line += abc[b0 >> 2];
    line += abc[((b0 & 3u) << 4) | (b1 >> 4)];
    line += i + 1 < in.size() ? abc[((b1 & 15u) << 2) | (b2 >> 6)] : '=';
    line += i + 2 < in.size() ? abc[b2 & 63u] : '=';
    if (line.size() == 76) out += line + "\r\n", line.clear();
  }
  if (!line.empty()) out += line + "\r\n";
  return out;
}

}  // namespace

TEST_CASE("big encoded parts decode the same when read back in chunks", "[store]") {
  // part_content reads an encoded part in 64 KiB chunks and decodes as it reads: boundaries
  // fall inside base64 quanta and lines and inside quoted-printable escapes.
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  std::mt19937 rng(7);
  std::string binary(1'000'003, '\0');
  for (auto& c : binary) c = static_cast<char>(rng());
  std::string text;
  while (text.size() < 700'000) text += "caf\xC3\xA9 = 100% \xE2\x82\xAC and a long line of words to wrap ";
  std::string qp;
  std::size_t col = 0;
  for (unsigned char c : text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string piece = (c >= 33 && c <= 126 && c != '=') || c == ' '
                            ? std::string(1, static_cast<char>(c))
                            : std::string{'=', hex[c >> 4], hex[c & 15]};
    if (col + piece.size() > 75) qp += "=\r\n", col = 0;
    qp += piece;
    col += piece.size();
  }
  const std::string raw =
      "From: a@example.com\r\nTo: b@example.com\r\nSubject: big parts\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n"
      "--xx\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
      "--xx\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n" +
      base64_lines(binary) +
      "--xx\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
      "Content-Disposition: attachment; filename=\"words.txt\"\r\n\r\n" +
      qp + "\r\n--xx--\r\n";
  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  m->raw = raw;
  m->parsed = mime::parse_message(m->raw);
  REQUIRE(store_one(*s, m).ok);
  std::map<std::string, std::string> by_name;
  for (const auto& p : m->parsed.parts)
    if (!p.file_name.empty()) by_name[p.file_name] = p.part_id;
  REQUIRE(by_name.size() == 2);
  auto blob = s->part_content(m->uid, by_name["blob.bin"]);
  REQUIRE(blob.has_value());
  CHECK(blob->size() == binary.size());
  CHECK((*blob == binary));
  auto words = s->part_content(m->uid, by_name["words.txt"]);
  REQUIRE(words.has_value());
  CHECK(words->size() == text.size());
  CHECK((*words == text));
}
