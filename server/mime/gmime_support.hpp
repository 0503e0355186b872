// GMime plumbing for the mime module (internal; only server/mime includes this header):
// one-time thread-safe library initialisation, an RAII owner for GObject references, a
// read-only GMimeStream over caller-owned memory (no copy) whose substreams carry
// bound_start/bound_end offsets into that memory, and a guard that keeps GMime's global
// charset-name table bounded.
// Thread-safety: everything here may be used from any thread; GObjects are not shared
// between threads by this module (each parse owns its own objects).
#pragma once

#include <gmime/gmime.h>

#include <shared_mutex>
#include <string_view>
#include <utility>

namespace mailjar::mime::detail {

// Runs g_mime_init() exactly once (std::call_once) and registers our stream type.
void ensure_gmime();

// Owns one reference to a GObject-derived instance; unrefs it on destruction.
template <class T>
class gobject_ptr {
 public:
  gobject_ptr() = default;
  explicit gobject_ptr(T* adopt) : p_(adopt) {}
  gobject_ptr(const gobject_ptr&) = delete;
  gobject_ptr& operator=(const gobject_ptr&) = delete;
  gobject_ptr(gobject_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  gobject_ptr& operator=(gobject_ptr&& o) noexcept {
    if (this != &o) reset(std::exchange(o.p_, nullptr));
    return *this;
  }
  ~gobject_ptr() { reset(); }

  void reset(T* adopt = nullptr) {
    if (p_ != nullptr) g_object_unref(p_);
    p_ = adopt;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// A seekable, read-only stream over `data` (which must outlive the stream and every
// substream GMime derives from it). Substreams are view streams over the same memory, so
// a part's content stream has bound_start/bound_end equal to offsets into `data`.
gobject_ptr<GMimeStream> make_view_stream(std::string_view data);

// True when `stream` is a view stream over exactly the memory starting at `base`.
bool is_view_stream_over(GMimeStream* stream, const char* base);

// GMime remembers every charset name it is asked to convert from (RFC 2047 encoded words,
// RFC 2231 parameter values) in a process-wide table that never shrinks, so mail full of
// invented names ("=?x1?Q?a?=", "=?x2?Q?a?=", ...) would grow it without bound. Hold one
// guard around all GMime work of a parse: it counts the distinct names in `raw` (a cheap
// scan), holds a shared lock meanwhile, and when the names seen since the last reset pass
// `max_charset_names` it drops GMime's table under the exclusive lock on destruction.
class charset_table_guard {
 public:
  static constexpr std::size_t max_charset_names = 2048;
  explicit charset_table_guard(std::string_view raw);
  ~charset_table_guard();
  charset_table_guard(const charset_table_guard&) = delete;
  charset_table_guard& operator=(const charset_table_guard&) = delete;

 private:
  std::shared_lock<std::shared_mutex> lock_;
  bool reset_after_ = false;
};

// Charset names a message may make GMime look up: RFC 2047 "=?name?" / "=?name*lang?" and
// RFC 2231 "*=name'" / "*0*=name'", lower-cased, each at most 64 bytes; calls `f` for each
// occurrence (duplicates included). Exposed for tests.
template <class F>
void for_each_charset_name(std::string_view raw, F&& f);

}  // namespace mailjar::mime::detail

namespace mailjar::mime::detail {

template <class F>
void for_each_charset_name(std::string_view raw, F&& f) {
  auto token_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '+' || c == '(' || c == ')';
  };
  auto emit = [&](std::size_t from, char terminator) {
    std::size_t end = from;
    while (end < raw.size() && end - from <= 64 && token_char(raw[end])) ++end;
    if (end == from || end - from > 64 || end >= raw.size()) return;
    if (raw[end] != terminator && !(terminator == '?' && raw[end] == '*')) return;
    std::string name(raw.substr(from, end - from));
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    f(name);
  };
  for (std::size_t i = raw.find('='); i != std::string_view::npos; i = raw.find('=', i + 1)) {
    if (i + 1 < raw.size() && raw[i + 1] == '?') {
      emit(i + 2, '?');  // RFC 2047 encoded word
    } else if (i > 0 && raw[i - 1] == '*') {
      std::size_t start = i + 1;
      if (start < raw.size() && raw[start] == '"') ++start;
      emit(start, '\'');  // RFC 2231 extended parameter value
    }
  }
}

}  // namespace mailjar::mime::detail
