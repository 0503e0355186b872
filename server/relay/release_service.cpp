#include "relay/release_service.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include "log/log.hpp"

namespace mailjar::relay {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string random_hex() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 24; ++i) out.push_back(k_hex[rng() & 15]);
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

release_service::release_service(release_config cfg, release_deps deps)
    : cfg_(std::move(cfg)), deps_(std::move(deps)) {
  if (!deps_.random_token) deps_.random_token = random_hex;
}

release_service::~release_service() { stop(); }

result<std::size_t> release_service::start() {
  auto recovered = deps_.log.recover_in_flight(
      "interrupted by a restart during delivery: the receiver may have accepted it, so it is not "
      "retried (release the message again to resend)");
  if (!recovered) return error{recovered.error_message()};
  for (const auto& [id, address] : *recovered) {
    log::line(log::level::warn, "delivery_interrupted")
        .kv("delivery", static_cast<long long>(id))
        .kv("rcpt", address)
        .emit();
  }
  std::lock_guard lock(mu_);
  if (cfg_.background && !started_) {
    for (unsigned i = 0; i < std::max(1u, cfg_.workers); ++i)
      workers_.emplace_back([this] { worker_loop(); });
    scheduler_ = std::thread([this] { scheduler_loop(); });
  }
  started_ = true;
  return recovered->size();
}

void release_service::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  sched_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

release_settings release_service::settings() const {
  release_settings s;
  s.enabled = cfg_.enabled;
  s.mode = cfg_.mode;
  s.smtp_server = cfg_.mode == "relay" ? cfg_.smart_host : "";
  s.allowed_recipients = cfg_.policy.allowed();
  s.blocked_recipients = cfg_.policy.blocked();
  s.allow_any = cfg_.policy.allow_any();
  s.return_path = cfg_.return_path;
  s.override_from = cfg_.override_from;
  s.preserve_message_ids = !cfg_.new_message_id;
  return s;
}

release_result release_service::release(const release_call& call) {
  release_result out;
  auto fail = [&out](release_failure kind, std::string why) {
    out.failure = kind;
    out.message = std::move(why);
    return out;
  };
  if (!cfg_.enabled) return fail(release_failure::not_configured, "release is not configured");
  {
    std::lock_guard lock(mu_);
    if (stopping_) return fail(release_failure::not_configured, "release is shutting down");
  }

  std::vector<std::string> to;
  for (const auto& r : call.to) {
    if (std::none_of(to.begin(), to.end(), [&](const std::string& t) { return lower(t) == lower(r); }))
      to.push_back(r);
  }
  if (auto refused = cfg_.policy.check(to); !refused.empty()) {
    return fail(release_failure::refused, join_lines(refused));
  }
  auto src = deps_.load(call.uid);
  if (!src) return fail(release_failure::not_found, "Message not found");

  std::string mail_from = cfg_.return_path;
  if (mail_from.empty()) mail_from = src->return_path;
  if (mail_from.empty()) mail_from = src->env.mail_from;
  if (mail_from.empty() && src->from) mail_from = *src->from;

  const std::int64_t now = deps_.now_ms();
  prepare_request prep;
  prep.uid = call.uid;
  prep.now_ms = now;
  prep.override_from = cfg_.override_from;
  if (cfg_.new_message_id) prep.new_message_id = deps_.random_token() + "@" + cfg_.hostname;

  new_delivery nd;
  nd.uid = call.uid;
  nd.created_ms = now;
  nd.mode = call.via ? "relay" : cfg_.mode;
  nd.mail_from = mail_from;
  nd.data = deps_.prepare(src->raw, prep);
  nd.via = call.via;
  nd.recipients = to;
  auto id = deps_.log.create(nd);
  if (!id) return fail(release_failure::store, "cannot record the delivery: " + id.error_message());
  out.delivery_id = *id;
  if (call.via && !call.via_password.empty()) {
    std::lock_guard lock(passwords_mu_);
    via_passwords_[*id] = call.via_password;
  }
  log::line(log::level::info, "release")
      .kv("uid", call.uid)
      .kv("delivery", static_cast<long long>(*id))
      .kv("mode", nd.mode)
      .kv("rcpts", static_cast<long long>(to.size()))
      .emit();
  deps_.events.delivery_changed(delivery_change{call.uid, *id, "", "pending", ""});

  std::vector<recipient_record> recs;
  for (const auto& r : to)
    recs.push_back(recipient_record{r, recipient_state::in_flight, 0, "", std::nullopt});
  auto groups = group_recipients(nd.mode, call.via, call.via_password, std::move(recs));
  std::mutex results_mu;
  std::vector<recipient_update> updates;
  std::vector<std::function<void()>> jobs;
  for (const auto& g : groups) {
    jobs.push_back([&, g] {
      auto u = run_group(*id, call.uid, nd.mail_from, nd.data, g);
      std::lock_guard lock(results_mu);
      updates.insert(updates.end(), u.begin(), u.end());
    });
  }
  run_all(std::move(jobs));

  for (const auto& r : to) {
    recipient_record rec{r, recipient_state::failed, 1, "no outcome", std::nullopt};
    for (const auto& u : updates) {
      if (u.address == r) {
        rec.state = u.state;
        rec.last_reply = u.last_reply;
        rec.next_attempt_ms = u.next_attempt_ms;
      }
    }
    out.recipients.push_back(std::move(rec));
  }
  return out;
}

