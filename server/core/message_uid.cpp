#include "core/message_uid.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <stdexcept>

namespace mailjar {

namespace {
// ASCII order: with this alphabet and a fixed width, string order is numeric order.
constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t uid_length = 22;
constexpr std::size_t time_digits = 8;  // 62^8 ms ~ 6 900 years
}  // namespace

std::string new_message_uid(std::int64_t unix_ms) {
  std::string out(time_digits, '0');
  auto t = static_cast<std::uint64_t>(unix_ms < 0 ? 0 : unix_ms);
  for (std::size_t i = time_digits; i-- > 0;) {
    out[i] = alphabet[t % 62];
    t /= 62;
  }
  std::array<unsigned char, uid_length * 2> bytes{};
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

std::string new_message_uid() {
  using namespace std::chrono;
  return new_message_uid(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

bool is_valid_message_uid(std::string_view s) {
  if (s.size() != uid_length) return false;
  for (char c : s) {
    if (alphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace mailjar
