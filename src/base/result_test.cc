// SPDX-License-Identifier: Apache-2.0
#include "base/result.h"

#include <gtest/gtest.h>

namespace meshgate::base {
namespace {

Result<int> half(int v) {
  if (v % 2) return Error{"odd"};
  return v / 2;
}

Status chain(int v) {
  MG_RETURN_IF_ERROR(half(v));
  return okStatus();
}

TEST(Result, ValueAndError) {
  auto r = half(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  auto e = half(3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "odd");
}

TEST(Result, ReturnIfError) {
  EXPECT_TRUE(chain(2).ok());
  Status s = chain(1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "odd");
}

TEST(Result, ErrnoErrorDescribes) {
  Error e = errnoError("open /x", ENOENT);
  EXPECT_EQ(e.sys_errno, ENOENT);
  EXPECT_EQ(e.describe(), "open /x: No such file or directory");
}

TEST(ResultDeathTest, WrongAlternativeAsserts) {
  auto e = half(3);
  EXPECT_DEATH((void)e.value(), "Result::value");
}

}  // namespace
}  // namespace meshgate::base
