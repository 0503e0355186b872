#include "mime/html_text.hpp"

#include "core/utf8.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>
#include <vector>

#include "mime/text_util.hpp"

namespace mailjar::mime {
namespace {

struct entity {
  std::string_view name;
  std::uint32_t code_point;
};

// HTML 4 named character references plus &apos;, sorted by name (byte order).
constexpr entity entities[] = {
    {"AElig", 0xC6},     {"Aacute", 0xC1},   {"Acirc", 0xC2},    {"Agrave", 0xC0},   {"Alpha", 0x391},
    {"Aring", 0xC5},     {"Atilde", 0xC3},   {"Auml", 0xC4},     {"Beta", 0x392},    {"Ccedil", 0xC7},
    {"Chi", 0x3A7},      {"Dagger", 0x2021}, {"Delta", 0x394},   {"ETH", 0xD0},      {"Eacute", 0xC9},
    {"Ecirc", 0xCA},     {"Egrave", 0xC8},   {"Epsilon", 0x395}, {"Eta", 0x397},     {"Euml", 0xCB},
    {"Gamma", 0x393},    {"Iacute", 0xCD},   {"Icirc", 0xCE},    {"Igrave", 0xCC},   {"Iota", 0x399},
    {"Iuml", 0xCF},      {"Kappa", 0x39A},   {"Lambda", 0x39B},  {"Mu", 0x39C},      {"Ntilde", 0xD1},
    {"Nu", 0x39D},       {"OElig", 0x152},   {"Oacute", 0xD3},   {"Ocirc", 0xD4},    {"Ograve", 0xD2},
    {"Omega", 0x3A9},    {"Omicron", 0x39F}, {"Oslash", 0xD8},   {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"Phi", 0x3A6},      {"Pi", 0x3A0},      {"Prime", 0x2033},  {"Psi", 0x3A8},     {"Rho", 0x3A1},
    {"Scaron", 0x160},   {"Sigma", 0x3A3},   {"THORN", 0xDE},    {"Tau", 0x3A4},     {"Theta", 0x398},
    {"Uacute", 0xDA},    {"Ucirc", 0xDB},    {"Ugrave", 0xD9},   {"Upsilon", 0x3A5}, {"Uuml", 0xDC},
    {"Xi", 0x39E},       {"Yacute", 0xDD},   {"Yuml", 0x178},    {"Zeta", 0x396},    {"aacute", 0xE1},
    {"acirc", 0xE2},     {"acute", 0xB4},    {"aelig", 0xE6},    {"agrave", 0xE0},   {"alefsym", 0x2135},
    {"alpha", 0x3B1},    {"amp", 0x26},      {"and", 0x2227},    {"ang", 0x2220},    {"apos", 0x27},
    {"aring", 0xE5},     {"asymp", 0x2248},  {"atilde", 0xE3},   {"auml", 0xE4},     {"bdquo", 0x201E},
    {"beta", 0x3B2},     {"brvbar", 0xA6},   {"bull", 0x2022},   {"cap", 0x2229},    {"ccedil", 0xE7},
    {"cedil", 0xB8},     {"cent", 0xA2},     {"chi", 0x3C7},     {"circ", 0x2C6},    {"clubs", 0x2663},
    {"cong", 0x2245},    {"copy", 0xA9},     {"crarr", 0x21B5},  {"cup", 0x222A},    {"curren", 0xA4},
    {"dArr", 0x21D3},    {"dagger", 0x2020}, {"darr", 0x2193},   {"deg", 0xB0},      {"delta", 0x3B4},
    {"diams", 0x2666},   {"divide", 0xF7},   {"eacute", 0xE9},   {"ecirc", 0xEA},    {"egrave", 0xE8},
    {"empty", 0x2205},   {"emsp", 0x2003},   {"ensp", 0x2002},   {"epsilon", 0x3B5}, {"equiv", 0x2261},
    {"eta", 0x3B7},      {"eth", 0xF0},      {"euml", 0xEB},     {"euro", 0x20AC},   {"exist", 0x2203},
    {"fnof", 0x192},     {"forall", 0x2200}, {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},
    {"frasl", 0x2044},   {"gamma", 0x3B3},   {"ge", 0x2265},     {"gt", 0x3E},       {"hArr", 0x21D4},
    {"harr", 0x2194},    {"hearts", 0x2665}, {"hellip", 0x2026}, {"iacute", 0xED},   {"icirc", 0xEE},
    {"iexcl", 0xA1},     {"igrave", 0xEC},   {"image", 0x2111},  {"infin", 0x221E},  {"int", 0x222B},
    {"iota", 0x3B9},     {"iquest", 0xBF},   {"isin", 0x2208},   {"iuml", 0xEF},     {"kappa", 0x3BA},
    {"lArr", 0x21D0},    {"lambda", 0x3BB},  {"lang", 0x2329},   {"laquo", 0xAB},    {"larr", 0x2190},
    {"lceil", 0x2308},   {"ldquo", 0x201C},  {"le", 0x2264},     {"lfloor", 0x230A}, {"lowast", 0x2217},
    {"loz", 0x25CA},     {"lrm", 0x200E},    {"lsaquo", 0x2039}, {"lsquo", 0x2018},  {"lt", 0x3C},
    {"macr", 0xAF},      {"mdash", 0x2014},  {"micro", 0xB5},    {"middot", 0xB7},   {"minus", 0x2212},
    {"mu", 0x3BC},       {"nabla", 0x2207},  {"nbsp", 0xA0},     {"ndash", 0x2013},  {"ne", 0x2260},
    {"ni", 0x220B},      {"not", 0xAC},      {"notin", 0x2209},  {"nsub", 0x2284},   {"ntilde", 0xF1},
    {"nu", 0x3BD},       {"oacute", 0xF3},   {"ocirc", 0xF4},    {"oelig", 0x153},   {"ograve", 0xF2},
    {"oline", 0x203E},   {"omega", 0x3C9},   {"omicron", 0x3BF}, {"oplus", 0x2295},  {"or", 0x2228},
    {"ordf", 0xAA},      {"ordm", 0xBA},     {"oslash", 0xF8},   {"otilde", 0xF5},   {"otimes", 0x2297},
    {"ouml", 0xF6},      {"para", 0xB6},     {"part", 0x2202},   {"permil", 0x2030}, {"perp", 0x22A5},
    {"phi", 0x3C6},      {"pi", 0x3C0},      {"piv", 0x3D6},     {"plusmn", 0xB1},   {"pound", 0xA3},
    {"prime", 0x2032},   {"prod", 0x220F},   {"prop", 0x221D},   {"psi", 0x3C8},     {"quot", 0x22},
    {"rArr", 0x21D2},    {"radic", 0x221A},  {"rang", 0x232A},   {"raquo", 0xBB},    {"rarr", 0x2192},
    {"rceil", 0x2309},   {"rdquo", 0x201D},  {"real", 0x211C},   {"reg", 0xAE},      {"rfloor", 0x230B},
    {"rho", 0x3C1},      {"rlm", 0x200F},    {"rsaquo", 0x203A}, {"rsquo", 0x2019},  {"sbquo", 0x201A},
    {"scaron", 0x161},   {"sdot", 0x22C5},   {"sect", 0xA7},     {"shy", 0xAD},      {"sigma", 0x3C3},
    {"sigmaf", 0x3C2},   {"sim", 0x223C},    {"spades", 0x2660}, {"sub", 0x2282},    {"sube", 0x2286},
    {"sum", 0x2211},     {"sup", 0x2283},    {"sup1", 0xB9},     {"sup2", 0xB2},     {"sup3", 0xB3},
    {"supe", 0x2287},    {"szlig", 0xDF},    {"tau", 0x3C4},     {"there4", 0x2234}, {"theta", 0x3B8},
    {"thetasym", 0x3D1}, {"thinsp", 0x2009}, {"thorn", 0xFE},    {"tilde", 0x2DC},   {"times", 0xD7},
    {"trade", 0x2122},   {"uArr", 0x21D1},   {"uacute", 0xFA},   {"uarr", 0x2191},   {"ucirc", 0xFB},
    {"ugrave", 0xF9},    {"uml", 0xA8},      {"upsih", 0x3D2},   {"upsilon", 0x3C5}, {"uuml", 0xFC},
    {"weierp", 0x2118},  {"xi", 0x3BE},      {"yacute", 0xFD},   {"yen", 0xA5},      {"yuml", 0xFF},
    {"zeta", 0x3B6},     {"zwj", 0x200D},    {"zwnj", 0x200C},
};

constexpr std::string_view skipped_elements[] = {"script", "style", "title", "template", "noscript", "head"};

constexpr std::string_view block_elements[] = {
    "address", "article", "aside", "blockquote", "body", "br",       "caption",    "center",  "dd",
    "details", "dialog",  "div",   "dl",         "dt",   "fieldset", "figcaption", "figure",  "footer",
    "form",    "h1",      "h2",    "h3",         "h4",   "h5",       "h6",         "header",  "hr",
    "html",    "li",      "main",  "nav",        "ol",   "p",        "pre",        "section", "summary",
    "table",   "tbody",   "td",    "tfoot",      "th",   "thead",    "tr",         "ul"};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool istarts_with(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[at + i]) != prefix[i]) return false;
  return true;
}

