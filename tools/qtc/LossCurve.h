//===- LossCurve.h - A training run's loss curve as SVG ---------*- C++ -*-===//
//
// `qtc finetune` draws qtc-train's metrics.jsonl (training loss per step,
// held-out loss per evaluation) as an SVG image a browser opens.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_LOSSCURVE_H
#define QTC_TOOLS_QTC_LOSSCURVE_H

#include "runtime/Status.h"

#include <string>
#include <utility>
#include <vector>

namespace qtc::driver {

/// The losses of a run, as (step, loss) points.
struct LossHistory {
  std::vector<std::pair<double, double>> train, eval;
};

/// Reads metrics.jsonl; a line that is not a JSON object is an error
/// naming it, and lines without a loss are skipped.
Status readLossHistory(const std::string &metricsPath, LossHistory &out);

/// The SVG document of `history` (a plot of both curves with labelled
/// axes); `title` is escaped.
std::string lossCurveSvg(const LossHistory &history, const std::string &title);

} // namespace qtc::driver

#endif // QTC_TOOLS_QTC_LOSSCURVE_H
