#include "store/search_text.hpp"

#include <algorithm>
#include <set>

namespace mailjar::store {

namespace {

std::string ascii_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return s;
}

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

std::vector<std::string> envelope_only_recipients(const std::vector<std::string>& rcpt_to,
                                                  const mime::parsed_message& parsed) {
  std::set<std::string> seen;
  for (const auto* list : {&parsed.to, &parsed.cc, &parsed.bcc}) {
    for (const auto& a : *list) seen.insert(ascii_lower(a.addr));
  }
  std::vector<std::string> out;
  for (const auto& r : rcpt_to) {
    if (seen.insert(ascii_lower(r)).second) out.push_back(r);
  }
  return out;
}

search_columns build_search_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed) {
  search_columns c;
  if (parsed.from) append_address(c.from, *parsed.from);
  c.to = addresses_text(parsed.to);
  c.cc = addresses_text(parsed.cc);
  c.bcc = addresses_text(parsed.bcc);
  for (const auto& r : envelope_only_recipients(rcpt_to, parsed)) append_line(c.bcc, r);
  c.reply_to = addresses_text(parsed.reply_to);
  for (const auto& p : parsed.parts) append_line(c.file_names, p.file_name);
  return c;
}

}  // namespace mailjar::store
