// What the delivery engine keeps about each release, and the interface of the place that keeps
// it (implemented over SQLite by store::delivery_store; schema version 4).
//
// A delivery is one release of one message: the outbound bytes exactly as sent (so a retry
// sends the same Message-ID), the envelope sender, the route (smart host, MX, or a one-off host
// given by MailHog's release body), one row per recipient and one per SMTP session attempted.
//
// Recipient states: pending (created, not tried), in_flight (a session with it is running),
// delivered, deferred (next_attempt_ms set), failed. The API shows in_flight as "pending".
// Duplicates are avoided by claiming: a recipient is switched to in_flight in the same
// transaction that selects it, and only pending/deferred rows are ever claimed. A row found
// in_flight when the store opens belonged to a session cut short by a crash: the receiver may
// or may not have accepted it, so it is NOT retried (see recover_in_flight).
//
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "relay/relay_types.hpp"

namespace mailjar::relay {

enum class recipient_state { pending, in_flight, delivered, deferred, failed };
const char* state_name(recipient_state s);  // "pending", "in_flight", ...
std::optional<recipient_state> state_from_name(const std::string& s);
const char* api_status(recipient_state s);  // in_flight -> "pending"

// A one-off smart host (MailHog's release body). The password is never stored.
struct route_override {
  std::string host;
  std::uint16_t port = 25;
  std::string user;
  std::string mechanism;  // "", "PLAIN", "LOGIN", "CRAM-MD5"
};

struct new_delivery {
  std::string uid;  // the released message
  std::int64_t created_ms = 0;
  std::string mode;  // "relay" | "mx"
  std::string mail_from;
  std::string data;  // outbound message, CRLF-canonical
  std::optional<route_override> via;
  std::vector<std::string> recipients;  // stored in_flight: the first attempt starts at once
};

struct recipient_record {
  std::string address;
  recipient_state state = recipient_state::pending;
  std::uint32_t attempts = 0;
  std::string last_reply;
  std::optional<std::int64_t> next_attempt_ms;
};

struct attempt_record {
  std::int64_t time_ms = 0;  // when the session started
  attempt session;
};

struct delivery_record {
  std::uint64_t id = 0;
  std::string uid;
  std::int64_t created_ms = 0;
  std::string mode;
  std::string mail_from;
  std::optional<route_override> via;
  std::vector<recipient_record> recipients;
  std::vector<attempt_record> attempts;  // oldest first
};

// What a delivery needs to be sent again.
struct delivery_payload {
  std::string uid;
  std::string mode;
  std::string mail_from;
  std::string data;
  std::optional<route_override> via;
};

// Recipients of one delivery claimed for an attempt (switched to in_flight).
struct claimed {
  std::uint64_t delivery_id = 0;
  std::vector<recipient_record> recipients;  // state as before the claim
};

// The outcome of one run for one recipient.
struct recipient_update {
  std::string address;
  recipient_state state = recipient_state::deferred;
  std::string last_reply;
  std::optional<std::int64_t> next_attempt_ms;  // deferred only
};

class delivery_log {
 public:
  virtual ~delivery_log() = default;
  // Persist a delivery with its recipients in_flight (attempts 0); returns its id.
  virtual result<std::uint64_t> create(const new_delivery& d) = 0;
  // One transaction: the sessions tried, then each recipient's new state (attempts + 1).
  virtual status record(std::uint64_t delivery_id, const std::vector<attempt_record>& attempts,
                        const std::vector<recipient_update>& updates) = 0;
  // Claim (switch to in_flight) deferred/pending recipients due at `now_ms`, at most `limit`.
  virtual result<std::vector<claimed>> claim_due(std::int64_t now_ms, std::size_t limit) = 0;
  // The earliest next_attempt_ms of a deferred recipient; nullopt when none.
  virtual result<std::optional<std::int64_t>> next_due() = 0;
  virtual result<std::optional<delivery_payload>> payload(std::uint64_t delivery_id) = 0;
  // Every delivery of a message, oldest first.
  virtual result<std::vector<delivery_record>> for_message(const std::string& uid) = 0;
  // At start-up: in_flight rows become failed with `reply`; returns (delivery_id, address) of each.
  virtual result<std::vector<std::pair<std::uint64_t, std::string>>> recover_in_flight(
      const std::string& reply) = 0;
};

}  // namespace mailjar::relay
