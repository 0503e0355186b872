// The text the full-text index sees for a message, one string per FTS column, built the same
// way at ingest and when a migration backfills older rows. Pure functions; thread-safe.
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
  std::string bcc;  // effective_bcc (core/message_summary.hpp): Bcc header plus envelope-only recipients
  std::string reply_to;
  std::string file_names;  // file names of all parts that have one
};

search_columns build_search_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed);

}  // namespace mailjar::store
