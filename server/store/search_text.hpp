// The text the full-text index sees for a message, one string per FTS column, built the same
// way at ingest and when a migration backfills older rows. Also the rule for "envelope
// recipients absent from the headers count as Bcc" (API.md), which the API reuses.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/types.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar::store {

struct search_columns {
  std::string from;  // From name and address
  std::string to;    // To names and addresses
  std::string cc;
  std::string bcc;  // Bcc header plus envelope-only recipients
  std::string reply_to;
  std::string file_names;  // file names of all parts that have one
};

// Envelope recipients (RCPT TO) that appear in none of To, Cc, Bcc (compared
// case-insensitively), in RCPT order, without duplicates.
std::vector<std::string> envelope_only_recipients(const std::vector<std::string>& rcpt_to,
                                                  const mime::parsed_message& parsed);

search_columns build_search_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed);

}  // namespace mailjar::store
