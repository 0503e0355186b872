#include "search/values.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

namespace mailjar::search {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool valid_date(int y, int m, int d) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= days[static_cast<std::size_t>(m - 1)] + (m == 2 && leap(y) ? 1 : 0);
}

// A cursor over the lower-cased date text.
class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool eat_any(std::string_view set) {
    if (done() || set.find(peek()) == std::string_view::npos) return false;
    ++i_;
    return true;
  }
  bool eat_word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  void skip_spaces() {
    while (peek() == ' ') ++i_;
  }
  // Between min and max digits; -1 when fewer than min.
  int number(std::size_t min, std::size_t max) {
    std::size_t n = 0;
    int v = 0;
    while (n < max && is_digit(peek())) {
      v = v * 10 + (peek() - '0');
      ++i_;
      ++n;
    }
    return n >= min ? v : -1;
  }
  // A month name (3 letters or in full), 1-12, or 0.
  int month_name() {
    static constexpr std::array<std::string_view, 12> names = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december"};
    std::size_t n = 0;
    while (i_ + n < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_ + n]))) ++n;
    const std::string_view word = s_.substr(i_, n);
    if (word.size() < 3) return 0;
    for (std::size_t m = 0; m < names.size(); ++m) {
      if (names[m].substr(0, word.size()) == word &&
          (word.size() == 3 || word == names[m] || (m == 8 && word == "sept"))) {
        i_ += n;
        return static_cast<int>(m + 1);
      }
    }
    return 0;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

struct civil {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  std::optional<int> offset_minutes;  // explicit zone
};

// [T or space]HH:MM[:SS[.fraction]] then an optional zone; true when the rest is consumed.
bool time_and_zone(cursor& c, civil& out) {
  if (c.done()) return true;
  if (!c.eat('t')) {
    if (c.peek() != ' ') return false;
    c.skip_spaces();
  }
  if (c.done()) return true;
  out.hour = c.number(1, 2);
  if (out.hour < 0 || out.hour > 23 || !c.eat(':')) return false;
  out.minute = c.number(2, 2);
  if (out.minute < 0 || out.minute > 59) return false;
  if (c.eat(':')) {
    out.second = c.number(2, 2);
    if (out.second < 0 || out.second > 60) return false;
    if (c.eat('.') || c.eat(',')) {
      int digits = 0, ms = 0;
      while (is_digit(c.peek())) {
        if (digits < 3) ms = ms * 10 + (c.peek() - '0');
        ++digits;
        c.eat(c.peek());
      }
      if (digits == 0) return false;
      for (int d = digits; d < 3; ++d) ms *= 10;
      out.millis = ms;
    }
  }
  c.skip_spaces();
  if (c.done()) return true;
  if (c.eat('z') || c.eat_word("utc") || c.eat_word("gmt")) {
    out.offset_minutes = 0;
  }
  if (c.peek() == '+' || c.peek() == '-') {
    const int sign = c.peek() == '-' ? -1 : 1;
    c.eat(c.peek());
    const int hh = c.number(2, 2);
    if (hh < 0 || hh > 14) return false;
    int mm = 0;
    if (c.eat(':')) {
      mm = c.number(2, 2);
      if (mm < 0) return false;
    } else if (is_digit(c.peek())) {
      mm = c.number(2, 2);
      if (mm < 0) return false;
    }
    if (mm > 59) return false;
    out.offset_minutes = sign * (hh * 60 + mm);
  }
  return c.done();
}

