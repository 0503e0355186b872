#include "mime/address_list.hpp"

#include "mime/charset.hpp"

namespace mailjar::mime::detail {
namespace {

void append(InternetAddressList* list, std::vector<address>& out, int depth) {
  if (list == nullptr || depth > 2) return;  // RFC 5322 groups do not nest; stay bounded anyway
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char* name = internet_address_get_name(ia);
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      address a{sanitize_utf8(name ? name : ""), sanitize_utf8(addr ? addr : "")};
      if (!a.addr.empty() || !a.name.empty()) out.push_back(std::move(a));
    } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      append(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
    }
  }
}

}  // namespace

std::vector<address> convert_addresses(InternetAddressList* list) {
  std::vector<address> out;
  append(list, out, 0);
  return out;
}

}  // namespace mailjar::mime::detail
