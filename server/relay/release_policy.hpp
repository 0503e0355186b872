// Who may receive a released message, and how an SMTP outcome is judged — the one place where
// temporary vs permanent is decided for the delivery engine:
//   2xx delivered; 5xx permanent; 4xx, no reply (connection lost, timeout) temporary, unless the
//   transport already judged a reply-less outcome permanent (NXDOMAIN, null MX).
// Recipients: a well-formed address (no control characters, one @), matching
// --relay-allowed-recipients (or --relay-allow-any) and not --relay-blocked-recipients. Regexes
// are ECMAScript, case-insensitive, searched anywhere in the address (as Mailpit's).
// Immutable once built; thread-safe.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "relay/relay_types.hpp"

namespace mailjar::relay {

class release_policy {
 public:
  // Either pattern may be empty (no allow list: only allow_any admits anyone; no block list).
  static result<release_policy> create(const std::string& allowed, bool allow_any,
                                       const std::string& blocked);
  release_policy() = default;  // admits nobody

  // One line per refused recipient ("x@y: not allowed by --relay-allowed-recipients"); empty
  // when every recipient may receive. An empty list is refused too.
  std::vector<std::string> check(const std::vector<std::string>& recipients) const;

  const std::string& allowed() const { return allowed_text_; }
  const std::string& blocked() const { return blocked_text_; }
  bool allow_any() const { return allow_any_; }

 private:
  std::optional<std::regex> allowed_, blocked_;
  std::string allowed_text_, blocked_text_;
  bool allow_any_ = false;
};

// The address's domain, lower-cased ("" when there is no @).
std::string domain_of(const std::string& address);

// The decision for one recipient's outcome (see the contract above).
rcpt_status judge(const rcpt_outcome& o);

// "550 5.1.1 no such user" / "connection refused": what the API and the log show as LastReply.
std::string reply_text(const rcpt_outcome& o);

}  // namespace mailjar::relay
