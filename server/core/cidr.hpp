// CIDR networks ("10.0.0.0/8", "::1/128", "127.0.0.1") and matching of peer addresses against a
// list of them. IPv4-mapped IPv6 peers (::ffff:a.b.c.d) match IPv4 networks. Pure; thread-safe
// once built.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mailjar {

struct cidr {
  std::array<unsigned char, 16> net{};  // IPv4 stored as IPv4-mapped IPv6
  unsigned prefix = 0;                  // over the 128-bit form
  bool contains(const std::array<unsigned char, 16>& addr) const;
};

result<cidr> parse_cidr(std::string_view text);
// Parse a textual IPv4 or IPv6 address into its 16-byte (IPv4-mapped) form.
std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view text);

class cidr_list {
 public:
  static result<cidr_list> parse(const std::vector<std::string>& items);
  bool empty() const { return nets_.empty(); }
  bool allows(std::string_view ip) const;  // empty list allows everything

 private:
  std::vector<cidr> nets_;
};

}  // namespace mailjar
