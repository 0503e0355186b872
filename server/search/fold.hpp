// Text normalisation for matching, shared by indexing and querying so both sides always agree:
// `fold` is the one Unicode case fold (Cyrillic, Greek, accented Latin, ß → ss, compatibility
// forms) used for every folded column the store keeps and for every field value a search
// compares against them; `clean` is Mailpit's cleanString without its lower-casing (the
// punctuation it turns into spaces, whitespace collapsed). Full-text words are NOT folded here:
// SQLite's unicode61 tokenizer folds the indexed text and the query words the same way.
// Pure functions over GLib's Unicode tables; thread-safe; any bytes in, valid UTF-8 out.
#pragma once

#include <string>
#include <string_view>

namespace mailjar::search {

// Case-folded, compatibility-decomposed (NFKD) text with the diacritics of Latin letters
// removed (as the full-text tokenizer does: "Été" → "ete"), recomposed to NFC. Marks on other
// scripts are kept ("Й" → "й"). Invalid UTF-8 bytes become U+FFFD first.
std::string fold(std::string_view text);

// Mailpit's cleanString minus lower-casing: CR, LF, tab, U+FEFF and the characters < > " , ; ( )
// become spaces, then runs of whitespace collapse to one space and both ends are trimmed.
// Invalid UTF-8 bytes become U+FFFD.
std::string clean(std::string_view text);

// fold(clean(text)): how address, message-id and header values are compared.
std::string fold_clean(std::string_view text);

// True when `text` holds at least one Unicode letter or digit (terms without one are ignored,
// as Mailpit ignores terms without [a-zA-Z0-9]; we also accept non-Latin letters).
bool has_letter_or_digit(std::string_view text);

}  // namespace mailjar::search
