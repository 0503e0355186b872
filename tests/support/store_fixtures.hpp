// Test helpers for the SQLite store: a temporary directory removed at scope end, message
// builders (a fully populated message whose part offsets point into its raw bytes, a plain
// ~2 KB message for bulk tests, and realistic mail from a spec, parsed by the real MIME parser),
// a thread-safe log of store callbacks, and one-shot SQL on a separate connection for looking
// inside the database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/message_store.hpp"

namespace mailjar::test {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A message with every field set: three parts (quoted-printable body and base64 attachment
// addressed in `raw`, plus one part whose decoded content is stored because it is not
// addressable), tags, warnings, envelope. `decoded_*` are what part_content must return.
struct full_sample {
  std::shared_ptr<new_message> msg;
  std::string decoded_text_part;   // part "1"
  std::string decoded_attachment;  // part "2"
  std::string stored_content;      // part "3.1" (not in raw)
};
full_sample make_full_message(std::int64_t received_ms = 1'700'000'000'123);

// About 2 KB of raw message with a text body that contains `word`; subject as given.
std::shared_ptr<new_message> make_small_message(const std::string& subject, const std::string& word,
                                                std::int64_t received_ms = 0);

// A message to build as raw RFC 5322 text (UTF-8 headers allowed) and parse with the real
// MIME parser. Empty fields are left out.
struct mail_spec {
  std::string from = "Sender <sender@example.com>";
  std::string to = "rcpt@example.com";
  std::string cc, bcc, reply_to;
  std::string subject = "test";
  std::string message_id;  // without <>; generated when empty
  std::string text = "hello";
  std::string html;                        // adds a text/html alternative
  std::vector<std::string> extra_headers;  // "X-Tags: a, b"
  std::string attachment_name;             // adds a base64 application/octet-stream attachment
  bool inline_image = false;               // adds an inline image/png with a Content-ID
  std::vector<std::string> rcpt_to;        // envelope; default: the addresses of To, Cc and Bcc
  std::int64_t received_ms = 0;            // default: now
};
std::shared_ptr<new_message> make_mail(const mail_spec& spec);

// Store one message and wait for its outcome.
store_outcome store_sync(message_store& store, std::shared_ptr<const new_message> msg);

// Collects store outcomes by uid from any thread.
class outcome_log {
 public:
  std::function<void(store_outcome)> callback(const std::string& uid);
  // Extra work to run inside each callback (on the store's thread) before it is recorded.
  void on_each(std::function<void(const std::string& uid, const store_outcome&)> fn) {
    on_each_ = std::move(fn);
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  std::map<std::string, std::vector<store_outcome>> all() const;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<store_outcome>> by_uid_;
  std::size_t total_ = 0;
  std::function<void(const std::string&, const store_outcome&)> on_each_;
};

// Run SQL on a fresh read-write connection (with a busy timeout); throws on error.
void sql_exec(const std::string& db_path, const std::string& sql);
// First column of the first row as an integer; throws on error or no row.
std::int64_t sql_int(const std::string& db_path, const std::string& sql);

// Poll `pred` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::int64_t now_ms();

}  // namespace mailjar::test
