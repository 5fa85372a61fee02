//===- LrScheduleTest.cpp - transformers' learning-rate schedules ---------===//
#include "runtime/LrSchedule.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc;

namespace {

TEST(LrScheduleTest, WarmupIsLinearFromZero) {
  // transformers' lr_lambda(current_step) = current_step / warmup: the first
  // update has rate 0.
  for (LrSchedule s : {LrSchedule::Constant, LrSchedule::Cosine}) {
    EXPECT_EQ(lrFactor(s, 0, 4, 20), 0.0);
    EXPECT_EQ(lrFactor(s, 1, 4, 20), 0.25);
    EXPECT_EQ(lrFactor(s, 3, 4, 20), 0.75);
    EXPECT_EQ(lrFactor(s, 4, 4, 20), 1.0);
  }
  EXPECT_EQ(lrFactor(LrSchedule::Constant, 0, 0, 20), 1.0);
  EXPECT_EQ(lrFactor(LrSchedule::Constant, 19, 4, 20), 1.0);
}

TEST(LrScheduleTest, CosineDecaysToZeroAtTheEnd) {
  // get_cosine_schedule_with_warmup: 0.5 (1 + cos(pi (s - W) / (T - W))).
  EXPECT_DOUBLE_EQ(lrFactor(LrSchedule::Cosine, 12, 4, 20),
                   0.5 * (1 + std::cos(M_PI * 8.0 / 16.0)));
  EXPECT_NEAR(lrFactor(LrSchedule::Cosine, 12, 4, 20), 0.5, 1e-15);
  EXPECT_NEAR(lrFactor(LrSchedule::Cosine, 20, 4, 20), 0.0, 1e-15);
  double previous = 2;
  for (int64_t s = 4; s < 20; ++s) {
    double f = lrFactor(LrSchedule::Cosine, s, 4, 20);
    EXPECT_LT(f, previous);
    previous = f;
  }
}

TEST(LrScheduleTest, NamesParseAndOthersAreRefused) {
  LrSchedule s;
  ASSERT_TRUE(parseLrSchedule("cosine", s).ok());
  EXPECT_EQ(s, LrSchedule::Cosine);
  EXPECT_STREQ(lrScheduleName(s), "cosine");
  Status bad = parseLrSchedule("linear", s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "unknown learning-rate schedule 'linear' "
                           "(expected constant or cosine)");
}

} // namespace