// Position just after the '>' closing the tag that starts at `lt`, honouring quoted
// attribute values; s.size() when the tag never closes.
std::size_t tag_end(std::string_view s, std::size_t lt) {
  char quote = 0;
  for (std::size_t i = lt + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      // Only a quote right after '=' (possibly spaced) opens an attribute value.
      std::size_t k = i;
      while (k > lt && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\n' || s[k - 1] == '\r')) --k;
      if (k > lt && s[k - 1] == '=') quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return s.size();
}

// Finds "</name" (case-insensitive) at or after `from`; npos when absent.
std::size_t find_close_tag_uncached(std::string_view s, std::size_t from, std::string_view name) {
  for (std::size_t i = from; i < s.size();) {
    const void* hit = std::memchr(s.data() + i, '<', s.size() - i);
    if (hit == nullptr) return std::string_view::npos;
    i = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    if (i + 1 < s.size() && s[i + 1] == '/' && istarts_with(s, i + 2, name)) {
      const std::size_t after = i + 2 + name.size();
      if (after >= s.size() || !is_alpha(s[after])) return i;
    }
    ++i;
  }
  return std::string_view::npos;
}

// Remembers the last search per skipped element so that many unclosed <script> tags cost
// one scan, not one scan each (keeps html_to_text linear on hostile input).
class close_tag_finder {
 public:
  explicit close_tag_finder(std::string_view s) : s_(s) {}
  std::size_t find(std::size_t from, std::string_view name) {
    for (auto& e : cache_) {
      if (e.name != name) continue;
      if (from >= e.from && (e.found == std::string_view::npos || e.found >= from)) return e.found;
      e.from = from;
      e.found = find_close_tag_uncached(s_, from, name);
      return e.found;
    }
    cache_.push_back({std::string(name), from, find_close_tag_uncached(s_, from, name)});
    return cache_.back().found;
  }

 private:
  struct entry {
    std::string name;
    std::size_t from;
    std::size_t found;
  };
  std::string_view s_;
  std::vector<entry> cache_;
};

// Decodes the character reference starting at s[amp] == '&'. Appends its text to `out`
// and returns the position after it; on no match appends '&' and returns amp + 1.
std::size_t decode_reference(std::string_view s, std::size_t amp, std::string& out) {
  std::size_t i = amp + 1;
  if (i < s.size() && s[i] == '#') {
    ++i;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const std::size_t digits_start = i;
    std::uint32_t cp = 0;
    bool overflow = false;
    while (i < s.size() && (hex ? is_hex(s[i]) : is_digit(s[i]))) {
      const char c = s[i];
      const std::uint32_t d =
          is_digit(c) ? static_cast<std::uint32_t>(c - '0') : static_cast<std::uint32_t>(lower(c) - 'a' + 10);
      if (cp > 0x10FFFF)
        overflow = true;
      else
        cp = cp * (hex ? 16 : 10) + d;
      ++i;
    }
    if (i == digits_start) {
      out += '&';
      return amp + 1;
    }
    if (i < s.size() && s[i] == ';') ++i;
    append_utf8(out, overflow ? 0xFFFD : cp);
    return i;
  }
  std::size_t end = i;
  while (end < s.size() && end - i < 32 && (is_alpha(s[end]) || is_digit(s[end]))) ++end;
  const std::string_view name = s.substr(i, end - i);
  const auto* it = std::lower_bound(std::begin(entities), std::end(entities), name,
                                    [](const entity& e, std::string_view n) { return e.name < n; });
  if (name.empty() || it == std::end(entities) || it->name != name) {
    out += '&';
    return amp + 1;
  }
  if (end < s.size() && s[end] == ';') ++end;
  if (it->code_point == 0xA0) {
    out += ' ';  // &nbsp; is a space for search and snippets
  } else {
    append_utf8(out, it->code_point);
  }
  return end;
}

}  // namespace

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  encode_utf8(out, cp);
}

