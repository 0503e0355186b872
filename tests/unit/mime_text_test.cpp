// The mime module's pure text helpers: charset conversion and UTF-8 repair, HTML to text,
// snippets, tags and header unfolding.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "mime/charset.hpp"
#include "mime/html_text.hpp"
#include "mime/tags.hpp"
#include "mime/text_util.hpp"

using namespace mailjar::mime;

TEST_CASE("UTF-8 validation and repair", "[mime][charset]") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC3"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8(std::string("a\0b", 3)));
  CHECK(sanitize_utf8("a\xFF"
                      "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(sanitize_utf8(std::string("a\0b", 3)) ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(sanitize_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string s = "ok \xC3\xA9";
  sanitize_utf8_in_place(s);
  CHECK(s == "ok \xC3\xA9");
}

TEST_CASE("to_utf8 honours labels and falls back for unlabelled 8-bit text", "[mime][charset]") {
  std::string note;
  CHECK(to_utf8("ascii only", "koi8-r", &note) == "ascii only");
  CHECK(note.empty());
  CHECK(to_utf8("caf\xE9", "ISO-8859-1", &note) == "caf\xC3\xA9");
  CHECK(to_utf8("\x80 \x93q\x94", "windows-1252") == "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D");
  CHECK(to_utf8("\x80", "iso-8859-1") == "\xE2\x82\xAC");  // read as windows-1252, like browsers
  CHECK(to_utf8("\xF4\xC5\xD3\xD4", "koi8-r") == "\xD0\xA2\xD0\xB5\xD1\x81\xD1\x82");  // "Тест"
  CHECK(to_utf8("\x82\xB1\x82\xF1", "Shift_JIS") == "\xE3\x81\x93\xE3\x82\x93");       // "こん"
  CHECK(to_utf8("\x1B$B$3$s\x1B(B", "iso-2022-jp") == "\xE3\x81\x93\xE3\x82\x93");     // stateful

  SECTION("unlabelled: valid UTF-8 kept, else windows-1252") {
    note.clear();
    CHECK(to_utf8("caf\xC3\xA9", "", &note) == "caf\xC3\xA9");
    CHECK(note.empty());
    CHECK(to_utf8("caf\xE9", "", &note) == "caf\xC3\xA9");
    CHECK(note.find("windows-1252") != std::string::npos);
    CHECK(to_utf8("caf\xE9", "us-ascii") == "caf\xC3\xA9");  // mislabelled
  }
  SECTION("mostly UTF-8 with a stray byte: the byte is replaced") {
    note.clear();
    CHECK(to_utf8("caf\xC3\xA9 \xFF", "utf-8", &note) == "caf\xC3\xA9 \xEF\xBF\xBD");
    CHECK(note == "invalid UTF-8 bytes replaced");
  }
  SECTION("unknown or unusable charset names are guessed, not trusted") {
    note.clear();
    CHECK(to_utf8("caf\xE9", "x-no-such-charset", &note) == "caf\xC3\xA9");
    CHECK(note.find("unknown charset") != std::string::npos);
    CHECK(to_utf8("caf\xE9", "../../etc/passwd") == "caf\xC3\xA9");
    CHECK(to_utf8("caf\xE9", "utf-8//TRANSLIT") == "caf\xC3\xA9");
  }
  SECTION("bytes invalid in the declared charset are replaced") {
    note.clear();
    CHECK(to_utf8("ok\x81", "windows-1252", &note) == "ok\xEF\xBF\xBD");  // 0x81 is unassigned
    CHECK(to_utf8("\x82", "shift_jis") == "\xEF\xBF\xBD");                // truncated double byte
  }
  SECTION("to_utf8_owned reuses the buffer when nothing changes") {
    std::string big(100000, 'a');
    big += "\xC3\xA9";
    const char* data = big.data();
    const std::string out = to_utf8_owned(std::move(big), "utf-8");
    CHECK(out.size() == 100002);
    CHECK(out.data() == data);  // no copy
    CHECK(to_utf8_owned(std::string("caf\xE9"), "latin1") == "caf\xC3\xA9");
  }
}

TEST_CASE("html_to_text", "[mime][html]") {
  CHECK(html_to_text("<p>Hello <b>wor</b>ld</p><p>again</p>") == "Hello world again");
  CHECK(html_to_text("<head><title>T</title><style>p{}</style></head><body>x</body>") == "x");
  CHECK(html_to_text("a<script type=\"text/javascript\">if (a < b) alert('</p>')</script>b") == "a b");
  CHECK(html_to_text("<SCRIPT>x</SCRIPT >y") == "y");
  CHECK(html_to_text("a<!-- hidden <p> -->b") == "ab");
  CHECK(html_to_text("<a title=\"x > y\" href='z'>link</a>") == "link");
  CHECK(html_to_text("1 < 2 && 3 > 2") == "1 < 2 && 3 > 2");
  CHECK(html_to_text("&amp;&lt;&gt;&quot;&apos;&nbsp;&copy;&eacute;&hellip;") ==
        "&<>\"' \xC2\xA9\xC3\xA9\xE2\x80\xA6");
  CHECK(html_to_text("&#65;&#x42;&#X43;&#0;&#x110000;&#xD800;") == "ABC\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(html_to_text("&unknown; &amp &#; &") == "&unknown; & &#; &");
  CHECK(html_to_text("line<br>break<div>block</div>") == "line break block");
  CHECK(html_to_text("  lots \r\n\t of   space  ") == "lots of space");
  CHECK(html_to_text("<script>never closed") == "never closed");  // only the tag is lost
  CHECK(html_to_text("<p unterminated") == "");

  SECTION("hostile markup stays linear") {
    std::string hostile;
    for (int i = 0; i < 100000; ++i) hostile += "<script><style>&#x41;<!--";
    const auto t0 = std::chrono::steady_clock::now();
    const std::string out = html_to_text(hostile);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
    CHECK(is_valid_utf8(out));
  }
}

TEST_CASE("html charset sniffing", "[mime][html]") {
  CHECK(sniff_html_charset("<meta charset=\"ISO-8859-1\">") == "iso-8859-1");
  CHECK(sniff_html_charset("<META http-equiv=Content-Type content='text/html; charset=koi8-r'>") == "koi8-r");
  CHECK(sniff_html_charset("<p>charset=utf-8</p>").empty());
  CHECK(sniff_html_charset("").empty());
}

TEST_CASE("snippets: collapsed whitespace, whole characters, marked when cut", "[mime][snippet]") {
  CHECK(make_snippet("  Hello\r\n\r\n  world  ", "") == "Hello world");
  CHECK(make_snippet(" \r\n ", "from html") == "from html");
  CHECK(make_snippet("", "") == "");
  const std::string exact(200, 'x');
  CHECK(make_snippet(exact, "") == exact);
  CHECK(make_snippet(exact + "y", "") == exact + "...");
  // 199 ASCII bytes then a 3-byte character: the character does not fit in 200 bytes.
  const std::string s = std::string(199, 'a') + "\xE2\x82\xAC" + "tail";
  CHECK(make_snippet(s, "") == std::string(199, 'a') + "...");
  CHECK(make_snippet(std::string(150, 'a') + "      " + std::string(100, 'b'), "").size() == 203);
  CHECK(truncate_utf8("\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9");
}

TEST_CASE("tags from X-Tags values", "[mime][tags]") {
  CHECK(split_tags({"alpha, beta , Alpha,  , gamma", "beta,delta"}) ==
        std::vector<std::string>{"alpha", "beta", "gamma", "delta"});
  CHECK(split_tags({"one   two, ,,"}) == std::vector<std::string>{"one two"});
  CHECK(split_tags({}).empty());
  std::string many;
  for (int i = 0; i < 500; ++i) {
    many += 't';
    many += std::to_string(i);  // (not "t" + ...: GCC 12 -O3 raises a false -Wrestrict on it)
    many += ',';
  }
  CHECK(split_tags({many}).size() == max_tags);
}

TEST_CASE("header values are unfolded and trimmed", "[mime][headers]") {
  CHECK(unfold_header_value(" hi\r\n there\r\n") == "hi there");
  CHECK(unfold_header_value("\ta\r\n\tb") == "a\tb");
  CHECK(unfold_header_value("") == "");
}

TEST_CASE("case-insensitive ASCII prefixes", "[mime]") {
  CHECK(starts_with_ascii_ci("Content-Type: x", "content-type"));
  CHECK(starts_with_ascii_ci("CONTENT-TYPE", "content-type"));
  CHECK(starts_with_ascii_ci("anything", ""));
  CHECK_FALSE(starts_with_ascii_ci("Content-Typ", "content-type"));
  CHECK_FALSE(starts_with_ascii_ci("X-Content-Type", "content-type"));
  CHECK_FALSE(starts_with_ascii_ci("C\xc3\xb6ntent", "content"));  // only ASCII letters fold
}
