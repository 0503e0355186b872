#include "relay/delivery_records.hpp"

namespace mailjar::relay {

namespace {
constexpr const char* k_names[] = {"pending", "in_flight", "delivered", "deferred", "failed"};
}

const char* state_name(recipient_state s) { return k_names[static_cast<int>(s)]; }

std::optional<recipient_state> state_from_name(const std::string& s) {
  for (int i = 0; i < 5; ++i) {
    if (s == k_names[i]) return static_cast<recipient_state>(i);
  }
  return std::nullopt;
}

const char* api_status(recipient_state s) {
  return s == recipient_state::in_flight ? "pending" : state_name(s);
}

}  // namespace mailjar::relay
