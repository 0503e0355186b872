#include "api/json_body.hpp"

#include <cctype>

#include "api/mail_headers.hpp"

namespace mailjar::api {

namespace {

std::string type_name(const json& j) { return j.type_name(); }

// Deepest [ / { nesting outside strings; stops counting past the limit.
std::size_t nesting_depth(std::string_view s) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > max_json_depth) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0)
      --depth;
  }
  return deepest;
}

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
std::string without_prefix(const std::string& what) {
  if (!what.empty() && what.front() == '[') {
    auto close = what.find("] ");
    if (close != std::string::npos) return what.substr(close + 2);
  }
  return what;
}

}  // namespace

const json* find_field(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(name)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (iequals(it.key(), name)) return &it.value();
  return nullptr;
}

std::string string_field(const json& obj, std::string_view name) {
  const json* f = find_field(obj, name);
  if (f == nullptr || f->is_null()) return {};
  if (!f->is_string()) throw dto_error(std::string(name) + " must be a string, not " + type_name(*f));
  return f->get<std::string>();
}

bool bool_field(const json& obj, std::string_view name) {
  const json* f = find_field(obj, name);
  if (f == nullptr || f->is_null()) return false;
  if (!f->is_boolean()) throw dto_error(std::string(name) + " must be a boolean, not " + type_name(*f));
  return f->get<bool>();
}

std::vector<std::string> string_array_field(const json& obj, std::string_view name) {
  const json* f = find_field(obj, name);
  if (f == nullptr || f->is_null()) return {};
  if (!f->is_array())
    throw dto_error(std::string(name) + " must be an array of strings, not " + type_name(*f));
  std::vector<std::string> out;
  out.reserve(f->size());
  for (const auto& e : *f) {
    if (!e.is_string()) throw dto_error(std::string(name) + " must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> string_map_field(const json& obj, std::string_view name) {
  const json* f = find_field(obj, name);
  if (f == nullptr || f->is_null()) return {};
  if (!f->is_object())
    throw dto_error(std::string(name) + " must be an object of strings, not " + type_name(*f));
  std::map<std::string, std::string> out;
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it.value().is_string()) throw dto_error(std::string(name) + "." + it.key() + " must be a string");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

void require_object(const json& j, std::string_view what) {
  if (!j.is_object()) throw dto_error(std::string(what) + " must be a JSON object, not " + type_name(j));
}

bool body_is_empty(const request& req) {
  for (char c : req.body)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

outcome<json> parse_body_object(const request& req) {
  if (body_is_empty(req)) return bad_request("request body is empty: a JSON object is expected");
  if (nesting_depth(req.body) > max_json_depth) return bad_request("invalid JSON: nested too deeply");
  json j;
  try {
    j = json::parse(req.body);
  } catch (const json::exception& e) {
    return bad_request("invalid JSON: " + without_prefix(e.what()));
  }
  if (!j.is_object()) return bad_request("invalid JSON: the body must be an object, not " + type_name(j));
  return j;
}

}  // namespace mailjar::api
