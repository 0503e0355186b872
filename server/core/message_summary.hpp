// The list view of a message (Mailpit's MessageSummary without JSON): built once from what
// ingest parsed, or read back from the store. Plain data; summarize() is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar {

// One row of a list: what Mailpit's MessageSummary needs, without bodies.
struct message_summary {
  std::string uid;
  std::string message_id;
  bool read = false;
  std::optional<address> from;
  std::vector<address> to, cc, bcc, reply_to;  // bcc includes envelope-only recipients
  std::string subject;
  std::int64_t received_ms = 0;
  std::string auth_user;  // Mailpit "Username"
  std::vector<std::string> tags;
  std::uint64_t size = 0;
  std::uint64_t attachments = 0;  // count of attachment parts
  std::string snippet;
};

// Bcc as Mailpit shows it: the Bcc header's addresses plus envelope recipients that appear in
// none of To/Cc/Bcc (compared case-insensitively).
std::vector<address> effective_bcc(const mime::parsed_message& parsed,
                                   const std::vector<std::string>& rcpt_to);

message_summary summarize(std::string uid, const envelope& env, const mime::parsed_message& parsed,
                          std::uint64_t size);

}  // namespace mailjar
