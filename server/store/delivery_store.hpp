// relay::delivery_log over SQLite (schema version 4): the release engine's persistent queue and
// delivery log. Uses its own read-write connection to the database the message store already
// opened and migrated; every call is one short transaction (the message writer's busy timeout
// absorbs the rare overlap). Never called on a network thread or the store's writer thread.
// Thread-safety: all methods may be called from any thread (one mutex around the connection).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "relay/delivery_records.hpp"
#include "store/sqlite_db.hpp"

namespace mailjar::store {

class delivery_store final : public relay::delivery_log {
 public:
  // `path` must already be at schema version 4 or later (sqlite_store::open migrates it).
  static result<std::unique_ptr<delivery_store>> open(const std::string& path);

  result<std::uint64_t> create(const relay::new_delivery& d) override;
  status record(std::uint64_t delivery_id, const std::vector<relay::attempt_record>& attempts,
                const std::vector<relay::recipient_update>& updates) override;
  result<std::vector<relay::claimed>> claim_due(std::int64_t now_ms, std::size_t limit) override;
  result<std::optional<std::int64_t>> next_due() override;
  result<std::optional<relay::delivery_payload>> payload(std::uint64_t delivery_id) override;
  result<std::vector<relay::delivery_record>> for_message(const std::string& uid) override;
  result<std::vector<std::pair<std::uint64_t, std::string>>> recover_in_flight(
      const std::string& reply) override;

 private:
  explicit delivery_store(db_ptr db) : db_(std::move(db)), cache_(db_.get()) {}
  template <class F>
  auto in_transaction(F&& body) -> decltype(body());
  statement* prepared(const char* sql);

  std::mutex mu_;
  db_ptr db_;
  statement_cache cache_;
};

}  // namespace mailjar::store
