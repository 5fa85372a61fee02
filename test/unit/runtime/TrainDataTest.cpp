//===- TrainDataTest.cpp - token windows, the held-out split, the order ---===//
#include "runtime/TrainData.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

using namespace qtc;

namespace {

TEST(TrainDataTest, WindowsOverlapByOneSoEveryTokenIsATargetOnce) {
  std::vector<int64_t> tokens(10);
  std::iota(tokens.begin(), tokens.end(), 100);
  TokenWindows w;
  ASSERT_TRUE(makeTokenWindows(tokens, 4, w).ok());
  // [100..103], [103..106], [106..109]: 9 targets, the tail has none left.
  ASSERT_EQ(w.count(), 3);
  EXPECT_EQ(w.window(0)[0], 100);
  EXPECT_EQ(w.window(1)[0], 103);
  EXPECT_EQ(w.window(2)[3], 109);
}

TEST(TrainDataTest, TooLittleDataIsAnError) {
  TokenWindows w;
  Status s = makeTokenWindows({1, 2, 3}, 4, w);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "the data has 3 tokens, fewer than one sequence of 4");
  EXPECT_FALSE(makeTokenWindows({1, 2, 3}, 1, w).ok());
}

TEST(TrainDataTest, ShuffleIsAPermutationFixedByItsKey) {
  std::vector<int64_t> a = shuffledIndices(1000, 7),
                       b = shuffledIndices(1000, 7),
                       c = shuffledIndices(1000, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(sorted[i], i);
  // Not the identity: a shuffle that moves nothing would pass the above.
  int64_t fixed = 0;
  for (int64_t i = 0; i < 1000; ++i)
    fixed += a[i] == i;
  EXPECT_LT(fixed, 20);
}

TEST(TrainDataTest, SplitHoldsOutDisjointWindows) {
  WindowSplit split;
  ASSERT_TRUE(splitWindows(100, 12, 3, split).ok());
  EXPECT_EQ(split.eval.size(), 12u);
  EXPECT_EQ(split.train.size(), 88u);
  std::set<int64_t> all(split.eval.begin(), split.eval.end());
  all.insert(split.train.begin(), split.train.end());
  EXPECT_EQ(all.size(), 100u);
  // Not simply the last windows: a corpus in topic order would hold out
  // one topic.
  EXPECT_LT(split.eval.front(), 88);

  Status s = splitWindows(10, 10, 0, split);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot hold 10 of 10 sequences out"),
            std::string::npos);
}

TEST(TrainDataTest, EachEpochVisitsEveryTrainingWindowOnce) {
  std::vector<int64_t> train = {2, 3, 5, 7, 11, 13, 17};
  WindowOrder order(train, 5);
  std::vector<int64_t> epoch0, epoch1;
  for (int64_t p = 0; p < 7; ++p)
    epoch0.push_back(order.at(p));
  for (int64_t p = 7; p < 14; ++p)
    epoch1.push_back(order.at(p));
  EXPECT_NE(epoch0, epoch1);
  std::sort(epoch0.begin(), epoch0.end());
  std::sort(epoch1.begin(), epoch1.end());
  EXPECT_EQ(epoch0, train);
  EXPECT_EQ(epoch1, train);
  // A fresh order (a resumed run) gives the same window at any position,
  // also going back to an earlier epoch.
  WindowOrder again(train, 5);
  EXPECT_EQ(again.at(12), order.at(12));
  EXPECT_EQ(again.at(3), WindowOrder(train, 5).at(3));
}

} // namespace
