// The SQLite message store: implements message_store (ingest) and mailbox (the API).
// store() only queues; one writer thread owns the only writer connection, takes everything
// queued (up to max_batch messages / max_batch_bytes), writes it in ONE transaction (a message
// that fails fails alone), commits, then runs each message's `done`. The full-text index trails
// in larger transactions of its own (store_config::index_batch); every search first has it
// catch up, so a message is found by any search started after its `done` ran. Between group commits it prunes
// by max_messages / max_age in small steps and reports each prune through store_config::on_pruned (the app
// publishes event_sink::pruned from it). Reads (list, search, get, raw, parts, tags, stats) are synchronous
// and run on read-only connections of their own (any thread, never a network thread). Mutations (read flags,
// deletes, tags) queue a job behind earlier messages, so they are serialised with ingest, and
// wait for it. Searches use Mailpit's syntax (search/parser.hpp); a search that does not parse
// is an error result before anything is queued.
// Thread-safety: every public method may be called from any thread, except that `done`
// callbacks and `on_pruned` must not call the waiting write methods (they return an error).
// Destruction drains the queue (every queued message still gets its callback), then joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "ports/mailbox.hpp"
#include "ports/message_store.hpp"
#include "store/message_reader.hpp"
#include "store/message_writer.hpp"
#include "store/store_config.hpp"
#include "store/stored_message.hpp"
#include "store/wal_checkpointer.hpp"

namespace mailjar::store {

class sqlite_store final : public message_store, public mailbox {
 public:
  // Creates or migrates the database. Errors are one line naming the path and the reason.
  static result<std::unique_ptr<sqlite_store>> open(const store_config& cfg);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  void store(std::shared_ptr<const new_message> msg, std::function<void(store_outcome)> done) override;

  // ---- mailbox: reads (synchronous; read-only connections) ----
  result<message_page> list(const page_request& req) override;
  result<std::optional<std::string>> latest_uid(std::string_view search, int tz_offset_minutes) override;
  std::optional<stored_message> get(std::string_view uid) override;
  std::optional<std::string> raw(std::string_view uid) override;
  std::optional<std::string> part_content(std::string_view uid,
                                          std::string_view part_id) override;  // decoded
  std::vector<std::string> tags() override;
  mailbox_stats stats() override;  // database_bytes: main file plus WAL

  // ---- mailbox: mutations (queued behind earlier messages; wait for their transaction) ----
  result<std::vector<std::string>> set_read(const selection& which, bool read) override;
  result<std::vector<std::string>> remove(const selection& which) override;
  // Tags are cleaned and de-duplicated as Mailpit does (search/tags.hpp) before they are set.
  result<std::vector<std::string>> set_tags(const std::vector<std::string>& uids,
                                            const std::vector<std::string>& tags) override;
  // Error when the new name cleans to nothing. Renaming onto an existing tag merges the two.
  result<std::vector<std::string>> rename_tag(std::string_view from, std::string_view to) override;
  result<std::vector<std::string>> delete_tag(std::string_view name) override;

  // ---- helpers for tools and tests ----
  std::uint64_t count() const;
  std::uint64_t unread_count() const;
  std::vector<std::string> newest_uids(std::size_t limit, std::size_t offset = 0) const;
  std::vector<std::string> search_uids(std::string_view fts5_query, std::size_t limit);  // raw FTS5
  result<std::uint64_t> delete_uids(const std::vector<std::string>& uids);  // -> how many were removed
  result<std::uint64_t> delete_all();
  // How a search is answered (strategy and query plans), for benchmarks and debugging.
  result<std::string> explain(std::string_view search, int tz_offset_minutes = 0) const;
  // Writer counters since open (commits, batches, prunes, ...).
  stats_snapshot write_stats() const;

  const std::string& path() const { return cfg_.path; }

 private:
  struct item {
    std::shared_ptr<const new_message> msg;
    std::function<void(store_outcome)> done;
    std::function<void()> job;  // set for non-message work
  };

  sqlite_store(const store_config& cfg, std::unique_ptr<message_writer> writer);
  void writer_loop();
  void write_batch(std::vector<item>& batch);
  bool prune_turn(std::size_t last_batch);  // true when more pruning is due
  // Writer thread: index what trails; publishes unindexed_.
  void index_now();
  // Writer thread: how long until a failed index run may be retried (zero when none failed).
  std::chrono::steady_clock::duration index_retry_in() const;
  // Any thread: before a search, have the writer index what trails (or do it, on its thread).
  void catch_up_index();
  template <class T>
  result<T> run_job(std::function<result<T>(message_writer&)> fn);
  // A selection as the writer takes it; error for a search that does not parse.
  static result<write_target> target_of(const selection& which);

  const store_config cfg_;
  std::unique_ptr<message_writer> writer_;  // only touched on the writer thread after open
  mutable reader_pool readers_;
  // After writer_: destroyed (its thread joined) before the writer connection closes.
  std::unique_ptr<wal_checkpointer> checkpointer_;

  mutable std::mutex mu_;  // guards queue_, stopping_, closed_, stats_
  std::condition_variable wake_;
  std::deque<item> queue_;
  bool stopping_ = false;
  bool closed_ = false;  // the writer thread has finished; store() fails at once
  stats_snapshot stats_;

  std::chrono::steady_clock::time_point index_retry_at_{};  // writer thread only
  std::atomic<std::uint64_t> unindexed_{0};  // set by the writer before any `done` of those messages

  std::thread thread_;
  std::thread::id writer_id_;
};

}  // namespace mailjar::store
