// Mailpit's List-Unsubscribe check (RFC 2369 / RFC 8058): the links found in the header (at most
// one mailto: and one http(s) link, each in <>, comma separated, no spaces) and a description of
// what is wrong with the header, in Mailpit's words. Nothing is fetched. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailjar::api {

struct list_unsubscribe_check {
  std::vector<std::string> links;
  std::string errors;  // "" when the header is well-formed
};

list_unsubscribe_check check_list_unsubscribe(std::string_view header);

}  // namespace mailjar::api
