#include "core/message_uid.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace mailjar {

namespace {
constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t uid_length = 22;
}  // namespace

std::string new_message_uid() {
  std::array<unsigned char, uid_length * 2> bytes{};
  std::string out;
  out.reserve(uid_length);
  while (out.size() < uid_length) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    for (unsigned char b : bytes) {
      // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
      if (b < 248 && out.size() < uid_length) out.push_back(alphabet[b % 62]);
    }
  }
  return out;
}

bool is_valid_message_uid(std::string_view s) {
  if (s.size() != uid_length) return false;
  for (char c : s) {
    if (alphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace mailjar
