// SPDX-License-Identifier: Apache-2.0
#include "base/json_writer.h"

#include <gtest/gtest.h>

namespace meshgate::base {
namespace {

TEST(JsonWriter, NestedValuesGetCommas) {
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .field("a", 1)
      .field("b", "x\"y")
      .key("c")
      .beginArray()
      .number(int64_t{1})
      .boolean(true)
      .null()
      .beginObject()
      .endObject()
      .endArray()
      .field("d", 0.5)
      .endObject();
  EXPECT_EQ(out, R"({"a":1,"b":"x\"y","c":[1,true,null,{}],"d":0.5})");
}

TEST(JsonWriter, EscapesControlAndInvalidUtf8) {
  std::string out;
  appendJsonEscaped(out, std::string("a\n\x01\xff\xc3\xa9", 6));
  EXPECT_EQ(out, "a\\n\\u0001\xEF\xBF\xBD\xC3\xA9");
}

TEST(JsonWriter, RejectsOverlongUtf8) {
  std::string out;
  appendJsonEscaped(out, "\xc0\xaf");
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonWriter, NonFiniteBecomesNull) {
  std::string out;
  JsonWriter(out).number(1.0 / 0.0);
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace meshgate::base
