#include "store/sqlite_store.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>

#include "log/thread_name.hpp"
#include "search/parser.hpp"
#include "search/tags.hpp"

namespace mailjar::store {

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

result<std::unique_ptr<sqlite_store>> sqlite_store::open(const store_config& cfg) {
  if (cfg.max_batch == 0) return error{"store: max_batch must be at least 1"};
  auto writer = message_writer::open(cfg);
  if (!writer) return error{writer.error_message()};
  std::unique_ptr<sqlite_store> s(new sqlite_store(cfg, std::move(*writer)));
  s->unindexed_.store(s->writer_->unindexed());  // what open() could not index (a full disk)
  if (auto st = s->readers_.warm_up(); !st) {
    return error{"cannot read database '" + cfg.path + "': " + st.error_message()};
  }
  if (cfg.checkpoint_pages > 0) {
    s->checkpointer_ = std::make_unique<wal_checkpointer>(cfg.path, cfg.busy_timeout_ms, cfg.checkpoint_pages,
                                                          cfg.checkpoint_hard_pages);
    s->checkpointer_->attach(s->writer_->db());
  }
  s->thread_ = std::thread([p = s.get()] {
    log::name_this_thread("mj-writer");
    p->writer_loop();
  });
  s->writer_id_ = s->thread_.get_id();
  return s;
}

sqlite_store::sqlite_store(const store_config& cfg, std::unique_ptr<message_writer> writer)
    : cfg_(cfg), writer_(std::move(writer)), readers_(cfg.path, cfg.busy_timeout_ms) {}

sqlite_store::~sqlite_store() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void sqlite_store::store(std::shared_ptr<const new_message> msg, std::function<void(store_outcome)> done) {
  if (!msg) {
    if (done) done(store_outcome{false, "no message"});
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (!closed_) {
      const bool was_idle = queue_.empty();
      queue_.push_back(item{std::move(msg), std::move(done), {}});
      lock.unlock();
      // The writer only sleeps on an empty queue; otherwise it will find this on its next turn.
      if (was_idle) wake_.notify_one();
      return;
    }
  }
  if (done) done(store_outcome{false, "store is closed"});
}

void sqlite_store::writer_loop() {
  const auto idle_wake = std::chrono::milliseconds(std::max<std::int64_t>(cfg_.idle_wake_ms, 1));
  std::vector<item> batch;
  batch.reserve(cfg_.max_batch);
  bool prune_pending = true;  // limits may be exceeded by what an earlier run left
  const auto index_idle = std::chrono::milliseconds(std::max<std::int64_t>(cfg_.index_idle_ms, 0));
  std::unique_lock lock(mu_);
  for (;;) {
    // Quiet for index_idle (or until a failed run may be retried): catch the full-text index up
    // before sleeping.
    if (queue_.empty() && !stopping_ && writer_->unindexed() != 0 &&
        !wake_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(index_idle, index_retry_in()),
                        [&] { return !queue_.empty() || stopping_; })) {
      lock.unlock();
      index_now();
      lock.lock();
      continue;  // look again: after a failed run, wait for its retry rather than the long sleep
    }
    if (queue_.empty() && !stopping_ && !prune_pending) {
      wake_.wait_for(lock, idle_wake, [&] { return !queue_.empty() || stopping_; });
    }
    if (queue_.empty() && stopping_) break;

    batch.clear();
    std::function<void()> job;
    if (!queue_.empty() && queue_.front().job) {
      job = std::move(queue_.front().job);
      queue_.pop_front();
    } else {
      std::size_t bytes = 0;
      while (!queue_.empty() && !queue_.front().job && batch.size() < cfg_.max_batch &&
             (batch.empty() || bytes + queue_.front().msg->raw.size() <= cfg_.max_batch_bytes)) {
        bytes += queue_.front().msg->raw.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    lock.unlock();

    if (job) job();
    if (!batch.empty()) write_batch(batch);
    if (writer_->unindexed() >= cfg_.index_batch &&
        index_retry_in() == std::chrono::steady_clock::duration::zero())
      index_now();
    prune_pending = prune_turn(batch.size());

    lock.lock();
  }
  lock.unlock();
  index_now();  // a clean stop leaves the index complete
  lock.lock();
  closed_ = true;
}

void sqlite_store::index_now() {
  if (writer_->unindexed() != 0) {
    const bool ok = writer_->index_pending().ok();
    // On failure (a full disk, a lock held elsewhere) the messages stay stored and unindexed;
    // the idle and batch triggers wait a while before trying again (each try reads and
    // tokenizes everything pending), a search still asks at once.
    index_retry_at_ = ok ? std::chrono::steady_clock::time_point{}
                         : std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::lock_guard lock(mu_);
    (ok ? stats_.index_runs : stats_.index_failures) += 1;
  }
  unindexed_.store(writer_->unindexed());
}

std::chrono::steady_clock::duration sqlite_store::index_retry_in() const {
  return std::max(index_retry_at_ - std::chrono::steady_clock::now(),
                  std::chrono::steady_clock::duration::zero());
}

void sqlite_store::catch_up_index() {
  if (unindexed_.load() == 0) return;
  if (std::this_thread::get_id() == writer_id_) {  // a `done` callback: no transaction is open
    index_now();
    return;
  }
  // Queued behind what is already waiting, so it also indexes those messages. If it fails the
  // search still runs, on the index as it is.
  (void)run_job<bool>([this](message_writer&) -> result<bool> {
    index_now();
    return true;
  });
}

void sqlite_store::write_batch(std::vector<item>& batch) {
  std::vector<const new_message*> msgs;
  msgs.reserve(batch.size());
  for (const auto& it : batch) msgs.push_back(it.msg.get());

  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t cpu0 = thread_cpu_ns();
  batch_result r = writer_->write_batch(msgs);
  const std::uint64_t cpu = thread_cpu_ns() - cpu0;
  const auto busy = std::chrono::steady_clock::now() - t0;
  {
    std::lock_guard lock(mu_);
    stats_.batches += 1;
    stats_.batched_messages += batch.size();
    stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
    stats_.writer_busy_ns += static_cast<std::uint64_t>(std::chrono::nanoseconds(busy).count());
    stats_.writer_cpu_ns += cpu;
    stats_.stored += r.stored;
    stats_.failed += batch.size() - r.stored;
    (r.committed ? stats_.commits : stats_.failed_commits) += 1;
  }
  // Before any `done`: a search its client starts next must know to have the index catch up.
  unindexed_.store(writer_->unindexed());

  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(std::move(r.outcomes[i]));
    } catch (...) {
      // A callback's bug must not stop the writer or the other callbacks.
      std::lock_guard lock(mu_);
      stats_.callback_exceptions += 1;
    }
  }
}