std::string html_to_text(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 2);
  close_tag_finder closer(s);
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '&') {
      i = decode_reference(s, i, out);
      continue;
    }
    if (c != '<') {
      out += c;
      ++i;
      continue;
    }
    // Comments, doctype, processing instructions: dropped.
    if (s.compare(i, 4, "<!--") == 0) {
      const std::size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    const bool closing = i + 1 < s.size() && s[i + 1] == '/';
    const std::size_t name_start = i + (closing ? 2 : 1);
    if (name_start >= s.size() ||
        !(is_alpha(s[name_start]) || s[name_start] == '!' || s[name_start] == '?')) {
      out += '<';  // a lone '<' is text
      ++i;
      continue;
    }
    std::size_t name_end = name_start;
    while (name_end < s.size() && name_end - name_start < 16 &&
           (is_alpha(s[name_end]) || is_digit(s[name_end])))
      ++name_end;
    const std::string name = ascii_lower(s.substr(name_start, name_end - name_start));
    std::size_t next = tag_end(s, i);
    if (std::find(std::begin(block_elements), std::end(block_elements), name) != std::end(block_elements))
      out += ' ';
    if (!closing && std::find(std::begin(skipped_elements), std::end(skipped_elements), name) !=
                        std::end(skipped_elements)) {
      // Skip the element's content when it is closed; a never-closed one only loses its tag.
      const std::size_t close = closer.find(next, name);
      if (close != std::string_view::npos) next = tag_end(s, close);
      out += ' ';
    }
    i = next;
  }
  return collapse_whitespace(out);
}

std::string sniff_html_charset(std::string_view html) {
  const std::string head = ascii_lower(html.substr(0, 2048));
  for (std::size_t pos = head.find("<meta"); pos != std::string::npos; pos = head.find("<meta", pos + 5)) {
    const std::size_t end = std::min(head.find('>', pos), head.size());
    const std::size_t cs = head.find("charset", pos);
    if (cs == std::string::npos || cs > end) continue;
    std::size_t k = cs + 7;
    while (k < end && (head[k] == ' ' || head[k] == '=' || head[k] == '"' || head[k] == '\'')) ++k;
    std::size_t v = k;
    while (v < end && (is_alpha(head[v]) || is_digit(head[v]) || head[v] == '-' || head[v] == '_' ||
                       head[v] == '.' || head[v] == ':'))
      ++v;
    if (v > k) return head.substr(k, v - k);
  }
  return {};
}

}  // namespace mailjar::mime
