// mailjar API/query benchmark: fills a database with N realistic messages through the store API
// (sqlite_store::store, group commit, no SMTP and no MIME parsing), then times what the HTTP API
// asks of the mailbox port: the newest page, deep pages, word searches of several frequencies,
// field filters, the `from:` + word + `has:attachment` query (with exact counts), message fetch,
// latest, and mutations. Prints p50/p95/max per query and each query's plan.
//
// Usage: api_bench [--db PATH] [--messages N] [--iterations N] [--seed N] [--keep]
// Built and run by tests/bench/api_bench.sh (see api_bench.md).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bulk_store.hpp"
#include "core/message_uid.hpp"
#include "store/sqlite_store.hpp"

using namespace mailjar;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string db = "/tmp/mailjar-api-bench.db";
  std::size_t messages = 100'000;
  std::size_t iterations = 200;
  unsigned seed = 42;
  bool keep = false;
};

// Words with a Zipf-like frequency: word i has weight 1/(i+1)^1.05.
class vocabulary {
 public:
  explicit vocabulary(std::mt19937& rng, std::size_t n = 20'000) {
    std::uniform_int_distribution<int> len(3, 10), letter(0, 25);
    std::set<std::string> seen;
    while (words_.size() < n) {
      std::string w;
      const int l = len(rng);
      for (int i = 0; i < l; ++i) w += static_cast<char>('a' + letter(rng));
      if (seen.insert(w).second) words_.push_back(w);
    }
    std::vector<double> weights(n);
    for (std::size_t i = 0; i < n; ++i) weights[i] = 1.0 / std::pow(static_cast<double>(i + 1), 1.05);
    dist_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  }
  std::size_t pick(std::mt19937& rng) { return dist_(rng); }
  const std::string& word(std::size_t i) const { return words_[i]; }
  std::size_t size() const { return words_.size(); }

 private:
  std::vector<std::string> words_;
  std::discrete_distribution<std::size_t> dist_;
};

struct corpus_stats {
  std::vector<std::size_t> doc_freq;  // per word index
  std::vector<std::string> uids;
  std::vector<std::string> senders;
};

std::shared_ptr<new_message> make_message(std::mt19937& rng, vocabulary& vocab, corpus_stats& cs,
                                          std::int64_t received_ms) {
  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  std::uniform_int_distribution<std::size_t> sender(0, cs.senders.size() - 1), body_words(150, 450),
      subject_words(3, 8), pct(0, 99);
  auto& p = m->parsed;
  std::set<std::size_t> used;
  std::string subject, text;
  for (std::size_t i = 0, n = subject_words(rng); i < n; ++i) {
    const std::size_t w = vocab.pick(rng);
    used.insert(w);
    subject += (i ? " " : "") + vocab.word(w);
  }
  for (std::size_t i = 0, n = body_words(rng); i < n; ++i) {
    const std::size_t w = vocab.pick(rng);
    used.insert(w);
    text += vocab.word(w);
    text += (i % 12 == 11) ? ".\n" : " ";
  }
  for (auto w : used) cs.doc_freq[w] += 1;
  const std::string& from = cs.senders[sender(rng)];
  p.subject = subject;
  p.message_id = m->uid + "@bench.example";
  p.from = address{"Sender " + from.substr(0, from.find('@')), from};
  p.to = {{"Recipient", "rcpt" + std::to_string(pct(rng)) + "@example.com"}};
  if (pct(rng) < 20) p.cc = {{"", "cc" + std::to_string(pct(rng)) + "@example.org"}};
  p.text = text;
  p.snippet = text.substr(0, 200) + "...";
  p.headers = {{"From", from}, {"To", p.to[0].addr}, {"Subject", subject}, {"X-Mailer", "bench"}};
  if (pct(rng) < 5) p.tags = {"tag" + std::to_string(pct(rng) % 10)};
  mime::part body;
  body.part_id = "1";
  body.role = mime::part_role::body;
  body.content_type = "text/plain";
  p.parts.push_back(body);
  std::string raw =
      "From: " + from + "\r\nTo: " + p.to[0].addr + "\r\nSubject: " + subject + "\r\n\r\n" + text;
  if (pct(rng) < 10) {  // 10% carry an attachment
    mime::part a;
    a.part_id = "2";
    a.role = mime::part_role::attachment;
    a.content_type = "application/pdf";
    a.file_name = vocab.word(vocab.pick(rng)) + ".pdf";
    a.content = std::string(2000, 'A');
    a.size = 2000;
    p.parts.push_back(a);
    raw += std::string(2700, 'A');
  }
  m->raw = std::move(raw);
  m->env.mail_from = from;
  m->env.rcpt_to = {p.to[0].addr};
  m->env.received_ms = received_ms;
  cs.uids.push_back(m->uid);
  return m;
}