bool sqlite_store::prune_turn(std::size_t last_batch) {
  if (cfg_.max_messages == 0 && cfg_.max_age_ms == 0) return false;
  const std::int64_t cutoff = cfg_.max_age_ms != 0 ? now_ms() - cfg_.max_age_ms : 0;
  const std::size_t limit = std::max(cfg_.prune_batch, last_batch);
  auto r = writer_->prune(cfg_.max_messages, cutoff, limit);
  if (!r) return false;  // retried after the next batch or idle wake
  if (r->removed != 0) {
    {
      std::lock_guard lock(mu_);
      stats_.pruned += r->removed;
    }
    if (cfg_.on_pruned) cfg_.on_pruned(r->removed);
  }
  return r->more;
}

template <class T>
result<T> sqlite_store::run_job(std::function<result<T>(message_writer&)> fn) {
  if (std::this_thread::get_id() == writer_id_) {
    return error{"store write called from the store's own thread (a callback); post it elsewhere"};
  }
  auto promise = std::make_shared<std::promise<result<T>>>();
  auto future = promise->get_future();
  {
    std::lock_guard lock(mu_);
    if (closed_ || stopping_) return error{"store is closed"};
    const bool was_idle = queue_.empty();
    queue_.push_back(
        item{nullptr, nullptr, [this, promise, fn = std::move(fn)] { promise->set_value(fn(*writer_)); }});
    if (was_idle) wake_.notify_one();
  }
  return future.get();
}

namespace {

result<sql_filter> filter_of(std::string_view search, int tz_offset_minutes) {
  auto q = search::parse(search, search::parse_options{tz_offset_minutes});
  if (!q) return error{q.error_message()};
  return translate(*q);
}

}  // namespace

result<write_target> sqlite_store::target_of(const selection& which) {
  write_target t;
  if (!which.uids.empty()) {
    t.uids = which.uids;
    return t;
  }
  t.by_uids = false;
  if (which.search) {
    auto f = filter_of(*which.search, which.tz_offset_minutes);
    if (!f) return error{f.error_message()};
    t.filter = std::move(*f);
  }
  return t;
}

result<std::vector<std::string>> sqlite_store::set_read(const selection& which, bool read) {
  auto target = target_of(which);
  if (!target) return error{target.error_message()};
  return run_job<std::vector<std::string>>(
      [t = std::move(*target), read](message_writer& w) { return w.set_read(t, read); });
}

result<std::vector<std::string>> sqlite_store::remove(const selection& which) {
  auto target = target_of(which);
  if (!target) return error{target.error_message()};
  return run_job<std::vector<std::string>>([this, t = std::move(*target)](message_writer& w) {
    auto r = w.remove(t);
    if (r) {
      std::lock_guard lock(mu_);
      stats_.deleted += r->size();
    }
    return r;
  });
}

