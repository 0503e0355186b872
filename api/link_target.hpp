// Makes links in a message's HTML open in a new tab, as in a mail client (and Mailpit): inserts
// `<base target="_blank">` right after the first <head ...> tag, else after <html ...>, else at
// the start (after a leading doctype). A mail that has its own <base> is left alone. The view
// CSP allows such popups to leave the sandbox; scripts stay off in both. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace mailjar::api {

std::string open_links_in_new_tab(std::string_view html);

}  // namespace mailjar::api
