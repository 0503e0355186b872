// GMime plumbing for the mime module (internal; only server/mime includes this header):
// one-time thread-safe library initialisation, an RAII owner for GObject references, and
// a read-only GMimeStream over caller-owned memory (no copy), whose substreams carry
// bound_start/bound_end offsets into that memory.
// Thread-safety: ensure_gmime() may be called from any thread; GObjects are not shared
// between threads by this module (each parse owns its own objects).
#pragma once

#include <gmime/gmime.h>

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

}  // namespace mailjar::mime::detail
