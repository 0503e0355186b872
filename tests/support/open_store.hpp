// Opens a sqlite_store inside a Catch2 test case: the case fails, with SQLite's message, when
// the store cannot be opened. Header-only (the fuzz targets share tests/support without Catch2).
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "store/sqlite_store.hpp"

namespace mailjar::test {

inline std::unique_ptr<store::sqlite_store> open_store(const store::store_config& cfg) {
  auto s = store::sqlite_store::open(cfg);
  INFO((s.ok() ? std::string() : s.error_message()));
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace mailjar::test
