// Port: the mailbox as the HTTP API sees it — list/search with paging, one message, its raw
// bytes and parts, read flags, tags, deletions, statistics. Synchronous and thread-safe: the
// HTTP adapter calls it from worker threads, never from a network thread. Implemented by
// store::sqlite_store; faked in tests/support. Events are NOT published here (services do that
// after a mutation returns).
//
// Search strings use Mailpit's syntax (see shared/API.md); a string that does not parse gives
// a result error whose text is shown to the user with 400.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message_summary.hpp"
#include "core/result.hpp"
#include "core/stored_message.hpp"
#include "core/types.hpp"

namespace mailjar {

struct page_request {
  std::string search;         // Mailpit syntax; "" = every message
  int tz_offset_minutes = 0;  // for before:/after: dates (API `tz` parameter)
  std::size_t start = 0;
  std::size_t limit = 50;
};

struct message_page {
  std::uint64_t total = 0;    // messages in the mailbox
  std::uint64_t unread = 0;   // unread in the mailbox
  std::uint64_t matched = 0;  // messages matching the search (== total without search)
  std::uint64_t matched_unread = 0;
  std::vector<message_summary> messages;  // newest first, [start, start+limit)
};

// Which messages a mutation applies to: explicit ids, a search, or everything.
struct selection {
  std::vector<std::string> uids;      // used when non-empty
  std::optional<std::string> search;  // used when set (uids empty)
  int tz_offset_minutes = 0;
  bool all() const { return uids.empty() && !search; }
};

struct mailbox_stats {
  std::uint64_t messages = 0;
  std::uint64_t unread = 0;
  std::uint64_t database_bytes = 0;
  std::map<std::string, std::uint64_t> tags;  // tag -> messages carrying it
};

class mailbox {
 public:
  virtual ~mailbox() = default;

  virtual result<message_page> list(const page_request& req) = 0;
  // Newest message matching `search` ("" = newest of all); nullopt when none. Error: bad search.
  virtual result<std::optional<std::string>> latest_uid(std::string_view search, int tz_offset_minutes) = 0;
  virtual std::optional<stored_message> get(std::string_view uid) = 0;
  virtual std::optional<std::string> raw(std::string_view uid) = 0;
  virtual std::optional<std::string> part_content(std::string_view uid, std::string_view part_id) = 0;

  // Mutations return the uids they changed (for events); errors are store failures or bad search.
  virtual result<std::vector<std::string>> set_read(const selection& which, bool read) = 0;
  virtual result<std::vector<std::string>> remove(const selection& which) = 0;
  virtual result<std::vector<std::string>> set_tags(const std::vector<std::string>& uids,
                                                    const std::vector<std::string>& tags) = 0;
  virtual result<std::vector<std::string>> rename_tag(std::string_view from, std::string_view to) = 0;
  virtual result<std::vector<std::string>> delete_tag(std::string_view name) = 0;
  virtual std::vector<std::string> tags() = 0;  // sorted, case-insensitively unique
  virtual mailbox_stats stats() = 0;
};

}  // namespace mailjar
