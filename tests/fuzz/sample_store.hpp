// A real SQLite store (store::sqlite_store on a file in a fresh temporary directory) holding a
// few sample messages from samples/ with fixed IDs, for the fuzz targets that need a mailbox
// (search_query, http_router). reset() puts the same messages back after a fuzz input changed
// them, so every input starts from the same state. One instance per process (the fuzzer's
// single thread); the directory is removed when it is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/sqlite_store.hpp"

namespace mailjar::fuzz {

class sample_store {
 public:
  sample_store();
  ~sample_store();
  sample_store(const sample_store&) = delete;
  sample_store& operator=(const sample_store&) = delete;

  store::sqlite_store& store() { return *store_; }
  const std::string& db_path() const { return db_path_; }
  // Fixed 22-character IDs of the samples, newest first (the first is `latest`).
  const std::vector<std::string>& uids() const { return uids_; }
  // Stores `raw` as an SMTP message would be (parsed, then committed); returns its uid.
  std::string add(const std::string& uid, std::string raw, std::int64_t received_ms);
  // Deletes everything and stores the samples again, unread, with their tags.
  void reset();

 private:
  std::string dir_;
  std::string db_path_;
  std::unique_ptr<store::sqlite_store> store_;
  std::vector<std::string> uids_;
  std::vector<std::string> raws_;
};

}  // namespace mailjar::fuzz
