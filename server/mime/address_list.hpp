// Converts GMime address lists to mailjar addresses (internal to server/mime).
// Groups are flattened to their members, so "undisclosed-recipients:;" gives no addresses.
// Names arrive RFC 2047-decoded from GMime; every string is made valid UTF-8.
#pragma once

#include <vector>

#include "core/types.hpp"
#include "mime/gmime_support.hpp"

namespace mailjar::mime::detail {

std::vector<address> convert_addresses(InternetAddressList* list);

}  // namespace mailjar::mime::detail
