//===- LrSchedule.h - A training run's learning-rate factor -----*- C++ -*-===//
//
// The factor qtc-train passes as a step's lr_scale (qt-insert-optimizer
// lr-scale): transformers' schedules, so that a run can be compared with a
// PyTorch one step for step. Update s (0-based; the step numbered s + 1)
// of T with W warm-up updates:
//   constant: s / W during the warm-up, then 1
//             (get_constant_schedule_with_warmup)
//   cosine:   s / W during the warm-up, then 0.5 (1 + cos(pi p)),
//             p = (s - W) / (T - W) (get_cosine_schedule_with_warmup)
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_LRSCHEDULE_H
#define QTC_RUNTIME_LRSCHEDULE_H

#include "runtime/Status.h"

#include <cstdint>
#include <string>

namespace qtc {

enum class LrSchedule { Constant, Cosine };

/// "constant" or "cosine"; anything else is an error naming both.
Status parseLrSchedule(const std::string &name, LrSchedule &out);
const char *lrScheduleName(LrSchedule schedule);

/// The factor of update `update` (0-based) of `total` with `warmup`
/// warm-up updates.
double lrFactor(LrSchedule schedule, int64_t update, int64_t warmup,
                int64_t total);

} // namespace qtc

#endif // QTC_RUNTIME_LRSCHEDULE_H
