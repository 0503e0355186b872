#include "ingest/ingest_service.hpp"

#include "core/message_summary.hpp"
#include "core/message_uid.hpp"
#include "mime/entity_lines.hpp"

namespace mailjar::ingest {

ingest_service::ingest_service(message_store& store, event_sink& events, executor_fn cpu,
                               mime::parse_limits limits, std::size_t parse_here_max_bytes)
    : store_(store),
      events_(events),
      cpu_(std::move(cpu)),
      limits_(limits),
      parse_here_max_bytes_(parse_here_max_bytes) {}

void ingest_service::ingest(envelope env, std::string raw, std::function<void(ingest_outcome)> done) {
  auto msg = std::make_shared<new_message>();
  msg->uid = new_message_uid();
  msg->env = std::move(env);
  msg->raw = std::move(raw);
  const bool here =
      msg->raw.size() <= parse_here_max_bytes_ &&
      mime::count_entity_lines(msg->raw, parse_here_max_entity_lines) <= parse_here_max_entity_lines;
  auto parse_and_store = [this, msg, done = std::move(done)]() mutable {
    msg->parsed = mime::parse_message(msg->raw, limits_);
    std::shared_ptr<const new_message> frozen = msg;
    store_.store(frozen, [this, frozen, done = std::move(done)](store_outcome out) {
      if (!out.ok) {
        failed_.fetch_add(1, std::memory_order_relaxed);
        done(ingest_outcome{false, {}, out.error});
        return;
      }
      accepted_.fetch_add(1, std::memory_order_relaxed);
      accepted_bytes_.fetch_add(frozen->raw.size(), std::memory_order_relaxed);
      // Publish before answering: `done` may let its caller tear down (a test, a shutdown), so
      // nothing of this object may be touched after it.
      events_.message_added(summarize(frozen->uid, frozen->env, frozen->parsed, frozen->raw.size()));
      done(ingest_outcome{true, frozen->uid, {}});
    });
  };
  if (here) {
    parse_and_store();
  } else {
    cpu_(std::move(parse_and_store));
  }
}

ingest_stats ingest_service::stats() const {
  return {accepted_.load(), accepted_bytes_.load(), failed_.load()};
}

}  // namespace mailjar::ingest
