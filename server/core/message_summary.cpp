#include "core/message_summary.hpp"

#include "search/tags.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace mailjar {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

std::vector<address> effective_bcc(const mime::parsed_message& parsed,
                                   const std::vector<std::string>& rcpt_to) {
  std::vector<address> out = parsed.bcc;
  std::set<std::string> seen;
  for (const auto* list : {&parsed.to, &parsed.cc, &parsed.bcc}) {
    for (const auto& a : *list) seen.insert(lower(a.addr));
  }
  for (const auto& r : rcpt_to) {
    if (seen.insert(lower(r)).second) out.push_back(address{"", r});
  }
  return out;
}

message_summary summarize(std::string uid, const envelope& env, const mime::parsed_message& parsed,
                          std::uint64_t size) {
  message_summary s;
  s.uid = std::move(uid);
  s.message_id = parsed.message_id;
  s.from = parsed.from;
  s.to = parsed.to;
  s.cc = parsed.cc;
  s.bcc = effective_bcc(parsed, env.rcpt_to);
  s.reply_to = parsed.reply_to;
  s.subject = parsed.subject;
  s.received_ms = env.received_ms;
  s.auth_user = env.auth_user;
  s.tags = search::message_tags(parsed, env.rcpt_to);  // X-Tags and plus-addresses, as stored
  s.size = size;
  s.attachments = static_cast<std::uint64_t>(
      std::count_if(parsed.parts.begin(), parsed.parts.end(),
                    [](const mime::part& p) { return p.role == mime::part_role::attachment; }));
  s.snippet = parsed.snippet;
  return s;
}

}  // namespace mailjar
