#include "store/search_text.hpp"

#include "core/message_summary.hpp"
#include "search/fold.hpp"

namespace mailjar::store {

namespace {

// One name or address per line: phrase queries do not run from one address into the next.
void append_line(std::string& out, const std::string& s) {
  if (s.empty()) return;
  if (!out.empty()) out += '\n';
  out += s;
}

void append_address(std::string& out, const address& a) {
  append_line(out, a.name);
  append_line(out, a.addr);
}

std::string addresses_text(const std::vector<address>& list) {
  std::string out;
  for (const auto& a : list) append_address(out, a);
  return out;
}

std::string folded_addresses(const std::vector<address>& list) {
  std::string out;
  for (const auto& a : list) {
    append_line(out, search::fold_clean(a.name));
    append_line(out, search::fold_clean(a.addr));
  }
  return out;
}

}  // namespace

search_columns build_search_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed) {
  search_columns c;
  if (parsed.from) append_address(c.from, *parsed.from);
  c.to = addresses_text(parsed.to);
  c.cc = addresses_text(parsed.cc);
  c.bcc = addresses_text(effective_bcc(parsed, rcpt_to));
  c.reply_to = addresses_text(parsed.reply_to);
  for (const auto& p : parsed.parts) append_line(c.file_names, p.file_name);
  return c;
}

folded_columns build_folded_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed) {
  folded_columns f;
  f.subject = search::fold(parsed.subject);
  if (parsed.from) f.from = folded_addresses({*parsed.from});
  f.to = folded_addresses(parsed.to);
  f.cc = folded_addresses(parsed.cc);
  f.bcc = folded_addresses(effective_bcc(parsed, rcpt_to));
  f.reply_to = folded_addresses(parsed.reply_to);
  f.message_id = search::fold_clean(parsed.message_id);
  return f;
}

}  // namespace mailjar::store
