// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: JSON text → Rego Value (base/json_reader underneath). Any input must
// parse or fail cleanly, and what parses must come back unchanged through toJson: the
// output parses again to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "rego/value/json.h"

using namespace meshgate::rego;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = parseJson(text);
  if (!v.ok()) return 0;
  std::string once = toJson(*v);
  auto again = parseJson(once);
  MG_ASSERT(again.ok(), "toJson output parses");
  MG_ASSERT(toJson(*again) == once, "toJson output is stable");
  return 0;
}
