#include "store/json_columns.hpp"

#include <nlohmann/json.hpp>

namespace mailjar::store {

namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Parse without exceptions; a discarded value is returned for anything malformed.
json parse(std::string_view text) { return json::parse(text.begin(), text.end(), nullptr, false); }

std::string string_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string addresses_to_json(const std::vector<address>& list) {
  json out = json::array();
  for (const auto& a : list) out.push_back({{"Name", a.name}, {"Address", a.addr}});
  return dump(out);
}

std::vector<address> addresses_from_json(std::string_view text) {
  std::vector<address> out;
  const json j = parse(text);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_object()) out.push_back({string_at(e, "Name"), string_at(e, "Address")});
  }
  return out;
}

std::string headers_to_json(const std::vector<header_field>& list) {
  json out = json::array();
  for (const auto& h : list) out.push_back(json::array({h.name, h.value}));
  return dump(out);
}

std::vector<header_field> headers_from_json(std::string_view text) {
  std::vector<header_field> out;
  const json j = parse(text);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      out.push_back({e[0].get<std::string>(), e[1].get<std::string>()});
    }
  }
  return out;
}

std::string strings_to_json(const std::vector<std::string>& list) { return dump(json(list)); }

std::vector<std::string> strings_from_json(std::string_view text) {
  std::vector<std::string> out;
  const json j = parse(text);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace mailjar::store
