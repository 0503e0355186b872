#include "mime/gmime_support.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>

namespace mailjar::mime::detail {
namespace {

// A GMimeStream subclass reading from memory it does not own.
struct view_stream {
  GMimeStream parent;
  const char* data;
  gint64 size;
};

struct view_stream_class {
  GMimeStreamClass parent_class;
};

GType view_stream_type = 0;

view_stream* as_view(GMimeStream* s) { return reinterpret_cast<view_stream*>(s); }

gint64 bound_end_of(GMimeStream* s) {
  const gint64 size = as_view(s)->size;
  return s->bound_end < 0 ? size : std::min(s->bound_end, size);
}

ssize_t vs_read(GMimeStream* s, char* buf, size_t len) {
  const gint64 end = bound_end_of(s);
  if (s->position >= end) return 0;
  const gint64 n = std::min<gint64>(end - s->position, static_cast<gint64>(len));
  std::memcpy(buf, as_view(s)->data + s->position, static_cast<size_t>(n));
  s->position += n;
  return static_cast<ssize_t>(n);
}

ssize_t vs_write(GMimeStream*, const char*, size_t) { return -1; }
int vs_flush(GMimeStream*) { return 0; }
int vs_close(GMimeStream*) { return 0; }
gboolean vs_eos(GMimeStream* s) { return s->position >= bound_end_of(s) ? TRUE : FALSE; }

int vs_reset(GMimeStream* s) {
  s->position = s->bound_start;
  return 0;
}

gint64 vs_seek(GMimeStream* s, gint64 offset, GMimeSeekWhence whence) {
  const gint64 end = bound_end_of(s);
  gint64 real = s->position;
  switch (whence) {
    case GMIME_STREAM_SEEK_SET:
      real = offset;
      break;
    case GMIME_STREAM_SEEK_CUR:
      real = s->position + offset;
      break;
    case GMIME_STREAM_SEEK_END:
      real = end + offset;
      break;
  }
  real = std::clamp(real, s->bound_start, end);
  s->position = real;
  return real;
}

gint64 vs_tell(GMimeStream* s) { return s->position; }
gint64 vs_length(GMimeStream* s) { return bound_end_of(s) - s->bound_start; }

GMimeStream* new_view(const char* data, gint64 size, gint64 start, gint64 end) {
  auto* s = static_cast<view_stream*>(g_object_new(view_stream_type, nullptr));
  s->data = data;
  s->size = size;
  g_mime_stream_construct(&s->parent, start, end);
  return &s->parent;
}

GMimeStream* vs_substream(GMimeStream* s, gint64 start, gint64 end) {
  return new_view(as_view(s)->data, as_view(s)->size, start, end);
}

void view_stream_class_init(gpointer klass, gpointer) {
  auto* c = static_cast<GMimeStreamClass*>(klass);
  c->read = vs_read;
  c->write = vs_write;
  c->flush = vs_flush;
  c->close = vs_close;
  c->eos = vs_eos;
  c->reset = vs_reset;
  c->seek = vs_seek;
  c->tell = vs_tell;
  c->length = vs_length;
  c->substream = vs_substream;
}

void view_stream_init(GTypeInstance* instance, gpointer) {
  auto* s = reinterpret_cast<view_stream*>(instance);
  s->data = nullptr;
  s->size = 0;
}

std::once_flag init_once;

std::shared_mutex& charset_table_mutex() {
  static std::shared_mutex m;
  return m;
}

// Distinct charset names that may be in GMime's table since it was last dropped.
struct charset_names {
  std::mutex mutex;
  std::unordered_set<std::string> seen;
  bool overflow = false;
};

charset_names& names() {
  static charset_names n;
  return n;
}

}  // namespace

void ensure_gmime() {
  std::call_once(init_once, [] {
    g_mime_init();
    view_stream_type = g_type_register_static_simple(
        GMIME_TYPE_STREAM, "MailjarViewStream", sizeof(view_stream_class), view_stream_class_init,
        sizeof(view_stream), view_stream_init, static_cast<GTypeFlags>(0));
  });
}

gobject_ptr<GMimeStream> make_view_stream(std::string_view data) {
  ensure_gmime();
  return gobject_ptr<GMimeStream>(
      new_view(data.data(), static_cast<gint64>(data.size()), 0, static_cast<gint64>(data.size())));
}

bool is_view_stream_over(GMimeStream* stream, const char* base) {
  return stream != nullptr && G_TYPE_CHECK_INSTANCE_TYPE(stream, view_stream_type) &&
         as_view(stream)->data == base;
}

charset_table_guard::charset_table_guard(std::string_view raw) {
  ensure_gmime();
  charset_names& n = names();
  {
    std::lock_guard lock(n.mutex);
    for_each_charset_name(raw, [&](const std::string& name) {
      if (n.overflow || n.seen.count(name) != 0) return;
      if (n.seen.size() >= max_charset_names) {
        n.overflow = true;  // stop remembering; the table is dropped after this parse
        return;
      }
      n.seen.insert(name);
    });
    reset_after_ = n.overflow;
  }
  lock_ = std::shared_lock(charset_table_mutex());
}

charset_table_guard::~charset_table_guard() {
  lock_.unlock();
  if (!reset_after_) return;
  std::unique_lock exclusive(charset_table_mutex());  // no GMime work runs meanwhile
  charset_names& n = names();
  std::lock_guard lock(n.mutex);
  if (!n.overflow) return;        // another thread reset it already
  g_mime_charset_map_shutdown();  // GMime 3.2 does not rebuild it lazily:
  g_mime_charset_map_init();
  n.seen.clear();
  n.overflow = false;
}

}  // namespace mailjar::mime::detail
