#include "app/application.hpp"

#include <cstdio>

namespace mailjar::app {

int run_main(int, char**) {
  std::puts("mailjar: not wired yet");
  return 1;
}

}  // namespace mailjar::app
