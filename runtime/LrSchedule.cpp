//===- LrSchedule.cpp - A training run's learning-rate factor -------------===//
#include "runtime/LrSchedule.h"

#include <algorithm>
#include <cmath>

namespace qtc {

Status parseLrSchedule(const std::string &name, LrSchedule &out) {
  if (name == "constant")
    out = LrSchedule::Constant;
  else if (name == "cosine")
    out = LrSchedule::Cosine;
  else
    return Status::error("unknown learning-rate schedule '" + name +
                         "' (expected constant or cosine)");
  return Status::success();
}

const char *lrScheduleName(LrSchedule schedule) {
  return schedule == LrSchedule::Cosine ? "cosine" : "constant";
}

double lrFactor(LrSchedule schedule, int64_t update, int64_t warmup,
                int64_t total) {
  if (update < warmup)
    return static_cast<double>(update) /
           static_cast<double>(std::max<int64_t>(1, warmup));
  if (schedule == LrSchedule::Constant)
    return 1.0;
  double progress = static_cast<double>(update - warmup) /
                    static_cast<double>(std::max<int64_t>(1, total - warmup));
  return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

} // namespace qtc
