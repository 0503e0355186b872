// MX ordering (RFC 5321 5.1, RFC 7505), pure: MX records sorted by preference with equal
// preferences in the order a caller-supplied random source picks; null MX recognised; the
// mx_result turned into the endpoints a run tries. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/relay_types.hpp"

namespace mailjar::relay {

struct mx_record {
  std::uint16_t preference = 0;
  std::string host;  // exchange name; "" or "." is the root (null MX)
};

// `pick(n)` returns a value in [0, n); used to shuffle records of equal preference.
using random_index = std::function<std::size_t(std::size_t n)>;

// Host names are lower-cased with the trailing dot removed. Records naming the root are dropped
// (they mean "no mail" only as the sole record, see is_null_mx), as are duplicates.
std::vector<mx_record> order_mx(std::vector<mx_record> records, const random_index& pick);

// RFC 7505: a single MX record whose exchange is the root ("." or "").
bool is_null_mx(const std::vector<mx_record>& records);

// Every target's addresses, in order, as endpoints on `port`.
std::vector<endpoint> mx_endpoints(const mx_result& mx, std::uint16_t port);

bool is_ip_literal(std::string_view host);

}  // namespace mailjar::relay