result<std::vector<delivery_record>> release_service::deliveries(const std::string& uid) {
  return deps_.log.for_message(uid);
}

std::vector<release_service::group> release_service::group_recipients(
    const std::string& mode, const std::optional<route_override>& via, const std::string& via_password,
    std::vector<recipient_record> recipients) const {
  std::vector<group> groups;
  for (auto& r : recipients) {
    const std::string domain = (mode == "mx" && !via) ? domain_of(r.address) : "";
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const group& g) { return g.how.domain == domain; });
    if (it == groups.end()) {
      groups.push_back(group{route{mode, domain, via, via_password}, {}});
      it = groups.end() - 1;
    }
    it->recipients.push_back(std::move(r));
  }
  return groups;
}

std::vector<recipient_update> release_service::run_group(std::uint64_t delivery_id, const std::string& uid,
                                                         const std::string& mail_from,
                                                         const std::string& data, const group& g) {
  std::vector<std::string> rcpts;
  for (const auto& r : g.recipients) rcpts.push_back(r.address);
  const std::int64_t started = deps_.now_ms();
  delivery_report rep;
  try {
    rep = deps_.transport(g.how, mail_from, rcpts, data);
  } catch (const std::exception& e) {
    rep = delivery_report{};
    for (const auto& r : rcpts)
      rep.recipients.push_back(rcpt_outcome{r, rcpt_status::temporary, 0, e.what()});
  }
  const std::int64_t now = deps_.now_ms();

  std::vector<recipient_update> updates;
  bool any_deferred = false;
  for (const auto& r : g.recipients) {
    rcpt_outcome o{r.address, rcpt_status::temporary, 0, "no outcome reported for this recipient"};
    for (const auto& x : rep.recipients) {
      if (lower(x.address) == lower(r.address)) o = x;
    }
    recipient_update u;
    u.address = r.address;
    u.last_reply = reply_text(o);
    const std::uint32_t made = r.attempts + 1;
    switch (judge(o)) {
      case rcpt_status::delivered:
        u.state = recipient_state::delivered;
        break;
      case rcpt_status::permanent:
        u.state = recipient_state::failed;
        break;
      case rcpt_status::temporary:
        if (auto delay = cfg_.retry.delay_after(made)) {
          u.state = recipient_state::deferred;
          u.next_attempt_ms = now + *delay;
          any_deferred = true;
        } else {
          u.state = recipient_state::failed;
          u.last_reply = "gave up after " + std::to_string(made) + " attempts: " + u.last_reply;
        }
        break;
    }
    updates.push_back(std::move(u));
  }

  std::vector<attempt_record> attempts;
  for (auto& a : rep.attempts) {
    const std::int64_t at = a.transcript.empty() ? started : a.transcript.front().at_ms;
    attempts.push_back(attempt_record{at, std::move(a)});
  }
  if (auto st = deps_.log.record(delivery_id, attempts, updates); !st) {
    log::line(log::level::error, "delivery_log_failed")
        .kv("delivery", static_cast<long long>(delivery_id))
        .kv("error", st.error_message())
        .emit();
  }
  for (const auto& u : updates) {
    log::line(u.state == recipient_state::failed ? log::level::warn : log::level::info, "delivery")
        .kv("uid", uid)
        .kv("delivery", static_cast<long long>(delivery_id))
        .kv("rcpt", u.address)
        .kv("status", state_name(u.state))
        .kv("reply", u.last_reply)
        .emit();
    deps_.events.delivery_changed(
        delivery_change{uid, delivery_id, u.address, api_status(u.state), u.last_reply});
  }
  if (any_deferred) {
    std::lock_guard lock(mu_);
    wake_ = true;
    sched_cv_.notify_all();
  }
  return updates;
}

