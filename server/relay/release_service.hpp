// The release engine — mailjar's tiny queue manager (issue 5). release() checks the recipient
// policy, prepares the outbound bytes once, persists the delivery (recipients in_flight) BEFORE
// the first attempt, runs one transport call per group (MX mode: one per recipient domain; smart
// host or MailHog's one-off host: all recipients together) on its own worker threads, waits
// until each recipient has a first outcome, and records every attempt with its transcript.
// Deferred recipients are retried by a scheduler thread following the retry schedule; the
// delivery log persists all state, so a restart resumes them. Temporary vs permanent is judged
// by release_policy.hpp only.
//
// Duplicates: a delivered recipient is never sent again (only pending/deferred rows are ever
// claimed, and claiming marks them in_flight in the same transaction). A recipient found
// in_flight at start() was in a session when the process died; the receiver may already have
// accepted it, so it is marked failed ("interrupted ... not retried to avoid a duplicate")
// rather than sent again: a release can be repeated by hand, a duplicate cannot be taken back.
//
// Threads: release() blocks its caller (an API worker or the auto-release thread) while the
// work runs on the engine's pool; the scheduler thread claims due recipients in batches and
// runs them on the same pool. Nothing runs on a network thread or the store's writer.
// Thread-safe. stop() (or the destructor) waits for sessions in flight.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/types.hpp"
#include "ports/event_sink.hpp"
#include "ports/release_port.hpp"
#include "relay/delivery_records.hpp"
#include "relay/release_policy.hpp"
#include "relay/retry_schedule.hpp"

namespace mailjar::relay {

// What release needs of a stored message.
struct source_message {
  std::string raw;
  envelope env;
  std::string return_path;          // parsed Return-Path addr-spec, "" when none
  std::optional<std::string> from;  // From addr-spec
};

// How one group is sent: the configured route, or a one-off host (MailHog).
struct route {
  std::string mode;    // "relay" | "mx"
  std::string domain;  // MX mode: the recipients' domain
  std::optional<route_override> via;
  std::string via_password;
};

struct prepare_request {
  std::string uid;
  std::int64_t now_ms = 0;
  std::string override_from;
  std::string new_message_id;  // "" keeps the message's own
};

struct release_config {
  bool enabled = false;
  std::string mode = "relay";  // "relay" (smart host) | "mx"
  std::string smart_host;      // "host:port", shown by /api/v1/webui
  release_policy policy;
  retry_schedule retry = retry_schedule({60'000, 300'000, 900'000, 3'600'000, 14'400'000});
  std::string return_path;    // --relay-return-path: envelope sender for every release
  std::string override_from;  // --relay-override-from
  bool new_message_id = false;
  std::string hostname = "localhost";  // right side of new Message-IDs
  unsigned workers = 4;                // concurrent SMTP sessions
  std::size_t batch = 50;              // recipients claimed per scheduler round
  // false: no threads at all; release() and run_due() do the work on the calling thread (tests).
  bool background = true;
};

struct release_deps {
  delivery_log& log;
  event_sink& events;
  std::function<std::optional<source_message>(const std::string& uid)> load;
  std::function<std::string(const std::string& raw, const prepare_request&)> prepare;
  std::function<delivery_report(const route&, const std::string& mail_from,
                                const std::vector<std::string>& rcpts, std::string_view data)>
      transport;
  std::function<std::int64_t()> now_ms;                 // Unix ms; injectable for tests
  std::function<std::string()> random_token = nullptr;  // for new Message-IDs (default: random hex)
};

class release_service final : public release_port {
 public:
  release_service(release_config cfg, release_deps deps);
  ~release_service() override;
  release_service(const release_service&) = delete;
  release_service& operator=(const release_service&) = delete;

  // Marks recipients left in flight by a previous process failed (see above), then starts the
  // worker pool and the scheduler (when background). Returns the recipients so marked.
  result<std::size_t> start();
  void stop();

  release_settings settings() const override;
  release_result release(const release_call& call) override;
  result<std::vector<delivery_record>> deliveries(const std::string& uid) override;

  // Claim the recipients due now and run them (on the pool, or inline without background);
  // returns how many recipients were tried. The scheduler calls this; tests call it directly.
  std::size_t run_due();

 private:
  struct group {
    route how;
    std::vector<recipient_record> recipients;
  };
  std::vector<group> group_recipients(const std::string& mode, const std::optional<route_override>& via,
                                      const std::string& via_password,
                                      std::vector<recipient_record> recipients) const;
  // One transport run for one group; records and publishes; returns the new state of each.
  std::vector<recipient_update> run_group(std::uint64_t delivery_id, const std::string& uid,
                                          const std::string& mail_from, const std::string& data,
                                          const group& g);
  // Runs every job (on the pool when background) and waits for all.
  void run_all(std::vector<std::function<void()>> jobs);
  void scheduler_loop();
  void worker_loop();

  release_config cfg_;
  release_deps deps_;

  std::mutex mu_;
  std::condition_variable queue_cv_;  // jobs for the workers
  std::condition_variable sched_cv_;  // scheduler wake-ups
  bool stopping_ = false;
  bool started_ = false;
  bool wake_ = false;  // a recipient was deferred: the scheduler re-reads the next due time
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  std::thread scheduler_;
  std::mutex passwords_mu_;
  std::map<std::uint64_t, std::string> via_passwords_;  // MailHog one-off hosts: never stored
};

}  // namespace mailjar::relay
