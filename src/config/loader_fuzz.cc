// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes as a config file through the whole loader
// (document split, yaml-cpp, every kind's parser, references), then the dump,
// hash and a self-diff of whatever loads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/diff.h"
#include "config/dump.h"
#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  using namespace meshgate::config;
  LoadResult r = loadText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  for (const Diagnostic& d : r.diagnostics.items()) {
    if (d.message.empty()) __builtin_trap();
  }
  if (r.ok()) {
    (void)toJson(*r.config);
    if (!diff(*r.config, *r.config).empty()) __builtin_trap();
  }
  return 0;
}
