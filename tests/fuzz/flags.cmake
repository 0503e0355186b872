# Compiler flags of the fuzz build (-DMAILJAR_FUZZ=ON, clang only), included by the top-level
# CMakeLists.txt before any target: every library is built with libFuzzer's coverage
# instrumentation (fuzzer-no-link) plus ASan and UBSan; tests/fuzz/CMakeLists.txt links the
# targets with -fsanitize=fuzzer. -O1 keeps executions fast while stacks stay readable.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MAILJAR_FUZZ needs clang (CC=clang CXX=clang++); found ${CMAKE_CXX_COMPILER_ID}")
endif()
# -fno-sanitize=function: clang 14 cannot emit UBSan's function-type prologue for C++20
# coroutines (the Asio servers): "Cannot represent a difference across sections", LLVM #49689.
set(MAILJAR_FUZZ_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer)
add_compile_options(-fsanitize=fuzzer-no-link ${MAILJAR_FUZZ_SAN_FLAGS} -O1 -g)
add_link_options(${MAILJAR_FUZZ_SAN_FLAGS})
