#include <catch2/catch.hpp>

#include "api/link_target.hpp"

using mailjar::api::open_links_in_new_tab;

TEST_CASE("links in viewed HTML open in a new tab", "[api][view]") {
  CHECK(open_links_in_new_tab(
            "<html><HEAD lang=en><title>t</title></head><body><a href=x>x</a></body></html>") ==
        "<html><HEAD lang=en><base target=\"_blank\"><title>t</title></head><body><a "
        "href=x>x</a></body></html>");
  CHECK(open_links_in_new_tab("<html class=a><body>x</body></html>") ==
        "<html class=a><base target=\"_blank\"><body>x</body></html>");
  CHECK(open_links_in_new_tab("<p>just a fragment</p>") == "<base target=\"_blank\"><p>just a fragment</p>");
  CHECK(open_links_in_new_tab("<!DOCTYPE html><p>x</p>") ==
        "<!DOCTYPE html><base target=\"_blank\"><p>x</p>");
  CHECK(open_links_in_new_tab("") == "<base target=\"_blank\">");
  // <header> is not <head>; <htmlx> is not <html>.
  CHECK(open_links_in_new_tab("<header>h</header>") == "<base target=\"_blank\"><header>h</header>");
  // The mail's own <base> wins.
  CHECK(open_links_in_new_tab("<head><base href=\"https://x.test/\"></head>") ==
        "<head><base href=\"https://x.test/\"></head>");
  // An unterminated <head falls back to the start.
  CHECK(open_links_in_new_tab("<head") == "<base target=\"_blank\"><head");
}
