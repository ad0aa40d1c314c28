# SPDX-License-Identifier: Apache-2.0
# Build conventions shared by every folder: warnings, sanitizers, and the
# mg_library / mg_test / mg_fuzz / mg_bench helpers.

if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

find_program(LLD_PROGRAM ld.lld)
if(LLD_PROGRAM AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_link_options(-fuse-ld=lld)
endif()

# Start-up order (ADR 0008): each function in its own section, so that lld can
# place the functions a command runs as it starts next to each other
# (src/cli/startup.order, written by scripts/startup-order.py). Not in the
# sanitizer and fuzzing builds, whose start-up nobody times.
option(MG_STARTUP_ORDER "Link meshgate's start-up functions together (needs lld)" ON)
set(MG_USE_STARTUP_ORDER OFF)
if(MG_STARTUP_ORDER AND LLD_PROGRAM AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"
   AND NOT MG_SANITIZE AND NOT MG_FUZZ)
  set(MG_USE_STARTUP_ORDER ON)
  add_compile_options(-ffunction-sections)
endif()

add_compile_options(-Wall -Wextra -Werror -Wno-unused-parameter)
# Release builds keep assertions (MG_ASSERT is ours, not <cassert>), but drop
# the per-call overhead of glibc's debug checks.
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g1")
# Debug builds (the sanitizer build) also run checks too costly for the request
# path (`#if MG_DEBUG_CHECKS`), such as "this input is already sorted".
add_compile_definitions($<$<CONFIG:Debug>:MG_DEBUG_CHECKS=1>)

if(MG_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(MG_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MG_FUZZ needs clang (libFuzzer)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_compile_definitions(MG_FUZZING_BUILD=1)
endif()

set(MG_SRC_ROOT ${PROJECT_SOURCE_DIR}/src)
set(MG_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared)

# mg_library(NAME <folder-name> SOURCES ... [DEPS ...] [PUBLIC_DEPS ...])
# Creates the static library mg_<name>. Includes are rooted at src/.
function(mg_library)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(mg_${A_NAME} STATIC ${A_SOURCES})
  target_include_directories(mg_${A_NAME} PUBLIC ${MG_SRC_ROOT})
  target_link_libraries(mg_${A_NAME} PUBLIC ${A_DEPS})
endfunction()

# mg_test(NAME <name> SOURCES ... DEPS ... [INTEGRATION] [TIMEOUT s])
# Unit tests are labelled "unit"; integration tests "integration" and are only
# registered in non-sanitizer builds (they drive the real binary).
function(mg_test)
  cmake_parse_arguments(A "INTEGRATION" "NAME;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(A_INTEGRATION AND (MG_SANITIZE OR MG_FUZZ))
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(A_INTEGRATION)
    set(kind integration)
    target_compile_definitions(${A_NAME} PRIVATE
      MG_BINARY="$<TARGET_FILE:meshgate>"
      MG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    add_dependencies(${A_NAME} meshgate)
  else()
    set(kind unit)
    target_compile_definitions(${A_NAME} PRIVATE MG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  # CMake 3.25's gtest_discover_tests cannot pass a list-valued property (it
  # splices TEST_PROPERTIES unquoted into set_tests_properties), so each test gets
  # exactly one label, its kind; select features by name with ctest -R.
  gtest_discover_tests(${A_NAME}
    DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS ${kind} TIMEOUT ${A_TIMEOUT})
endfunction()

# mg_fuzz(NAME <name> SOURCES ... DEPS ... [CORPUS dir] [DICT file] [SECONDS n])
# Only in MG_FUZZ builds. ctest replays the committed corpus, then fuzzes for a
# short bounded time.
set(MG_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs under ctest")
function(mg_fuzz)
  cmake_parse_arguments(A "" "NAME;CORPUS;DICT;SECONDS" "SOURCES;DEPS" ${ARGN})
  if(NOT MG_FUZZ)
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  target_link_options(${A_NAME} PRIVATE -fsanitize=fuzzer)
  if(NOT A_SECONDS)
    set(A_SECONDS ${MG_FUZZ_SECONDS})
  endif()
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${A_NAME})
  if(A_CORPUS)
    set(corpus ${A_CORPUS})
  endif()
  set(args -max_total_time=${A_SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  if(A_DICT)
    list(APPEND args -dict=${A_DICT})
  endif()
  # A scratch corpus keeps the committed seeds read-only while fuzzing.
  add_test(NAME fuzz.${A_NAME}
    COMMAND ${CMAKE_COMMAND} -E env
      ${PROJECT_SOURCE_DIR}/scripts/run-fuzzer.sh $<TARGET_FILE:${A_NAME}> ${corpus} ${args})
  set_tests_properties(fuzz.${A_NAME} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()

# mg_bench(NAME <name> SOURCES ... DEPS ...): a Google Benchmark binary. ctest
# runs it once with a tiny min time so that it keeps compiling and running.
function(mg_bench)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(NOT MG_BENCH OR MG_SANITIZE OR MG_FUZZ)
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark)
  add_test(NAME bench.${A_NAME} COMMAND ${A_NAME} --benchmark_min_time=0.001)
  set_tests_properties(bench.${A_NAME} PROPERTIES LABELS bench TIMEOUT 300)
endfunction()
