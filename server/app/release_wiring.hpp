// Composition of the release feature (issue 5) for application.cpp: the SQLite delivery log,
// the c-ares MX resolver and the Asio SMTP client behind the release engine's transport
// function (smart host, MX mode, or MailHog's one-off host), outbound message preparation, and
// --relay-auto subscribed to the event bus. Built only when release is configured. Owns all of
// it; the destructor unsubscribes auto-release and stops the engine (sessions in flight finish).
// Not thread-safe to build; the service it exposes is.
#pragma once

#include <cstdint>
#include <memory>

#include "app/config.hpp"
#include "core/result.hpp"
#include "events/event_bus.hpp"
#include "ports/mailbox.hpp"
#include "ports/release_port.hpp"

namespace mailjar::app {

class release_wiring {
 public:
  // Opens the delivery log on cfg.db_path (already migrated by the message store), recovers
  // deliveries left in flight, starts the engine's threads and --relay-auto.
  static result<std::unique_ptr<release_wiring>> start(const config& cfg, mailbox& box,
                                                       events::event_bus& bus);
  ~release_wiring();
  release_port& port();

 private:
  release_wiring() = default;
  struct parts;
  std::unique_ptr<parts> p_;
  events::event_bus* bus_ = nullptr;
  std::uint64_t subscription_ = 0;
};

}  // namespace mailjar::app
