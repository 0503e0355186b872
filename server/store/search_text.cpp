#include "store/search_text.hpp"

#include "core/message_summary.hpp"

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

}  // namespace mailjar::store
