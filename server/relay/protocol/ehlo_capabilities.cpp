#include "relay/protocol/ehlo_capabilities.hpp"

#include <algorithm>
#include <charconv>

namespace mailjar::relay {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

void add_auth(ehlo_capabilities& caps, const std::vector<std::string>& ws, std::size_t from) {
  for (std::size_t i = from; i < ws.size(); ++i) {
    std::string m = upper(ws[i]);
    if (m.empty()) continue;
    if (std::find(caps.auth.begin(), caps.auth.end(), m) == caps.auth.end())
      caps.auth.push_back(std::move(m));
  }
}

}  // namespace

bool ehlo_capabilities::has_auth(std::string_view mech) const {
  return std::find(auth.begin(), auth.end(), upper(mech)) != auth.end();
}

ehlo_capabilities parse_ehlo(const server_reply& reply) {
  ehlo_capabilities caps;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const auto ws = words(reply.lines[i]);
    if (ws.empty()) continue;
    const std::string key = upper(ws[0]);
    if (key == "STARTTLS") {
      caps.starttls = true;
    } else if (key == "PIPELINING") {
      caps.pipelining = true;
    } else if (key == "8BITMIME") {
      caps.eight_bit_mime = true;
    } else if (key == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (key == "SIZE") {
      caps.size = true;
      if (ws.size() > 1) {
        std::uint64_t v = 0;
        const auto& s = ws[1];
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && p == s.data() + s.size()) caps.size_limit = v;
      }
    } else if (key == "AUTH") {
      add_auth(caps, ws, 1);
    } else if (key.rfind("AUTH=", 0) == 0) {
      std::vector<std::string> rest{ws[0].substr(5)};
      rest.insert(rest.end(), ws.begin() + 1, ws.end());
      add_auth(caps, rest, 0);
    }
  }
  return caps;
}

}  // namespace mailjar::relay
