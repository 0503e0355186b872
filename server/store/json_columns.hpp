// Encoding of the store's JSON columns: address lists as [{"Name","Address"}] (the API's shape),
// header lists as [["Name","value"], ...] in message order, and plain string arrays. Encoding
// never fails: invalid UTF-8 is replaced by U+FFFD. Decoding is tolerant: text that is not the
// expected JSON yields an empty list. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace mailjar::store {

std::string addresses_to_json(const std::vector<address>& list);
std::vector<address> addresses_from_json(std::string_view json);

std::string headers_to_json(const std::vector<header_field>& list);
std::vector<header_field> headers_from_json(std::string_view json);

std::string strings_to_json(const std::vector<std::string>& list);
std::vector<std::string> strings_from_json(std::string_view json);

}  // namespace mailjar::store
