# SPDX-License-Identifier: Apache-2.0
# Third-party libraries (Debian 12 packages), as the targets every folder links:
#   mg::crypto mg::ssl mg::yaml mg::re2 mg::seccomp mg::rapidjson
# With MG_STATIC_DEPS (the default outside sanitizer builds) they are the static
# archives Debian ships, and binaries are linked -no-pie with a static libstdc++:
# nothing is relocated at load time, so pages of code meshgate never runs are
# never touched. That keeps the idle RSS of the process small (docs/performance.md).

include_guard(GLOBAL)

if(MG_SANITIZE OR MG_FUZZ)
  set(mg_static_default OFF)
else()
  set(mg_static_default ON)
endif()
option(MG_STATIC_DEPS "Link Debian's static archives of third-party libraries" ${mg_static_default})

find_package(Threads REQUIRED)
if(MG_STATIC_DEPS)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  # A build directory configured before the static default keeps the shared
  # libraries in its cache, and FindOpenSSL trusts the cache: look again.
  foreach(var OPENSSL_CRYPTO_LIBRARY OPENSSL_SSL_LIBRARY)
    if(${var} AND NOT ${var} MATCHES "\\.a$")
      unset(${var} CACHE)
    endif()
  endforeach()
endif()
find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
pkg_check_modules(MG_RE2 REQUIRED re2)
pkg_check_modules(MG_SECCOMP REQUIRED libseccomp)

function(mg_dependency name static_name shared_target)
  add_library(mg::${name} INTERFACE IMPORTED GLOBAL)
  if(MG_STATIC_DEPS)
    find_library(MG_${name}_STATIC NAMES ${static_name} REQUIRED)
    target_link_libraries(mg::${name} INTERFACE ${MG_${name}_STATIC} ${ARGN})
  else()
    target_link_libraries(mg::${name} INTERFACE ${shared_target})
  endif()
endfunction()

add_library(mg::crypto INTERFACE IMPORTED GLOBAL)
target_link_libraries(mg::crypto INTERFACE OpenSSL::Crypto)
add_library(mg::ssl INTERFACE IMPORTED GLOBAL)
target_link_libraries(mg::ssl INTERFACE OpenSSL::SSL)

# yaml-cpp's CMake package only describes the shared library.
get_target_property(mg_yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
mg_dependency(yaml libyaml-cpp.a yaml-cpp)
if(mg_yaml_includes)
  target_include_directories(mg::yaml INTERFACE ${mg_yaml_includes})
endif()

add_library(mg_re2_shared INTERFACE)
target_link_libraries(mg_re2_shared INTERFACE ${MG_RE2_LINK_LIBRARIES})
mg_dependency(re2 libre2.a mg_re2_shared Threads::Threads)
target_include_directories(mg::re2 INTERFACE ${MG_RE2_INCLUDE_DIRS})

add_library(mg_seccomp_shared INTERFACE)
target_link_libraries(mg_seccomp_shared INTERFACE ${MG_SECCOMP_LINK_LIBRARIES})
mg_dependency(seccomp libseccomp.a mg_seccomp_shared)
target_include_directories(mg::seccomp INTERFACE ${MG_SECCOMP_INCLUDE_DIRS})

# RapidJSON is header-only (ADR 0007). A SYSTEM include keeps its warnings out of -Werror;
# only .cc files include it, through base/json_reader.
find_path(MG_RAPIDJSON_INCLUDE_DIR rapidjson/reader.h REQUIRED)
add_library(mg::rapidjson INTERFACE IMPORTED GLOBAL)
target_include_directories(mg::rapidjson SYSTEM INTERFACE ${MG_RAPIDJSON_INCLUDE_DIR})

if(MG_STATIC_DEPS)
  add_compile_options(-fno-pie)
  add_link_options(-no-pie -static-libstdc++ -static-libgcc)
endif()
