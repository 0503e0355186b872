// search::fold / clean: one Unicode case fold for indexing and querying (Cyrillic, Greek,
// accented Latin, ß, compatibility forms), Mailpit's cleanString without lower-casing.
#include <catch2/catch.hpp>

#include <string>

#include "search/fold.hpp"

using mailjar::search::clean;
using mailjar::search::fold;
using mailjar::search::fold_clean;
using mailjar::search::has_letter_or_digit;

TEST_CASE("fold: case and Latin diacritics, every script", "[search]") {
  struct row {
    std::string in, out;
  };
  const row rows[] = {
      {"Hello WORLD", "hello world"},
      {"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2",
       "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},  // ПРИВЕТ
      {"\xC3\x89T\xC3\x89", "ete"},                          // ÉTÉ
      {"\xC3\xA9t\xC3\xA9", "ete"},                          // été
      {"e\xCC\x81t\xC3\xA9", "ete"},                         // decomposed é
      {"\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91",
       "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1"},  // ΣΟΦΙΑ → σοφια
      {"\xCF\x82", "\xCF\x83"},                      // final sigma → σ
      {"Stra\xC3\x9F"
       "e",
       "strasse"},                         // Straße
      {"\xEF\xAC\x81le", "file"},          // ﬁle (ligature)
      {"\xEF\xBC\xA1\xEF\xBC\xA2", "ab"},  // fullwidth ＡＢ
      {"\xD0\x99", "\xD0\xB9"},            // Й → й (Cyrillic keeps its breve)
      {"\xC4\xB0stanbul", "istanbul"},     // İ
      {"Zo\xC3\xAB", "zoe"},
      {"", ""},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(fold(r.in) == r.out);
  }
}

TEST_CASE("fold: the same word in different cases folds to the same bytes", "[search]") {
  const std::string greek_upper =
      "\xCE\x9A\xCE\x91\xCE\x9B\xCE\x97\xCE\x9C\xCE\x95\xCE\xA1\xCE\x91";  // ΚΑΛΗΜΕΡΑ
  const std::string greek_lower =
      "\xCE\xBA\xCE\xB1\xCE\xBB\xCE\xB7\xCE\xBC\xCE\xAD\xCF\x81\xCE\xB1";  // καλημέρα
  // Greek keeps its tonos (as the full-text tokenizer does), so the accented lower-case form
  // differs from the unaccented capitals; the same spelling in both cases must agree.
  CHECK(fold(greek_upper) == fold("\xCE\xBA\xCE\xB1\xCE\xBB\xCE\xB7\xCE\xBC\xCE\xB5\xCF\x81\xCE\xB1"));
  CHECK(fold("\xCE\x9A\xCE\x91\xCE\x9B\xCE\x97\xCE\x9C\xCE\x88\xCE\xA1\xCE\x91") == fold(greek_lower));
}

TEST_CASE("fold: invalid UTF-8 never crashes and yields valid UTF-8", "[search]") {
  const std::string bad[] = {"\xFF\xFE", "abc\xC3", "\xE2\x82", std::string("a\0b", 3), "\xED\xA0\x80"};
  for (const auto& s : bad) {
    const std::string f = fold(s + "\xC3\x89");  // force the non-ASCII path
    INFO(f);
    CHECK_FALSE(f.empty());
    CHECK(f.find("\xFF") == std::string::npos);
  }
}

TEST_CASE("clean: Mailpit's cleanString without lower-casing", "[search]") {
  CHECK(clean("<Bob@Example.com>") == "Bob@Example.com");
  CHECK(clean("  a\t\tb\r\nc  ") == "a b c");
  CHECK(clean("Smith, John (work); \"x\"") == "Smith John work x");
  CHECK(clean("\xEF\xBB\xBFword") == "word");  // U+FEFF
  CHECK(clean("a\xC2\xA0"
              "b") == "a b");  // no-break space is whitespace
  CHECK(clean("<>\",;()") == "");
  CHECK(fold_clean("<B\xC3\x96"
                   "B@X.org>") == "bob@x.org");
}

TEST_CASE("has_letter_or_digit: any script counts", "[search]") {
  CHECK(has_letter_or_digit("abc"));
  CHECK(has_letter_or_digit("--7"));
  CHECK(has_letter_or_digit("\xD0\xBF"));      // п
  CHECK(has_letter_or_digit("\xE4\xB8\xAD"));  // 中
  CHECK_FALSE(has_letter_or_digit("-!@#$%"));
  CHECK_FALSE(has_letter_or_digit(""));
  CHECK_FALSE(has_letter_or_digit("\xFF\xFE"));
}
