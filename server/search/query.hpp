// A parsed Mailpit search: the terms of a search string, all of which must hold (AND). Plain
// values produced by search::parse (parser.hpp) and translated to SQL by the store. Values are
// already normalised for matching as their kind requires (see `term::value`). Safe to copy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailjar::search {

enum class term_kind {
  text,            // bare word or "quoted phrase": anywhere (full-text index)
  from,            // from:       name or address of the sender
  to,              // to:
  cc,              // cc:
  bcc,             // bcc:        Bcc header and envelope-only recipients
  reply_to,        // reply-to:
  addressed,       // addressed:  any of from/to/cc/bcc/reply-to
  subject,         // subject:
  message_id,      // message-id:
  tag,             // tag:        exact tag name (case-insensitive)
  header,          // header:Name:value (mailjar extension; value "" = the header is present)
  is_read,         // is:read
  is_unread,       // is:unread
  is_tagged,       // is:tagged
  has_attachment,  // has:attachment(s)
  has_inline,      // has:inline(s)
  larger,          // larger:10K  size > bytes
  smaller,         // smaller:1M  size < bytes
  after,           // after:DATE  received at or after
  before,          // before:DATE received at or before
};

struct term {
  term_kind kind = term_kind::text;
  bool negated = false;  // written with a leading '-' or '!'
  // text:      the words as typed, cleaned (search::clean), case kept — the tokenizer folds.
  // subject:   search::fold of the value (not cleaned, as Mailpit does not clean it).
  // addresses, message-id, header value: search::fold_clean of the value.
  // tag:       cleaned value (tags compare case-insensitively in ASCII, as they are ASCII).
  // others:    empty.
  std::string value;
  std::string header_name;  // header: the field name as typed
  std::int64_t number = 0;  // larger/smaller: bytes; after/before: Unix time in ms (UTC)

  bool operator==(const term&) const = default;
};

struct query {
  std::vector<term> terms;
  bool empty() const { return terms.empty(); }
  bool operator==(const query&) const = default;
};

// Readable form for logs and test failure messages, e.g. `-from:"bob" larger:1024`.
std::string to_string(const term& t);
std::string to_string(const query& q);

}  // namespace mailjar::search
