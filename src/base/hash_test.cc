// SPDX-License-Identifier: Apache-2.0
#include "base/hash.h"

#include <gtest/gtest.h>

namespace meshgate::base {
namespace {

// Reference values from the xxHash specification's test vectors (XXH64, seed 0).
TEST(XxHash64, MatchesReferenceVectors) {
  EXPECT_EQ(xxHash64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxHash64("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxHash64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxHash64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

TEST(XxHash64, SeedChangesResult) {
  EXPECT_NE(xxHash64("abc", 1), xxHash64("abc", 0));
}

}  // namespace
}  // namespace meshgate::base
