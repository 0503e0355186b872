// libFuzzer target mime_ingest: arbitrary bytes as a received message through everything ingest
// and the store derive from it — mime::parse_message (as ingest_service calls it), the summary,
// tags, full-text columns and folded search values (store/search_text), the JSON columns, and
// what the API renders from it (Mailpit message/headers DTOs, MailHog's item, /view HTML with
// cid: rewriting and the new-tab <base>) — plus decode_content of every addressable part.
//
// Invariants (each aborts with an explanation):
//  - nothing throws or trips ASan/UBSan;
//  - at most parse_limits::max_parts parts; part offsets lie inside the message; a part's
//    decoded bytes (decode_content, what /part/{id} serves) have the size and SHA-256 the
//    parser recorded, are no larger than their encoded form, and are the same when the
//    streaming transfer_decoder is fed small chunks of varying size;
//  - every string parsed_message promises as UTF-8 is valid UTF-8 (all but header values), and
//    so are the folded and full-text columns, the summary and the view HTML;
//  - output stays proportional to the input (text/html bodies, snippet <= 200 bytes + "...");
//  - every JSON document dumps and parses back.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/cid_rewrite.hpp"
#include "api/dto_message.hpp"
#include "api/json_reply.hpp"
#include "api/link_target.hpp"
#include "api/mailhog_content.hpp"
#include "core/message_summary.hpp"
#include "core/stored_message.hpp"
#include "fuzz_check.hpp"
#include "mime/digest.hpp"
#include "mime/parser.hpp"
#include "mime/tags.hpp"
#include "mime/transfer_decoder.hpp"
#include "search/tags.hpp"
#include "store/json_columns.hpp"
#include "store/search_text.hpp"

using namespace mailjar;
using mailjar::fuzz::printable;
using mailjar::fuzz::valid_utf8;

