// Rewrites `cid:` URLs in a message's HTML (RFC 2392: src="cid:logo@x", url(cid:...), srcset)
// to the API URL of the part carrying that Content-ID, so /view/{ID}.html shows inline images.
// One linear pass; URLs whose Content-ID is unknown are left as they are. Pure; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace mailjar::api {

// `parts_by_cid`: Content-ID (without <>) -> replacement URL. Matching is exact first, then
// case-insensitive; the cid in the HTML may be percent-encoded.
std::string rewrite_cid_urls(std::string_view html, const std::map<std::string, std::string>& parts_by_cid);

}  // namespace mailjar::api
