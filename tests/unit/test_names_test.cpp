// CTest runs each Catch2 case by passing its name as an argument (catch_discover_tests); a name
// starting with '-' is read as a command-line option and that case fails under CTest only.
#include <catch2/catch.hpp>

TEST_CASE("no test case name starts with a dash", "[meta]") {
  const auto& cases = Catch::getAllTestCasesSorted(*Catch::getCurrentContext().getConfig());
  REQUIRE(cases.size() > 100);
  for (const auto& tc : cases) {
    INFO(tc.name);
    CHECK(tc.name.rfind('-', 0) != 0);
  }
}
