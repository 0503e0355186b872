#include "relay/release_policy.hpp"

#include <algorithm>
#include <cctype>

namespace mailjar::relay {

namespace {

result<std::optional<std::regex>> compile(const std::string& pattern, const char* flag) {
  if (pattern.empty()) return std::optional<std::regex>{};
  try {
    return std::optional<std::regex>(std::regex(pattern, std::regex::ECMAScript | std::regex::icase));
  } catch (const std::regex_error& e) {
    return error{std::string(flag) + ": not a valid regular expression: " + e.what()};
  }
}

bool well_formed(const std::string& a) {
  if (a.empty() || a.size() > 254) return false;
  if (std::any_of(a.begin(), a.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f || c == '<' || c == '>'; }))
    return false;
  auto at = a.rfind('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size();
}

}  // namespace

result<release_policy> release_policy::create(const std::string& allowed, bool allow_any,
                                              const std::string& blocked) {
  release_policy p;
  auto a = compile(allowed, "--relay-allowed-recipients");
  if (!a) return error{a.error_message()};
  auto b = compile(blocked, "--relay-blocked-recipients");
  if (!b) return error{b.error_message()};
  p.allowed_ = std::move(*a);
  p.blocked_ = std::move(*b);
  p.allowed_text_ = allowed;
  p.blocked_text_ = blocked;
  p.allow_any_ = allow_any;
  return p;
}

std::vector<std::string> release_policy::check(const std::vector<std::string>& recipients) const {
  std::vector<std::string> refused;
  if (recipients.empty()) refused.push_back("no recipients given");
  for (const auto& r : recipients) {
    if (!well_formed(r)) {
      refused.push_back("'" + r + "': not a valid email address");
    } else if (blocked_ && std::regex_search(r, *blocked_)) {
      refused.push_back(r + ": blocked by --relay-blocked-recipients");
    } else if (!allow_any_ && !(allowed_ && std::regex_search(r, *allowed_))) {
      refused.push_back(r + ": not allowed by --relay-allowed-recipients");
    }
  }
  return refused;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  if (at == std::string::npos) return {};
  std::string d = address.substr(at + 1);
  std::transform(d.begin(), d.end(), d.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return d;
}

rcpt_status judge(const rcpt_outcome& o) {
  if (o.code >= 200 && o.code < 300) return rcpt_status::delivered;
  if (o.code >= 500 && o.code < 600) return rcpt_status::permanent;
  if (o.code >= 400 && o.code < 500) return rcpt_status::temporary;
  // No reply decided it: the transport knows why (NXDOMAIN and null MX are permanent).
  return o.status == rcpt_status::permanent ? rcpt_status::permanent : rcpt_status::temporary;
}

std::string reply_text(const rcpt_outcome& o) {
  std::string reply = o.reply;
  std::replace(reply.begin(), reply.end(), '\n', ' ');
  if (o.code == 0) return reply.empty() ? "no reply" : reply;
  return std::to_string(o.code) + (reply.empty() ? "" : " " + reply);
}

}  // namespace mailjar::relay
