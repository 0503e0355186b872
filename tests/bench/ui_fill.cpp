// Fills a mailjar database with N realistic messages through the store (group commit; no SMTP,
// no MIME parsing), for the web UI's performance test at 100 000 messages
// (tests/browser/performance.test.mjs) and for trying the UI on a big mailbox by hand:
//   ui_fill --db /tmp/big.db --messages 100000 && mailjar --db /tmp/big.db
// Messages: 300 senders with display names, subjects and bodies from a small vocabulary,
// 10% with an attachment, 5% tagged, about 70% read; received one second apart, newest now.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bulk_store.hpp"
#include "core/message_uid.hpp"
#include "store/sqlite_store.hpp"

using namespace mailjar;

namespace {

const std::vector<std::string> words = {
    "order",   "invoice", "shipped", "account", "password", "reset",  "welcome", "weekly",  "report",
    "meeting", "update",  "release", "build",   "failed",   "passed", "deploy",  "receipt", "payment",
    "trial",   "expires", "team",    "invite",  "review",   "ticket", "alert",   "digest",  "summary",
    "project", "status",  "friday",  "monday",  "new",      "login",  "device",  "verify",  "confirm"};
const std::vector<std::string> first_names = {"Ann",    "Bob",   "Chen", "Dana", "Emil",
                                              "Fatima", "Goran", "Hana", "Ivan", "Jo",
                                              "Kemal",  "Lena",  "Mo",   "Nia",  "Oscar"};

std::shared_ptr<new_message> make(std::mt19937& rng, std::size_t i, std::int64_t received_ms) {
  std::uniform_int_distribution<std::size_t> word(0, words.size() - 1), pct(0, 99), sender(0, 299),
      count(4, 9);
  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  auto& p = m->parsed;
  const std::size_t s = sender(rng);
  const std::string from = "noreply" + std::to_string(s) + "@app" + std::to_string(s % 23) + ".example";
  p.from = address{first_names[s % first_names.size()] + " from App " + std::to_string(s % 23), from};
  p.to = {{"Test User", "user" + std::to_string(pct(rng)) + "@example.com"}};
  std::string subject;
  for (std::size_t k = 0, n = count(rng); k < n; ++k) subject += (k ? " " : "") + words[word(rng)];
  subject[0] = static_cast<char>(subject[0] - 'a' + 'A');
  p.subject = subject + " #" + std::to_string(i);
  std::string text = "Hello,\n\n";
  for (std::size_t k = 0; k < 60; ++k) text += words[word(rng)] + ((k % 12 == 11) ? ".\n" : " ");
  p.text = text;
  p.snippet = text.substr(0, 120);
  p.message_id = m->uid + "@ui-fill.example";
  p.headers = {{"From", from}, {"To", p.to[0].addr}, {"Subject", p.subject}};
  if (pct(rng) < 5) p.tags = {"tag" + std::to_string(pct(rng) % 6)};
  mime::part body;
  body.part_id = "1";
  body.role = mime::part_role::body;
  body.content_type = "text/plain";
  p.parts.push_back(body);
  m->raw = "From: " + from + "\r\nTo: " + p.to[0].addr + "\r\nSubject: " + p.subject + "\r\n\r\n" + text;
  if (pct(rng) < 10) {
    mime::part a;
    a.part_id = "2";
    a.role = mime::part_role::attachment;
    a.content_type = "application/pdf";
    a.file_name = words[word(rng)] + ".pdf";
    a.size = 1500;
    p.parts.push_back(a);
    m->raw += std::string(2000, 'A');
  }
  m->env.mail_from = from;
  m->env.rcpt_to = {p.to[0].addr};
  m->env.received_ms = received_ms;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  std::size_t n = 100'000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" && i + 1 < argc)
      db = argv[++i];
    else if (a == "--messages" && i + 1 < argc)
      n = std::stoul(argv[++i]);
    else {
      std::fprintf(stderr, "usage: ui_fill --db PATH [--messages N]\n");
      return 2;
    }
  }
  if (db.empty()) {
    std::fprintf(stderr, "usage: ui_fill --db PATH [--messages N]\n");
    return 2;
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix, ec);
  auto opened = store::sqlite_store::open({.path = db});
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error_message().c_str());
    return 1;
  }
  auto& s = **opened;
  std::mt19937 rng(7);
  std::vector<std::string> read_uids;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto t0 = std::chrono::steady_clock::now();
  bench::bulk_store feed(s);
  for (std::size_t i = 0; i < n; ++i) {
    auto m = make(rng, i, now_ms - static_cast<std::int64_t>(n - i) * 1000);
    if (i + 200 < n && rng() % 10 < 7) read_uids.push_back(m->uid);
    feed.put(std::move(m));
  }
  const std::size_t failed = feed.finish();
  auto r = s.set_read(selection{.uids = read_uids}, true);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("stored %zu messages (%zu read) in %.1f s, %zu failed\n", n - failed, r ? r->size() : 0, secs,
              failed);
  return failed ? 1 : 0;
}
