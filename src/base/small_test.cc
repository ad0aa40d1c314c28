// SPDX-License-Identifier: Apache-2.0
#include "base/small.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace meshgate::base {
namespace {

// Sorts (key, original index) pairs by key; stability keeps equal keys in index order.
void expectStableSort(size_t n) {
  std::vector<std::pair<int, size_t>> v;
  for (size_t i = 0; i < n; ++i)
    v.emplace_back(static_cast<int>((i * 7 + 3) % 5), i);
  auto want = v;
  std::stable_sort(want.begin(), want.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  stableSortSmall(v.begin(), v.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
  EXPECT_EQ(v, want) << n << " elements";
}

TEST(StableSortSmall, MatchesStableSortOnEitherSideOfTheThreshold) {
  for (size_t n : {0, 1, 2, 5, 31, 32, 33, 100})
    expectStableSort(n);
}

TEST(RecentMemo, KeepsTheLastNAndReplacesTheOldest) {
  RecentMemo<int, std::string, 3> memo;
  EXPECT_EQ(memo.find(0), nullptr);  // empty slots never match a default key
  memo.put(1, "one");
  memo.put(2, "two");
  memo.put(3, "three");
  ASSERT_NE(memo.find(1), nullptr);
  EXPECT_EQ(*memo.find(1), "one");
  EXPECT_EQ(memo.put(4, "four"), "four");  // replaces 1, the oldest
  EXPECT_EQ(memo.find(1), nullptr);
  EXPECT_EQ(*memo.find(2), "two");
  EXPECT_EQ(*memo.find(4), "four");
  const std::string* hit = memo.findIf([](int k) { return k % 3 == 0; });
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit, "three");
}

}  // namespace
}  // namespace meshgate::base