void fill(store::sqlite_store& s, std::size_t n, std::mt19937& rng, vocabulary& vocab, corpus_stats& cs) {
  const std::int64_t start_ms = 1'760'000'000'000;
  const auto t0 = clock_type::now();
  bench::bulk_store feed(s);
  for (std::size_t i = 0; i < n; ++i) {
    feed.put(make_message(rng, vocab, cs, start_ms + static_cast<std::int64_t>(i) * 1000));
    if ((i + 1) % 20'000 == 0) std::fprintf(stderr, "  stored %zu\n", i + 1);
  }
  const std::size_t failed = feed.finish();
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::fprintf(stderr, "filled %zu messages in %.1f s (%.0f msgs/s), %zu failed\n", n, secs, n / secs,
               failed);
}

struct timing {
  std::string name;
  double p50, p95, max;
  std::string detail;
};

timing measure(const std::string& name, std::size_t iterations,
               const std::function<std::string(std::size_t)>& fn) {
  std::vector<double> ms;
  std::string detail = fn(0);  // warm-up; also what is reported
  for (std::size_t i = 0; i < iterations; ++i) {
    const auto t = clock_type::now();
    (void)fn(i + 1);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return {name, at(0.50), at(0.95), ms.back(), detail};
}

// The word whose document frequency is closest to `target`.
std::string word_with_df(const vocabulary& v, const corpus_stats& cs, std::size_t target, std::size_t* df) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const auto d = [&](std::size_t j) {
      return cs.doc_freq[j] > target ? cs.doc_freq[j] - target : target - cs.doc_freq[j];
    };
    if (d(i) < d(best)) best = i;
  }
  *df = cs.doc_freq[best];
  return v.word(best);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--db")
      o.db = next();
    else if (a == "--messages")
      o.messages = std::stoul(next());
    else if (a == "--iterations")
      o.iterations = std::stoul(next());
    else if (a == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--keep")
      o.keep = true;
    else {
      std::fprintf(stderr,
                   "usage: api_bench [--db PATH] [--messages N] [--iterations N] [--seed N] [--keep]\n");
      return 2;
    }
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(o.db + suffix, ec);

  std::mt19937 rng(o.seed);
  vocabulary vocab(rng);
  corpus_stats cs;
  cs.doc_freq.assign(vocab.size(), 0);
  for (int i = 0; i < 500; ++i)
    cs.senders.push_back("sender" + std::to_string(i) + "@mail" + std::to_string(i % 37) + ".example");

  auto opened = store::sqlite_store::open({.path = o.db});
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error_message().c_str());
    return 1;
  }
  auto& s = **opened;
  fill(s, o.messages, rng, vocab, cs);
  // A realistic mailbox: about 3% of messages have been opened (read).
  {
    std::vector<std::string> some;
    for (std::size_t i = 0; i < cs.uids.size(); i += 33) some.push_back(cs.uids[i]);
    auto r = s.set_read(selection{.uids = some}, true);
    std::fprintf(stderr, "marked %zu read\n", r ? r->size() : 0);
  }

  std::size_t df_rare = 0, df_mid = 0, df_common = 0, df_top = 0;
  const std::string rare = word_with_df(vocab, cs, o.messages / 1000, &df_rare);    // 0.1%
  const std::string mid = word_with_df(vocab, cs, o.messages / 100, &df_mid);       // 1%
  const std::string common = word_with_df(vocab, cs, o.messages / 10, &df_common);  // 10%
  const std::string top = vocab.word(0);
  df_top = cs.doc_freq[0];
  const std::string sender = cs.senders[7];

  std::mt19937 pick_rng(o.seed + 1);
  std::uniform_int_distribution<std::size_t> any(0, cs.uids.size() - 1);
  std::vector<timing> results;
  std::map<std::string, std::string> plans;
  auto list_bench = [&](const std::string& name, const std::string& search, std::size_t start) {
    results.push_back(measure(name, o.iterations, [&, search, start](std::size_t) {
      auto p = s.list(page_request{search, 0, start, 50});
      if (!p) return "error: " + p.error_message();
      return "matched " + std::to_string(p->matched) + " (unread " + std::to_string(p->matched_unread) +
             "), page " + std::to_string(p->messages.size());
    }));
    auto how = s.explain(search);
    plans[name] = "search `" + search + "`: " + (how ? *how : how.error_message());
  };

  list_bench("list 50 newest", "", 0);
  list_bench("list page 100 (start 5000)", "", 5000);
  list_bench("word 0.1% (" + std::to_string(df_rare) + " msgs)", rare, 0);
  list_bench("word 1% (" + std::to_string(df_mid) + " msgs)", mid, 0);
  list_bench("word 10% (" + std::to_string(df_common) + " msgs)", common, 0);
  list_bench("word most common (" + std::to_string(df_top) + " msgs)", top, 0);
  list_bench("word prefix (3 letters)", mid.substr(0, 3), 0);
  list_bench("two words 10%+1%", common + " " + mid, 0);
  list_bench("from: + word 10% + has:attachment", "from:" + sender + " " + common + " has:attachment", 0);
  list_bench("from: + word 1% + has:attachment", "from:" + sender + " " + mid + " has:attachment", 0);
  list_bench("from: alone", "from:" + sender, 0);
  list_bench("has:attachment", "has:attachment", 0);
  list_bench("is:unread", "is:unread", 0);
  list_bench("is:read", "is:read", 0);
  list_bench("tag:tag3", "tag:tag3", 0);
  list_bench("subject: substring", "subject:" + mid.substr(1, 4), 0);
  list_bench("-word 10%", "-" + common, 0);
  list_bench("header:X-Mailer:bench (every message)", "header:X-Mailer:bench", 0);

  results.push_back(measure("message fetch (get)", o.iterations, [&](std::size_t) {
    auto m = s.get(cs.uids[any(pick_rng)]);
    return std::string(m ? "ok" : "missing");
  }));
  results.push_back(measure("raw fetch", o.iterations, [&](std::size_t) {
    auto r = s.raw(cs.uids[any(pick_rng)]);
    return std::string(r ? "ok" : "missing");
  }));
  results.push_back(measure("latest", o.iterations, [&](std::size_t) {
    auto r = s.latest_uid("", 0);
    return std::string(r && *r ? "ok" : "none");
  }));
  results.push_back(measure("latest matching word 1%", o.iterations, [&](std::size_t) {
    auto r = s.latest_uid(mid, 0);
    return std::string(r && *r ? "ok" : "none");
  }));
  results.push_back(measure("stats", o.iterations, [&](std::size_t) {
    auto st = s.stats();
    return std::to_string(st.messages) + " messages, " + std::to_string(st.database_bytes >> 20) + " MiB";
  }));
  results.push_back(
      measure("set_read one message", std::min<std::size_t>(o.iterations, 100), [&](std::size_t i) {
        auto r = s.set_read(selection{.uids = {cs.uids[any(pick_rng)]}}, i % 2 == 0);
        return std::string(r ? "ok" : r.error_message());
      }));

  std::printf("\nmailjar API query benchmark: %zu messages, %zu iterations each (ms)\n\n", o.messages,
              o.iterations);
  std::printf("| query | p50 | p95 | max | result |\n|---|---:|---:|---:|---|\n");
  for (const auto& r : results)
    std::printf("| %s | %.3f | %.3f | %.3f | %s |\n", r.name.c_str(), r.p50, r.p95, r.max, r.detail.c_str());
  std::printf("\nHow each search is answered (strategy, statements, EXPLAIN QUERY PLAN):\n\n");
  for (const auto& [name, p] : plans) std::printf("%s: %s\n", name.c_str(), p.c_str());
  auto st = s.stats();
  std::printf("database: %.1f MiB (with WAL)\n", static_cast<double>(st.database_bytes) / (1 << 20));
  opened->reset();
  if (!o.keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(o.db + suffix, ec);
  }
  return 0;
}
