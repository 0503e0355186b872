// Ingest: the one path every new message takes — parse (MIME: on the CPU executor, or on the
// caller's thread for small messages) → store (group commit) → publish (only after the commit). Sees only
// ports: message_store, event_sink, and an executor function for CPU work. Thread-safe; `done` runs on the
// store's thread (callers post it back to their own executor).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/types.hpp"
#include "mime/parser.hpp"
#include "ports/event_sink.hpp"
#include "ports/message_store.hpp"

namespace mailjar::ingest {

using executor_fn = std::function<void(std::function<void()>)>;

struct ingest_outcome {
  bool stored = false;
  std::string uid;     // when stored
  std::string reason;  // when not
};

struct ingest_stats {
  std::uint64_t accepted = 0;  // stored and acknowledged
  std::uint64_t accepted_bytes = 0;
  std::uint64_t failed = 0;  // answered 451
};

class ingest_service {
 public:
  // Messages of at most `parse_here_max_bytes` are parsed on the thread that calls ingest()
  // instead of through `cpu`: for small messages the hand-off to another thread costs more
  // than the parse. A small message with more than `parse_here_max_entity_lines` MIME entity
  // lines (mime/entity_lines.hpp: hostile ones, 4 000 empty parts in 16 KiB) goes through `cpu`
  // too, so it cannot hold the caller's thread for milliseconds. 0 sends every message through
  // `cpu`.
  ingest_service(message_store& store, event_sink& events, executor_fn cpu, mime::parse_limits limits = {},
                 std::size_t parse_here_max_bytes = 0);

  static constexpr std::size_t parse_here_max_entity_lines = 64;

  void ingest(envelope env, std::string raw, std::function<void(ingest_outcome)> done);
  ingest_stats stats() const;

 private:
  message_store& store_;
  event_sink& events_;
  executor_fn cpu_;
  mime::parse_limits limits_;
  std::size_t parse_here_max_bytes_;
  std::atomic<std::uint64_t> accepted_{0}, accepted_bytes_{0}, failed_{0};
};

}  // namespace mailjar::ingest
