// SPDX-License-Identifier: Apache-2.0
#include "base/buffer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace meshgate::base {
namespace {

TEST(Buffer, AppendConsumeKeepsOrder) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  b.append("hello ");
  b.append("world");
  EXPECT_EQ(b.view(), "hello world");
  b.consume(6);
  EXPECT_EQ(b.view(), "world");
  b.consume(5);
  EXPECT_TRUE(b.empty());
}

TEST(Buffer, PrepareCommitAndRelease) {
  Buffer b;
  char* p = b.prepare(10);
  std::memcpy(p, "0123456789", 10);
  b.commit(10);
  EXPECT_EQ(b.view(), "0123456789");
  EXPECT_GE(b.capacity(), 10u);
  b.consume(10);
  b.releaseIfEmpty();
  EXPECT_EQ(b.capacity(), 0u);
}

TEST(Buffer, MatchesAStringModelUnderRandomOps) {
  Buffer b;
  std::string model;
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    if (rng() % 2) {
      std::string piece(rng() % 3000, static_cast<char>('a' + i % 26));
      b.append(piece);
      model += piece;
    } else if (!model.empty()) {
      size_t n = rng() % (model.size() + 1);
      b.consume(n);
      model.erase(0, n);
    }
    ASSERT_EQ(b.view(), model);
  }
}

}  // namespace
}  // namespace meshgate::base
