// Every sample .eml, parsed by the MIME module and stored, comes back as parsed, and every
// part served by the store decodes to the bytes the parser digested (same size and SHA-256):
// the part offsets, the raw blob and decode_content agree.
#include <catch2/catch.hpp>

#include <set>

#include "core/message_uid.hpp"
#include "mime/charset.hpp"
#include "mime/digest.hpp"
#include "mime/parser.hpp"
#include "store/sqlite_store.hpp"
#include "support/samples.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;

namespace {

std::string sha256_of(std::string_view bytes) {
  mime::multi_digest d;
  d.update(bytes);
  return d.finish().sha256;
}

}  // namespace

TEST_CASE("every sample round-trips through the store, parts decode to their digests", "[store]") {
  test::temp_dir dir;
  auto opened = store::sqlite_store::open({.path = dir.file("mail.db")});
  REQUIRE(opened.ok());
  auto& s = **opened;

  const auto names = testing::sample_names();
  REQUIRE_FALSE(names.empty());
  std::vector<std::shared_ptr<new_message>> msgs;
  test::outcome_log log;
  for (const auto& name : names) {
    auto m = std::make_shared<new_message>();
    m->uid = new_message_uid();
    m->raw = testing::read_sample(name);
    m->parsed = mime::parse_message(m->raw);
    m->env.rcpt_to = {"someone@example.com"};
    msgs.push_back(m);
    s.store(m, log.callback(m->uid));
  }
  REQUIRE(log.wait_for(msgs.size()));

  std::size_t parts_checked = 0;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = *msgs[i];
    INFO("sample " << names[i]);
    REQUIRE(log.all().at(m.uid).at(0).ok);
    auto got = s.get(m.uid);
    REQUIRE(got.has_value());
    CHECK(s.raw(m.uid) == m.raw);
    const auto& p = got->parsed;
    CHECK(p.subject == m.parsed.subject);
    CHECK(p.message_id == m.parsed.message_id);
    CHECK(p.date_ms == m.parsed.date_ms);
    CHECK(p.from == m.parsed.from);
    CHECK(p.to == m.parsed.to);
    CHECK(p.cc == m.parsed.cc);
    CHECK(p.bcc == m.parsed.bcc);
    CHECK(p.text == m.parsed.text);
    CHECK(p.html == m.parsed.html);
    CHECK(p.snippet == m.parsed.snippet);
    CHECK(p.warnings == m.parsed.warnings);
    REQUIRE(p.headers.size() == m.parsed.headers.size());
    for (std::size_t h = 0; h < p.headers.size(); ++h) {
      CHECK(p.headers[h].name == m.parsed.headers[h].name);
      if (mime::is_valid_utf8(m.parsed.headers[h].value))
        CHECK(p.headers[h].value == m.parsed.headers[h].value);
    }
    REQUIRE(p.parts.size() == m.parsed.parts.size());
    std::set<std::string> seen;
    for (const auto& part : m.parsed.parts) {
      if (!seen.insert(part.part_id).second) continue;  // part_content serves the first of a duplicate id
      INFO("part " << part.part_id);
      auto bytes = s.part_content(m.uid, part.part_id);
      REQUIRE(bytes.has_value());
      CHECK(bytes->size() == part.size);
      CHECK(sha256_of(*bytes) == part.sha256);
      ++parts_checked;
    }
  }
  CHECK(parts_checked > names.size());  // the corpus has multipart samples
}