std::optional<civil> read_civil(std::string_view text) {
  civil out;
  // ISO order: YYYY-MM-DD (also / and .)
  {
    cursor c(text);
    out = civil{};
    out.year = c.number(4, 4);
    if (out.year >= 0 && c.eat_any("-/.")) {
      out.month = c.number(1, 2);
      if (out.month >= 0 && c.eat_any("-/.")) {
        out.day = c.number(1, 2);
        if (out.day >= 0 && time_and_zone(c, out)) return out;
      }
    }
  }
  // US order: MM/DD/YYYY
  {
    cursor c(text);
    out = civil{};
    out.month = c.number(1, 2);
    if (out.month >= 0 && c.eat('/')) {
      out.day = c.number(1, 2);
      if (out.day >= 0 && c.eat('/')) {
        out.year = c.number(4, 4);
        if (out.year >= 0 && time_and_zone(c, out)) return out;
      }
    }
  }
  // 31 Jan 2026 / 31-Jan-2026
  {
    cursor c(text);
    out = civil{};
    out.day = c.number(1, 2);
    if (out.day >= 0 && (c.eat(' ') || c.eat('-'))) {
      c.skip_spaces();
      out.month = c.month_name();
      if (out.month > 0 && (c.eat(' ') || c.eat('-'))) {
        c.skip_spaces();
        out.year = c.number(4, 4);
        if (out.year >= 0 && time_and_zone(c, out)) return out;
      }
    }
  }
  // Jan 31 2026 / January 31, 2026 (the comma is gone after cleaning)
  {
    cursor c(text);
    out = civil{};
    out.month = c.month_name();
    if (out.month > 0 && (c.eat(' ') || c.eat('-'))) {
      c.skip_spaces();
      out.day = c.number(1, 2);
      if (out.day >= 0 && (c.eat(' ') || c.eat('-'))) {
        c.skip_spaces();
        out.year = c.number(4, 4);
        if (out.year >= 0 && time_and_zone(c, out)) return out;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::int64_t parse_size(std::string_view text) {
  const std::string s = lower(text);
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == 0) return 0;
  std::size_t end_number = i;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == i + 1) return 0;
    end_number = i = j;
  }
  if (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  const std::string unit = s.substr(i);
  if (unit.size() > 2) return 0;
  for (char c : unit)
    if (c < 'a' || c > 'z') return 0;
  if (i > end_number && unit.empty()) return 0;  // a trailing space alone is not a size

  const double value = std::strtod(s.substr(0, end_number).c_str(), nullptr);
  double factor = 0;
  if (unit.empty()) {
    factor = 1;
  } else if (unit == "k" || unit == "kb") {
    factor = 1024;
  } else if (unit == "m" || unit == "mb") {
    factor = 1024.0 * 1024.0;
  } else {
    return 0;
  }
  const double bytes = std::floor(value * factor);
  if (!(bytes < 9.2e18)) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(bytes);
}

std::optional<std::int64_t> parse_date(std::string_view text, int tz_offset_minutes) {
  const std::string s = lower(text);
  if (s.empty()) return std::nullopt;
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && is_digit(c);
  if (all_digits) {
    if (s.size() == 10) return std::stoll(s) * 1000;
    if (s.size() == 13) return std::stoll(s);
    if (s.size() != 8) return std::nullopt;
    civil c;
    c.year = std::stoi(s.substr(0, 4));
    c.month = std::stoi(s.substr(4, 2));
    c.day = std::stoi(s.substr(6, 2));
    if (!valid_date(c.year, c.month, c.day)) return std::nullopt;
    const std::int64_t days =
        days_from_civil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
    return days * 86'400'000 - static_cast<std::int64_t>(tz_offset_minutes) * 60'000;
  }
  auto c = read_civil(s);
  if (!c || !valid_date(c->year, c->month, c->day)) return std::nullopt;
  const std::int64_t days =
      days_from_civil(c->year, static_cast<unsigned>(c->month), static_cast<unsigned>(c->day));
  const std::int64_t local_ms =
      days * 86'400'000 + (c->hour * 3600 + c->minute * 60 + c->second) * 1000LL + c->millis;
  const int offset = c->offset_minutes.value_or(tz_offset_minutes);
  return local_ms - static_cast<std::int64_t>(offset) * 60'000;
}

}  // namespace mailjar::search
