// Names the calling thread for ps/top/perf (Linux: at most 15 characters, longer is cut).
// Call it first thing in a thread's body; safe from any thread, never fails loudly.
#pragma once

#include <pthread.h>

#include <string>

namespace mailjar::log {

inline void name_this_thread(const char* name) {
  std::string cut(name);
  if (cut.size() > 15) cut.resize(15);
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace mailjar::log
