# Compile flags of the fuzz build (KIZUNA_FUZZ=ON, included from the root
# CMakeLists.txt before any target): every library is instrumented for libFuzzer's
# coverage and built with ASan + UBSan (UB aborts, so libFuzzer records it as a
# crash). The fuzz targets themselves link -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "KIZUNA_FUZZ needs clang (libFuzzer): configure with CXX=clang++-16")
endif()
# KIZUNA_FUZZ_ASAN=OFF drops ASan (about a third of a slow target's time) for
# long runs whose grown corpus is then replayed in the ASan build (README).
option(KIZUNA_FUZZ_ASAN "Fuzz build with AddressSanitizer" ON)
if(KIZUNA_FUZZ_ASAN)
  set(kizuna_fuzz_sanitizers address,undefined)
else()
  set(kizuna_fuzz_sanitizers undefined)
endif()
add_compile_options(-fsanitize=fuzzer-no-link,${kizuna_fuzz_sanitizers} -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=${kizuna_fuzz_sanitizers})
# clang 16 implements P0848 (conditionally trivial special members) but still
# defines __cpp_concepts as 201907L, and GCC 12's libstdc++ only declares
# std::expected when it says 202002L.
add_compile_options(-U__cpp_concepts -D__cpp_concepts=202002L)
# Assertions stay on (no NDEBUG): a broken invariant is a finding. Line tables are
# enough for sanitizer stack traces and keep the instrumented build quick.
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -gline-tables-only" CACHE STRING "" FORCE)
