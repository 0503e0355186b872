// What search sees of a message, built the same way at ingest and when a migration backfills
// older rows: the text of each full-text column (search_columns), and the folded values field
// filters compare against (folded_columns, search::fold). Pure functions; thread-safe.
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

// Folded field values (message_index columns). Addresses: search::fold_clean of each name and
// address, one per line (a search value never holds a newline, so no match spans two).
struct folded_columns {
  std::string subject;  // search::fold(subject)
  std::string from, to, cc, bcc, reply_to;
  std::string message_id;  // search::fold_clean(message_id)
};

folded_columns build_folded_columns(const std::vector<std::string>& rcpt_to,
                                    const mime::parsed_message& parsed);

}  // namespace mailjar::store
