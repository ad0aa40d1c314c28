// SPDX-License-Identifier: Apache-2.0
#include "rego/value/arena.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rego/value/json.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MG_TEST_ASAN 1
#endif
#endif

namespace meshgate::rego {
namespace {

Value json(const char* text) {
  return *parseJson(text);
}

// {"a": "<long>", "b": ["x", "<long>", 1], "c": {"d": <heap>}} built in `arena`.
Value buildSample(ValueArena& arena, const std::string& long_text, const Value& heap) {
  std::vector<Value> items = arena.itemsVector(3);
  items.push_back(arena.string("x"));
  items.push_back(arena.string(long_text));
  items.push_back(Value::integer(1));
  std::vector<ObjectEntry> inner = arena.entriesVector(1);
  inner.push_back({arena.string("d"), heap});
  std::vector<ObjectEntry> entries = arena.entriesVector(3);
  entries.push_back({arena.string("a"), arena.string(long_text)});
  entries.push_back({arena.string("b"), arena.array(std::move(items))});
  entries.push_back({arena.string("c"), arena.objectSorted(std::move(inner))});
  return arena.objectSorted(std::move(entries));
}

TEST(ValueArena, BuildsTheSameValuesAsTheHeap) {
  ValueArena arena;
  const std::string long_text(40, 'y');
  Value heap = Value::string(std::string(30, 'h'));
  Value v = buildSample(arena, long_text, heap);
  Value want = Value::object({
      {Value::string("a"), Value::string(long_text)},
      {Value::string("b"),
       Value::array({Value::string("x"), Value::string(long_text), Value::integer(1)})},
      {Value::string("c"), Value::object({{Value::string("d"), heap}})},
  });
  EXPECT_EQ(v, want);
  EXPECT_EQ(v.hash(), want.hash());
  ASSERT_NE(v.field("a"), nullptr);
  EXPECT_EQ(v.field("a")->asString(), long_text);
  EXPECT_EQ(v.field("b")->items()[1].asString(), long_text);
  EXPECT_GT(arena.bytesUsed(), long_text.size() * 2);
  // Copies share the arena's storage.
  Value copy = v;
  EXPECT_EQ(copy, want);
  EXPECT_TRUE(refersToArena(copy));
  EXPECT_FALSE(refersToArena(want));
  // Short strings are inline: no arena storage.
  EXPECT_FALSE(refersToArena(arena.string("short")));
  EXPECT_EQ(arena.array({}), Value::emptyArray());
  EXPECT_EQ(arena.objectSorted({}), Value::emptyObject());
}

TEST(ValueArena, DetachCopiesOnlyWhatLivesInTheArena) {
  ValueArena arena;
  Value heap = Value::string(std::string(30, 'h'));
  Value detached;
  {
    Value v = buildSample(arena, std::string(40, 'y'), heap);
    detached = detachFromArena(v);
    EXPECT_EQ(detached, v);
  }
  EXPECT_FALSE(refersToArena(detached));
  arena.reset();
  EXPECT_EQ(arena.bytesUsed(), 0u);
  // Still whole after the arena's storage is reused for something else.
  Value other = buildSample(arena, std::string(40, 'z'), heap);
  EXPECT_EQ(detached.field("a")->asString(), std::string(40, 'y'));
  EXPECT_EQ(*detached.field("c")->field("d"), heap);
  EXPECT_NE(other, detached);
  // A value without arena parts is returned as is (heap values in an arena
  // collection included).
  EXPECT_EQ(detachFromArena(heap), heap);
  Value mixed = Value::array({heap, arena.string(std::string(20, 'm'))});
  EXPECT_TRUE(refersToArena(mixed));
  EXPECT_FALSE(refersToArena(detachFromArena(mixed)));
  EXPECT_EQ(detachFromArena(mixed), mixed);
}

TEST(ValueArena, ResetReusesStorageAcrossManyRequests) {
  ValueArena arena;
  Value heap = json(R"({"kept": ["across", "resets"]})");
  for (int round = 0; round < 200; ++round) {
    // Enough for several chunks, one string larger than a chunk, and vectors
    // of several sizes (kept for reuse or not).
    std::vector<Value> values = arena.itemsVector(round % 7);
    for (int i = 0; i < 300; ++i)
      values.push_back(
          arena.string("value number " + std::to_string(i) + " of round " + std::to_string(round)));
    values.push_back(arena.string(std::string(20000, static_cast<char>('a' + round % 26))));
    values.push_back(heap);
    Value v = arena.array(std::move(values));
    ASSERT_EQ(v.items().size(), 302u);
    EXPECT_EQ(v.items()[299].asString(), "value number 299 of round " + std::to_string(round));
    EXPECT_EQ(v.items()[300].asString().size(), 20000u);
    EXPECT_EQ(v.items()[301], heap);
    v = Value();
    arena.reset();
    EXPECT_EQ(arena.bytesUsed(), 0u);
  }
  // The heap value the arena held is still whole (the arena released its
  // references, not the value).
  EXPECT_EQ(heap, json(R"({"kept": ["across", "resets"]})"));
}

#ifdef MG_TEST_ASAN
TEST(ValueArenaDeathTest, UseAfterResetIsReported) {
  EXPECT_DEATH(
      {
        ValueArena arena;
        Value v = arena.string(std::string(40, 'x'));
        arena.reset();
        volatile char c = v.asString()[0];
        (void)c;
      },
      "use-after-poison");
}
#endif

}  // namespace
}  // namespace meshgate::rego