namespace {

void check_utf8(std::string_view what, std::string_view s) {
  FUZZ_CHECK(valid_utf8(s), "invalid UTF-8 where UTF-8 is promised", what, printable(s));
}

void check_address(std::string_view what, const address& a) {
  check_utf8(what, a.name);
  check_utf8(what, a.addr);
}

void check_json(std::string_view what, const nlohmann::json& j) {
  const std::string text = api::dump_utf8(j);
  check_utf8(what, text);
  FUZZ_CHECK(nlohmann::json::accept(text), "dumped JSON does not parse back", what, printable(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  const mime::parse_limits limits;
  const mime::parsed_message p = mime::parse_message(raw, limits);

  // ---- the parse result ----
  FUZZ_CHECK(p.parts.size() <= limits.max_parts, "too many parts listed");
  const std::size_t bound = 8 * size + 1024;  // charset conversion may grow text, never unboundedly
  FUZZ_CHECK(p.text.size() <= bound && p.html.size() <= bound && p.html_as_text.size() <= bound,
             "body text out of proportion to the input");
  FUZZ_CHECK(p.snippet.size() <= 203, "snippet longer than 200 bytes + ...", printable(p.snippet));
  FUZZ_CHECK(p.tags.size() <= mime::max_tags, "too many tags");
  check_utf8("message_id", p.message_id);
  check_utf8("subject", p.subject);
  check_utf8("return_path", p.return_path);
  check_utf8("text", p.text);
  check_utf8("html", p.html);
  check_utf8("html_as_text", p.html_as_text);
  check_utf8("snippet", p.snippet);
  if (p.from) check_address("from", *p.from);
  for (const auto* list : {&p.to, &p.cc, &p.bcc, &p.reply_to})
    for (const auto& a : *list) check_address("address", a);
  for (const auto& w : p.warnings) check_utf8("warning", w);
  for (const auto& t : p.tags) check_utf8("tag", t);
  std::uint64_t stored_content = 0;
  for (const auto& part : p.parts) {
    check_utf8("part_id", part.part_id);
    check_utf8("content_type", part.content_type);
    check_utf8("charset", part.charset);
    check_utf8("file_name", part.file_name);
    check_utf8("content_id", part.content_id);
    check_utf8("transfer_encoding", part.transfer_encoding);
    if (part.in_raw) {
      FUZZ_CHECK(part.raw_offset <= size && part.raw_length <= size - part.raw_offset,
                 "part outside the message", part.part_id);
      const std::string decoded = mime::decode_content(
          std::string_view(raw).substr(part.raw_offset, part.raw_length), part.transfer_encoding);
      FUZZ_CHECK(decoded.size() == part.size, "decoded part size differs from the recorded size",
                 "part " + part.part_id + " (" + part.transfer_encoding + "): decoded " +
                     std::to_string(decoded.size()) + ", recorded " + std::to_string(part.size));
      FUZZ_CHECK(decoded.size() <= part.raw_length, "decoding made a part larger", part.part_id);
      FUZZ_CHECK(mime::digest_of(decoded).sha256 == part.sha256, "decoded part digest differs", part.part_id);
      // The streaming decoder gives the same bytes whatever the chunk sizes (the parser feeds
      // 64 KiB chunks, so big attachments are split mid-line, mid-escape, mid-quantum).
      // Not for uuencode: GMime's uudecode state across calls is only right for well-formed
      // lines (a line longer than its length octet desyncs differently per split); the
      // CRLF case that broke valid mail is covered by tests/unit/fuzz_findings_test.cpp.
      if (mime::canonical_transfer_encoding(part.transfer_encoding).find("uu") == std::string::npos) {
        mime::transfer_decoder streaming(part.transfer_encoding);
        std::string chunked;
        const std::string_view encoded = std::string_view(raw).substr(part.raw_offset, part.raw_length);
        for (std::size_t at = 0, step = 1; at < encoded.size(); at += step, step = 1 + (step * 7 + at) % 61)
          streaming.feed(encoded.substr(at, step), chunked);
        streaming.finish(chunked);
        FUZZ_CHECK(chunked == decoded, "decoding in small chunks gives other bytes",
                   "part " + part.part_id + " (" + part.transfer_encoding + ")", printable(encoded),
                   "whole: " + printable(decoded), "chunked: " + printable(chunked));
      }
    } else {
      FUZZ_CHECK(part.content.has_value(), "part neither addressable nor stored", part.part_id);
    }
    if (part.content) {
      FUZZ_CHECK(part.content->size() == part.size, "stored content size differs", part.part_id);
      stored_content += part.content->size();
    }
  }
  FUZZ_CHECK(stored_content <= 4 * size + 1024, "stored part content out of proportion to the input");

  // ---- what ingest and the store derive ----
  envelope env;
  env.mail_from = "sender@example.com";
  env.rcpt_to = {"rcpt+tagged@example.com", "other@example.org"};
  env.received_ms = 1'700'000'000'000;
  const message_summary s = summarize("FuzzMessage00000000001", env, p, size);
  check_utf8("summary subject", s.subject);
  check_utf8("summary snippet", s.snippet);
  for (const auto& a : s.bcc) check_address("summary bcc", a);
  for (const auto& t : search::message_tags(p, env.rcpt_to)) {
    check_utf8("message tag", t);
    FUZZ_CHECK(t.size() <= search::max_tag_bytes && !t.empty(), "tag not clean", printable(t));
  }
  const store::search_columns sc = store::build_search_columns(env.rcpt_to, p);
  for (const auto* col : {&sc.from, &sc.to, &sc.cc, &sc.bcc, &sc.reply_to, &sc.file_names})
    check_utf8("search column", *col);
  const store::folded_columns fc = store::build_folded_columns(env.rcpt_to, p);
  for (const auto* col : {&fc.subject, &fc.from, &fc.to, &fc.cc, &fc.bcc, &fc.reply_to, &fc.message_id})
    check_utf8("folded column", *col);

  const std::string headers_json = store::headers_to_json(p.headers);
  FUZZ_CHECK(nlohmann::json::accept(headers_json), "headers JSON column does not parse",
             printable(headers_json));
  const auto headers_back = store::headers_from_json(headers_json);
  FUZZ_CHECK(headers_back.size() == p.headers.size(), "headers JSON column lost fields");
  FUZZ_CHECK(nlohmann::json::accept(store::addresses_to_json(p.to)), "address JSON column does not parse");
  FUZZ_CHECK(store::strings_from_json(store::strings_to_json(p.tags)) == p.tags,
             "tags JSON column round trip");

  // ---- what the API renders ----
  stored_message m;
  m.row_id = 1;
  m.uid = s.uid;
  m.env = env;
  m.size = size;
  m.parsed = p;
  m.parsed.headers = headers_back;  // as the store gives them back
  check_json("message", nlohmann::json(api::make_message_dto(m)));
  check_json("headers", nlohmann::json(api::make_headers_dto(m)));
  check_json("summary", nlohmann::json(api::make_summary_dto(s)));
  check_json("mailhog", nlohmann::json(api::make_mailhog_message(m, raw)));

  std::map<std::string, std::string> by_cid;
  for (const auto& part : p.parts)
    if (!part.content_id.empty()) by_cid.emplace(part.content_id, "/api/v1/message/x/part/" + part.part_id);
  const std::string view = api::open_links_in_new_tab(api::rewrite_cid_urls(p.html, by_cid));
  check_utf8("view html", view);
  return 0;
}
