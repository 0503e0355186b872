#include "core/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace mailjar {

std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view text) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (auto pct = s.find('%'); pct != std::string::npos) s.resize(pct);  // zone id
  std::array<unsigned char, 16> out{};
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    for (int i = 0; i < 4; ++i) out[12 + i] = v4[i];
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}

bool cidr::contains(const std::array<unsigned char, 16>& addr) const {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - take));
    if ((addr[i] & mask) != (net[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

result<cidr> parse_cidr(std::string_view text) {
  std::string_view ip = text;
  std::optional<unsigned> len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    ip = text.substr(0, slash);
    auto digits = text.substr(slash + 1);
    unsigned n = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty()) {
      return error{"bad prefix length in '" + std::string(text) + "'"};
    }
    len = n;
  }
  auto addr = parse_ip(ip);
  if (!addr) return error{"bad network address in '" + std::string(text) + "'"};
  bool v4 = ip.find(':') == std::string_view::npos;
  unsigned max = v4 ? 32 : 128;
  unsigned prefix = len.value_or(max);
  if (prefix > max) return error{"prefix too long in '" + std::string(text) + "'"};
  cidr c;
  c.net = *addr;
  c.prefix = v4 ? prefix + 96 : prefix;
  return c;
}

result<cidr_list> cidr_list::parse(const std::vector<std::string>& items) {
  cidr_list list;
  for (const auto& item : items) {
    auto c = parse_cidr(item);
    if (!c) return error{c.error_message()};
    list.nets_.push_back(*c);
  }
  return list;
}

bool cidr_list::allows(std::string_view ip) const {
  if (nets_.empty()) return true;
  auto addr = parse_ip(ip);
  if (!addr) return false;
  for (const auto& n : nets_) {
    if (n.contains(*addr)) return true;
  }
  return false;
}

}  // namespace mailjar
