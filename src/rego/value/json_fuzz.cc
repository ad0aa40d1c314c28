// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: JSON text → Rego Value. Any input must parse or fail cleanly, and what
// parses must come back unchanged through toJson: the output parses again to the same text.
// parseJson's direct reader must agree with the event reader (base/json_reader) wherever it
// gives a value: the same value, number representations and text included.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "rego/value/json.h"

using namespace meshgate::rego;

namespace {

// Same kinds, number representations and values all the way down.
bool identical(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Number:
      return a.numRep() == b.numRep() && compare(a, b) == 0 &&
             (a.numRep() != NumRep::Float || a.floatText() == b.floatText());
    case Kind::Array:
    case Kind::Set: {
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i) {
        if (!identical(a.items()[i], b.items()[i])) return false;
      }
      return true;
    }
    case Kind::Object: {
      if (a.entries().size() != b.entries().size()) return false;
      for (size_t i = 0; i < a.entries().size(); ++i) {
        if (!identical(a.entries()[i].key, b.entries()[i].key) ||
            !identical(a.entries()[i].value, b.entries()[i].value)) {
          return false;
        }
      }
      return true;
    }
    default:
      return compare(a, b) == 0;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Value direct;
  const bool handled = detail::parseJsonDirect(text, &direct);
  auto events = detail::parseJsonEvents(text);
  if (handled) {
    MG_ASSERT(events.ok(), "the direct reader accepts only what the event reader accepts");
    MG_ASSERT(identical(direct, *events), "the direct reader builds the event reader's value");
  }
  auto v = parseJson(text);
  MG_ASSERT(v.ok() == events.ok(), "parseJson accepts what the event reader accepts");
  if (!v.ok()) {
    MG_ASSERT(v.error().message == events.error().message, "parseJson reports its errors");
    return 0;
  }
  std::string once = toJson(*v);
  auto again = parseJson(once);
  MG_ASSERT(again.ok(), "toJson output parses");
  MG_ASSERT(toJson(*again) == once, "toJson output is stable");
  return 0;
}
