// Base64 (RFC 4648) for SASL exchanges: encoding via OpenSSL, strict decoding (canonical
// alphabet, padding required, no whitespace) so malformed client input is refused rather than
// guessed at. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailjar::smtp {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mailjar::smtp
