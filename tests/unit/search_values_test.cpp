// Sizes (Mailpit's sizeToBytes: 1024-based K/KB/M/MB, decimals) and dates (ISO, US, month
// names, timestamps; local to the tz offset unless the date names its own).
#include <catch2/catch.hpp>

#include <limits>
#include <optional>
#include <string>

#include "search/values.hpp"

using mailjar::search::parse_date;
using mailjar::search::parse_size;

TEST_CASE("parse_size: units are 1024-based and case-insensitive", "[search]") {
  struct row {
    std::string in;
    std::int64_t bytes;
  };
  const row rows[] = {
      {"100", 100},
      {"2K", 2048},
      {"2k", 2048},
      {"2KB", 2048},
      {"2kB", 2048},
      {"2M", 2 * 1024 * 1024},
      {"2mb", 2 * 1024 * 1024},
      {"1.5m", 1572864},
      {"1.5 MB", 1572864},
      {"0.5k", 512},
      {"0", 0},  // zero is "not a size": Mailpit then searches the text
      {"", 0},
      {"2G", 0},
      {"2GB", 0},
      {"2 ", 0},
      {"1.k", 0},
      {"k", 0},
      {"-5", 0},
      {"5kbytes", 0},
      {"2  M", 0},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(parse_size(r.in) == r.bytes);
  }
  CHECK(parse_size("99999999999999999999999") == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("parse_date: accepted forms, in UTC", "[search]") {
  const std::int64_t jan31 = 1769817600000;  // 2026-01-31T00:00:00Z
  struct row {
    std::string in;
    std::optional<std::int64_t> ms;
  };
  const row rows[] = {
      {"2026-01-31", jan31},
      {"2026/01/31", jan31},
      {"2026.1.31", jan31},
      {"20260131", jan31},
      {"01/31/2026", jan31},
      {"31 jan 2026", jan31},
      {"31-Jan-2026", jan31},
      {"Jan 31 2026", jan31},
      {"January 31 2026", jan31},
      {"2026-01-31T10:20", jan31 + (10 * 60 + 20) * 60'000},
      {"2026-01-31t10:20:30Z", jan31 + ((10 * 60 + 20) * 60 + 30) * 1000},
      {"2026-01-31 10:20:30.250", jan31 + ((10 * 60 + 20) * 60 + 30) * 1000 + 250},
      {"2026-01-31T10:00:00+02:00", jan31 + 8 * 3'600'000},
      {"2026-01-31T10:00:00-0130", jan31 + (11 * 60 + 30) * 60'000},
      {"2026-01-31T10:00 UTC", jan31 + 10 * 3'600'000},
      {"1769817600", jan31},
      {"1769817600000", jan31},
      {"2024-02-29", 1709164800000},
      {"2026-02-29", std::nullopt},
      {"2026-13-01", std::nullopt},
      {"2026-00-10", std::nullopt},
      {"2026-01-32", std::nullopt},
      {"2026-01-31T24:00", std::nullopt},
      {"2026-01-31T10:61", std::nullopt},
      {"2026-01-31T10:00+99:00", std::nullopt},
      {"yesterday", std::nullopt},
      {"31.13.2026", std::nullopt},
      {"2026-01", std::nullopt},
      {"12345", std::nullopt},
      {"", std::nullopt},
      {"2026-01-31garbage", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(parse_date(r.in, 0) == r.ms);
  }
}

TEST_CASE("parse_date: the tz offset applies only to dates without their own", "[search]") {
  const std::int64_t jan31 = 1769817600000;
  CHECK(parse_date("2026-01-31", 60) == jan31 - 3'600'000);       // midnight in UTC+1
  CHECK(parse_date("2026-01-31", -330) == jan31 + 330 * 60'000);  // midnight in UTC-5:30
  CHECK(parse_date("2026-01-31T00:00Z", 60) == jan31);
  CHECK(parse_date("2026-01-31T00:00+00:00", -600) == jan31);
  CHECK(parse_date("1769817600", 120) == jan31);  // a timestamp has no zone
}
