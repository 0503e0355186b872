#include "api/time_zone.hpp"

#include <cctype>
#include <fstream>
#include <iterator>

#include "api/time_format.hpp"

namespace mailjar::api {

namespace {

std::int64_t be(std::string_view s, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

bool parse_numeric_offset(std::string_view s, int& out) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    digits += s[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return false;
  int hours = std::stoi(digits.substr(0, 2));
  int minutes = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
  if (hours > 14 || minutes > 59) return false;
  out = (hours * 60 + minutes) * (s[0] == '-' ? -1 : 1);
  return true;
}

bool valid_zone_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '/' || s.back() == '/') return false;
  if (s.find("..") != std::string_view::npos || s.find("//") != std::string_view::npos) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return s.front() != '-' && s.front() != '.';
}

}  // namespace

bool tzif_offset(std::string_view d, std::int64_t at, int& offset_minutes) {
  auto header_ok = [&](std::size_t at_off) {
    return d.size() >= at_off + 44 && d.substr(at_off, 4) == "TZif";
  };
  if (!header_ok(0)) return false;
  auto counts = [&](std::size_t h, std::int64_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = be(d, h + 20 + 4 * i, 4);
    for (int i = 0; i < 6; ++i)
      if (c[i] < 0 || c[i] > 100000) return false;
    return true;
  };
  std::int64_t c[6];
  if (!counts(0, c)) return false;
  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  std::size_t base = 44;
  std::size_t time_size = 4;
  auto block_size = [&](std::size_t ts) {
    return static_cast<std::size_t>(c[3] * ts + c[3] + c[4] * 6 + c[5] + c[2] * (ts + 4) + c[1] + c[0]);
  };
  if (d[4] >= '2') {  // skip the 32-bit block: use the 64-bit one
    std::size_t h2 = base + block_size(4);
    if (!header_ok(h2) || !counts(h2, c)) return false;
    base = h2 + 44;
    time_size = 8;
  }
  if (d.size() < base + block_size(time_size) || c[4] == 0) return false;
  std::size_t times = base;
  std::size_t idx = times + static_cast<std::size_t>(c[3]) * time_size;
  std::size_t types = idx + static_cast<std::size_t>(c[3]);
  // The first non-DST type (or type 0) applies before the first transition.
  std::int64_t type = 0;
  for (std::int64_t i = 0; i < c[4]; ++i) {
    if (d[types + static_cast<std::size_t>(i) * 6 + 4] == 0) {
      type = i;
      break;
    }
  }
  for (std::int64_t i = 0; i < c[3]; ++i) {
    std::int64_t t = be(d, times + static_cast<std::size_t>(i) * time_size, time_size);
    if (t > at) break;
    type = static_cast<unsigned char>(d[idx + static_cast<std::size_t>(i)]);
  }
  if (type >= c[4]) return false;
  offset_minutes = static_cast<int>(be(d, types + static_cast<std::size_t>(type) * 6, 4) / 60);
  return true;
}

outcome<int> tz_offset_minutes(std::string_view tz, std::int64_t at_ms, const std::string& zoneinfo_dir) {
  if (tz.empty() || tz == "Local") return local_offset_minutes(at_ms);
  if (tz == "UTC" || tz == "Z" || tz == "GMT" || tz == "Etc/UTC") return 0;
  int off = 0;
  if (parse_numeric_offset(tz, off)) return off;
  api_error unknown = bad_request("unknown time zone: " + std::string(tz));
  if (!valid_zone_name(tz)) return unknown;
  std::ifstream in(zoneinfo_dir + "/" + std::string(tz), std::ios::binary);
  if (!in) return unknown;
  std::string data;
  data.resize(1 << 20);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  std::int64_t at_s = at_ms >= 0 ? at_ms / 1000 : -((-at_ms + 999) / 1000);
  if (!tzif_offset(data, at_s, off)) return unknown;
  return off;
}

}  // namespace mailjar::api
