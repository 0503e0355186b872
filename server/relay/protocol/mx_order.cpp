#include "relay/protocol/mx_order.hpp"

#include <arpa/inet.h>
#include <algorithm>

namespace mailjar::relay {

namespace {

std::string normalise(std::string h) {
  while (!h.empty() && h.back() == '.') h.pop_back();
  for (char& c : h) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return h;
}

}  // namespace

bool is_null_mx(const std::vector<mx_record>& records) {
  return records.size() == 1 && normalise(records[0].host).empty();
}

std::vector<mx_record> order_mx(std::vector<mx_record> records, const random_index& pick) {
  std::vector<mx_record> kept;
  for (auto& r : records) {
    r.host = normalise(std::move(r.host));
    if (r.host.empty()) continue;
    const bool dup =
        std::any_of(kept.begin(), kept.end(), [&](const mx_record& k) { return k.host == r.host; });
    if (!dup) kept.push_back(std::move(r));
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const mx_record& a, const mx_record& b) { return a.preference < b.preference; });
  // Fisher-Yates within each run of equal preference.
  for (std::size_t start = 0; start < kept.size();) {
    std::size_t end = start;
    while (end < kept.size() && kept[end].preference == kept[start].preference) ++end;
    for (std::size_t i = end - start; i > 1; --i) {
      const std::size_t j = pick ? pick(i) % i : i - 1;
      std::swap(kept[start + i - 1], kept[start + j]);
    }
    start = end;
  }
  return kept;
}

std::vector<endpoint> mx_endpoints(const mx_result& mx, std::uint16_t port) {
  std::vector<endpoint> out;
  for (const auto& t : mx.targets) {
    for (const auto& a : t.addresses) out.push_back({t.host, a, port});
  }
  return out;
}

bool is_ip_literal(std::string_view host) {
  const std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

}  // namespace mailjar::relay
