#include "sample_store.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>

#include "mime/parser.hpp"

namespace mailjar::fuzz {

namespace {

// Samples with bodies, HTML, inline images, attachments, tags and encoded words.
constexpr const char* sample_files[] = {"alternative.eml", "related_inline_image.eml",
                                        "mixed_attachments.eml", "x_tags.eml", "encoded_words.eml"};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

sample_store::sample_store() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mailjar-fuzz-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  db_path_ = dir_ + "/fuzz.db";
  store::store_config cfg;
  cfg.path = db_path_;
  auto opened = store::sqlite_store::open(cfg);
  if (!opened.ok()) throw std::runtime_error(opened.error_message());
  store_ = std::move(*opened);
  int n = 0;
  for (const char* f : sample_files) {
    raws_.push_back(read_file(std::string(MAILJAR_SAMPLES_DIR) + "/" + f));
    uids_.insert(uids_.begin(), "FuzzSample00000000000" + std::to_string(n++));  // 22 chars, newest first
  }
  reset();
}

sample_store::~sample_store() {
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string sample_store::add(const std::string& uid, std::string raw, std::int64_t received_ms) {
  auto msg = std::make_shared<new_message>();
  msg->uid = uid;
  msg->env.mail_from = "sender@example.com";
  msg->env.rcpt_to = {"rcpt@example.com", "team+fuzz@example.org"};
  msg->env.client_addr = "127.0.0.1:40000";
  msg->env.helo = "fuzz.example";
  msg->env.received_ms = received_ms;
  msg->raw = std::move(raw);
  msg->parsed = mime::parse_message(msg->raw);
  std::promise<store_outcome> done;
  auto f = done.get_future();
  store_->store(msg, [&done](store_outcome o) { done.set_value(std::move(o)); });
  const store_outcome o = f.get();
  if (!o.ok) throw std::runtime_error("cannot store a sample: " + o.error);
  return uid;
}

void sample_store::reset() {
  if (auto all = store_->delete_all(); !all.ok()) throw std::runtime_error(all.error_message());
  for (const auto& t : store_->tags()) (void)store_->delete_tag(t);
  // Oldest first, one second apart, so uids_ (newest first) is the list order.
  for (std::size_t i = 0; i < raws_.size(); ++i)
    add(uids_[raws_.size() - 1 - i], raws_[i], 1'700'000'000'000 + static_cast<std::int64_t>(i) * 1000);
  // The full-text index trails ingest; targets that query the file directly need it complete.
  (void)store_->search_uids("x", 1);
}

}  // namespace mailjar::fuzz