void release_service::run_all(std::vector<std::function<void()>> jobs) {
  if (!cfg_.background || !started_) {
    for (auto& j : jobs) j();
    return;
  }
  auto left = std::make_shared<std::size_t>(jobs.size());
  auto done_mu = std::make_shared<std::mutex>();
  auto done_cv = std::make_shared<std::condition_variable>();
  {
    std::unique_lock lock(mu_);
    if (stopping_) {  // the workers may be gone: finish here
      lock.unlock();
      for (auto& j : jobs) j();
      return;
    }
    for (auto& j : jobs) {
      queue_.push_back([j = std::move(j), left, done_mu, done_cv] {
        j();
        std::lock_guard l(*done_mu);
        if (--*left == 0) done_cv->notify_all();
      });
    }
  }
  queue_cv_.notify_all();
  std::unique_lock l(*done_mu);
  done_cv->wait(l, [&] { return *left == 0; });
}

std::size_t release_service::run_due() {
  auto due = deps_.log.claim_due(deps_.now_ms(), cfg_.batch);
  if (!due) {
    log::line(log::level::error, "delivery_queue_failed").kv("error", due.error_message()).emit();
    return 0;
  }
  std::size_t tried = 0;
  std::vector<std::function<void()>> jobs;
  for (auto& c : *due) {
    auto p = deps_.log.payload(c.delivery_id);
    if (!p || !*p) continue;  // cannot happen while the rows exist; they stay in_flight for recovery
    std::string password;
    if ((*p)->via) {
      std::lock_guard lock(passwords_mu_);
      auto it = via_passwords_.find(c.delivery_id);
      if (it != via_passwords_.end()) password = it->second;
    }
    tried += c.recipients.size();
    auto payload = std::make_shared<delivery_payload>(std::move(**p));
    for (auto& g : group_recipients(payload->mode, payload->via, password, std::move(c.recipients))) {
      jobs.push_back([this, id = c.delivery_id, payload, g = std::move(g)] {
        run_group(id, payload->uid, payload->mail_from, payload->data, g);
      });
    }
  }
  run_all(std::move(jobs));
  return tried;
}

void release_service::scheduler_loop() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      wake_ = false;
    }
    if (run_due() > 0) continue;
    std::int64_t wait_ms = 60'000;
    if (auto next = deps_.log.next_due(); next && *next)
      wait_ms = std::clamp<std::int64_t>(**next - deps_.now_ms(), 0, 60'000);
    if (wait_ms == 0) wait_ms = 10;  // due now but claimed by nobody yet: look again shortly
    std::unique_lock lock(mu_);
    sched_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_ || wake_; });
  }
}

void release_service::worker_loop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace mailjar::relay