result<std::vector<std::string>> sqlite_store::set_tags(const std::vector<std::string>& uids,
                                                        const std::vector<std::string>& tags) {
  return run_job<std::vector<std::string>>(
      [&uids, clean = search::normalize_tags(tags)](message_writer& w) { return w.set_tags(uids, clean); });
}

result<std::vector<std::string>> sqlite_store::rename_tag(std::string_view from, std::string_view to) {
  const std::string clean = search::clean_tag(to);
  if (clean.empty()) return error{"invalid tag name"};
  return run_job<std::vector<std::string>>(
      [from = std::string(from), clean](message_writer& w) { return w.rename_tag(from, clean); });
}

result<std::vector<std::string>> sqlite_store::delete_tag(std::string_view name) {
  return run_job<std::vector<std::string>>(
      [name = std::string(name)](message_writer& w) { return w.delete_tag(name); });
}

result<std::uint64_t> sqlite_store::delete_uids(const std::vector<std::string>& uids) {
  auto r = remove(selection{uids, std::nullopt, 0});
  if (!r) return error{r.error_message()};
  return static_cast<std::uint64_t>(r->size());
}

result<std::uint64_t> sqlite_store::delete_all() {
  auto r = remove(selection{});
  if (!r) return error{r.error_message()};
  return static_cast<std::uint64_t>(r->size());
}

result<message_page> sqlite_store::list(const page_request& req) {
  auto f = filter_of(req.search, req.tz_offset_minutes);
  if (!f) return error{f.error_message()};
  if (!f->fts_match.empty()) catch_up_index();
  auto r = readers_.acquire();
  if (!r) return error{"cannot open a read connection to '" + cfg_.path + "'"};
  return r->page(*f, req.start, req.limit);
}

result<std::optional<std::string>> sqlite_store::latest_uid(std::string_view search, int tz_offset_minutes) {
  auto f = filter_of(search, tz_offset_minutes);
  if (!f) return error{f.error_message()};
  if (!f->fts_match.empty()) catch_up_index();
  auto r = readers_.acquire();
  if (!r) return error{"cannot open a read connection to '" + cfg_.path + "'"};
  return r->latest_uid(*f);
}

std::optional<stored_message> sqlite_store::get(std::string_view uid) {
  auto r = readers_.acquire();
  if (!r) return std::nullopt;
  return r->get(uid);
}

std::optional<std::string> sqlite_store::raw(std::string_view uid) {
  auto r = readers_.acquire();
  if (!r) return std::nullopt;
  return r->raw(uid);
}

std::optional<std::string> sqlite_store::part_content(std::string_view uid, std::string_view part_id) {
  auto r = readers_.acquire();
  if (!r) return std::nullopt;
  return r->part_content(uid, part_id);
}

std::vector<std::string> sqlite_store::tags() {
  auto r = readers_.acquire();
  if (!r) return {};
  return r->tags();
}

mailbox_stats sqlite_store::stats() {
  mailbox_stats out;
  if (auto r = readers_.acquire()) {
    if (auto st = r->stats()) out = std::move(*st);
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto bytes = std::filesystem::file_size(cfg_.path + suffix, ec);
    if (!ec) out.database_bytes += bytes;
  }
  return out;
}

result<std::string> sqlite_store::explain(std::string_view search, int tz_offset_minutes) const {
  auto f = filter_of(search, tz_offset_minutes);
  if (!f) return error{f.error_message()};
  auto r = readers_.acquire();
  if (!r) return error{"cannot open a read connection to '" + cfg_.path + "'"};
  return r->describe(*f);
}

std::uint64_t sqlite_store::count() const {
  auto r = readers_.acquire();
  return r ? r->count() : 0;
}

std::uint64_t sqlite_store::unread_count() const {
  auto r = readers_.acquire();
  return r ? r->unread_count() : 0;
}

std::vector<std::string> sqlite_store::newest_uids(std::size_t limit, std::size_t offset) const {
  auto r = readers_.acquire();
  if (!r) return {};
  return r->newest_uids(limit, offset);
}

std::vector<std::string> sqlite_store::search_uids(std::string_view fts5_query, std::size_t limit) {
  catch_up_index();
  auto r = readers_.acquire();
  if (!r) return {};
  return r->search_uids(fts5_query, limit);
}

stats_snapshot sqlite_store::write_stats() const {
  std::lock_guard lock(mu_);
  stats_snapshot s = stats_;
  s.queued = queue_.size();
  s.unindexed = unindexed_.load();
  if (checkpointer_) {
    const auto c = checkpointer_->stats();
    s.checkpoints = c.runs;
    s.writer_checkpoints = c.writer_runs;
  }
  return s;
}

}  // namespace mailjar::store
