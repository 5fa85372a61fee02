//===- TSignSgd.cpp - LoTA-QAF's t-SignSGD with a selection quantile ------===//
#include "codegen/halide/TSignSgd.h"

using namespace Halide;

namespace qtc::halide {
namespace {

/// The Funcs of one radix selection; all scalars but the histograms.
struct Selection {
  std::vector<Func> funcs;
  Expr value; ///< the u32 bit pattern of the rank-th smallest |g|
};

/// The rank-th (0-based) smallest of `count` non-negative f32 bit patterns:
/// the high 16 bits from a histogram of all elements, then the low 16 bits
/// from a histogram of the elements in that bucket.
Selection selectRank(Func bits, Expr count, Expr rank, const std::string &name) {
  Selection s;
  Var b("b");
  RDom all(0, count, name + "_all");
  RDom bins(0, 65536, name + "_bins"), search(0, 65536, name + "_search"),
      lowBins(0, 65536, name + "_low_bins"), lowSearch(0, 65536, name + "_low_search");

  Func high(name + "_high_hist"), highCum(name + "_high_cum"),
      highBucket(name + "_high_bucket");
  high(b) = 0;
  high(clamp(cast<int32_t>(bits(all) >> 16), 0, 65535)) += 1;
  highCum(b) = 0;
  highCum(bins) = select(bins == 0, 0, highCum(max(bins - 1, 0))) + high(bins);
  highBucket() = argmax(highCum(search) > rank)[0];
  Expr bucket = highBucket();
  Expr below = select(bucket == 0, 0, highCum(clamp(bucket - 1, 0, 65535)));

  Func low(name + "_low_hist"), lowCum(name + "_low_cum"),
      lowBucket(name + "_low_bucket");
  RDom inBucket(0, count, name + "_in_bucket");
  inBucket.where(cast<int32_t>(bits(inBucket) >> 16) == bucket);
  low(b) = 0;
  low(clamp(cast<int32_t>(bits(inBucket) & 0xffff), 0, 65535)) += 1;
  lowCum(b) = 0;
  lowCum(lowBins) =
      select(lowBins == 0, 0, lowCum(max(lowBins - 1, 0))) + low(lowBins);
  lowBucket() = argmax(lowCum(lowSearch) > rank - below)[0];

  s.funcs = {high, highCum, highBucket, low, lowCum, lowBucket};
  s.value = (cast<uint32_t>(bucket) << 16) | cast<uint32_t>(lowBucket());
  return s;
}

/// quantile(|g|, level): linear interpolation between order statistics in
/// f64, rounded to f32 (the reference's quantile()).
Expr quantile(Func bits, Expr count, Expr level, const std::string &name,
              std::vector<Func> &funcs) {
  Expr position = level * cast<double>(count - 1);
  Expr lo = cast<int32_t>(floor(position));
  Expr hi = min(lo + 1, count - 1);
  Selection a = selectRank(bits, count, lo, name + "_lo");
  Selection b = selectRank(bits, count, hi, name + "_hi");
  funcs.insert(funcs.end(), a.funcs.begin(), a.funcs.end());
  funcs.insert(funcs.end(), b.funcs.begin(), b.funcs.end());
  Expr vlo = cast<double>(reinterpret<float>(a.value));
  Expr vhi = cast<double>(reinterpret<float>(b.value));
  return cast<float>(strict_float(vlo + (vhi - vlo) * (position - cast<double>(lo))));
}

} // namespace

TSignSgdPipeline defineTSignSgd(Func param, Func grad, Expr count, Expr step,
                                Expr totalSteps, Expr gradNorm) {
  TSignSgdPipeline p;
  Var &i = p.i;
  Func bits("abs_bits");
  bits(i) = reinterpret<uint32_t>(
      abs(require(is_finite(grad(i)), grad(i),
                  "qtc: non-finite gradient reaches t-SignSGD at element", i)));

  // LoTA-QAF's schedule of the level, as tsignLevel() computes it.
  Expr t = cast<double>(step), T = cast<double>(totalSteps);
  // (Halide takes bare double literals for f32: every constant is an f64 Expr.)
  Expr phase1End = Expr(0.8) * T;
  Expr level = select(t <= phase1End,
                      Expr(0.95) + (t / phase1End) * Expr(0.999 - 0.95), t >= T,
                      Expr(0.9999),
                      Expr(0.999) + ((t - phase1End) / (T - phase1End)) *
                                        Expr(0.9999 - 0.999));
  Expr upperCut = t > phase1End && gradNorm > 10.0f;

  std::vector<Func> selectionFuncs;
  p.threshold() = quantile(bits, count, level, "threshold", selectionFuncs);
  p.upper() = select(upperCut,
                     quantile(bits, count, Expr(0.99995), "upper", selectionFuncs),
                     std::numeric_limits<float>::infinity());
  p.selectionFuncs = selectionFuncs;

  Expr g = grad(i), magnitude = abs(g);
  Expr moves = magnitude > p.threshold() && magnitude > 1e-9f && magnitude < p.upper();
  Expr move = select(moves, select(g > 0, -1, 1), 0);
  p.param(i) = cast<int8_t>(clamp(cast<int32_t>(param(i)) + move, -1, 1));
  return p;
}

void scheduleTSignSgdCpu(TSignSgdPipeline &p, int lanes) {
  // The selections are small serial scans (65536 bins) and histogram passes
  // over the adapter; the update is elementwise.
  for (Func f : p.selectionFuncs)
    f.compute_root();
  p.threshold.compute_root();
  p.upper.compute_root();
  p.param.compute_root().vectorize(p.i, lanes, TailStrategy::GuardWithIf);
}

} // namespace qtc::halide
