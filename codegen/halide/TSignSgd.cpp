//===- TSignSgd.cpp - LoTA-QAF's t-SignSGD with a selection quantile ------===//
#include "codegen/halide/TSignSgd.h"

#include <iterator>

using namespace Halide;

namespace qtc::halide {
namespace {

/// Radix selection over the f32 bit patterns of |g| (non-negative, so their
/// order as u32 is their order as floats), one digit per pass from the most
/// significant: 11, 11 and 10 bits. A pass histograms the digit among the
/// elements whose higher digits match those already chosen, and picks the
/// digit whose cumulative count passes the rank. (Two 16-bit passes scanned
/// 65536 bins serially four times per order statistic, most of the kernel's
/// time on adapter-sized tensors.)
constexpr int kDigitBits[] = {11, 11, 10};
static_assert(kDigitBits[0] + kDigitBits[1] + kDigitBits[2] == 32,
              "the digits cover the 32-bit patterns");

/// One pass's histogram and its running sum (bins 0..2^bits-1).
struct DigitHistogram {
  Func hist, cum;
};

DigitHistogram histogramDigit(Func bits, Expr count, int pass, Expr prefix,
                              const std::string &name) {
  int shift = 32, width = kDigitBits[pass];
  for (int k = 0; k <= pass; ++k)
    shift -= kDigitBits[k];
  const int bins = 1 << width;
  Var b("b");
  RDom all(0, count, name + "_all");
  // Elements whose digits above this one are the prefix chosen so far.
  if (pass > 0)
    all.where((bits(all) >> (shift + width)) == prefix);
  DigitHistogram h{Func(name + "_hist"), Func(name + "_cum")};
  // (The clamp only bounds the index for Halide: the mask already does.)
  Expr digit =
      clamp(cast<int32_t>((bits(all) >> shift) & (bins - 1)), 0, bins - 1);
  h.hist(b) = 0;
  h.hist(digit) += 1;
  RDom scan(0, bins, name + "_scan");
  h.cum(b) = 0;
  h.cum(scan) = select(scan == 0, 0, h.cum(max(scan - 1, 0))) + h.hist(scan);
  return h;
}

/// The Funcs of one radix selection; all scalars but the histograms.
struct Selection {
  std::vector<Func> funcs;
  Expr value; ///< the u32 bit pattern of the rank-th smallest |g|
};

/// The rank-th (0-based) smallest of `count` non-negative f32 bit patterns.
/// `first` is the first pass's histogram, the same for every rank.
Selection selectRank(Func bits, Expr count, Expr rank,
                     const DigitHistogram &first, const std::string &name) {
  Selection s;
  Expr prefix = cast<uint32_t>(0), remaining = rank;
  for (int pass = 0; pass < int(std::size(kDigitBits)); ++pass) {
    std::string passName = name + "_pass" + std::to_string(pass);
    DigitHistogram h =
        pass == 0 ? first : histogramDigit(bits, count, pass, prefix, passName);
    if (pass > 0)
      s.funcs.insert(s.funcs.end(), {h.hist, h.cum});
    const int bins = 1 << kDigitBits[pass];
    RDom search(0, bins, passName + "_search");
    Func digit(passName + "_digit"), state(passName + "_state");
    digit() = argmax(h.cum(search) > remaining)[0];
    Expr d = digit();
    // The rank among the elements left, and the prefix with this digit.
    state() = {remaining - select(d == 0, 0, h.cum(clamp(d - 1, 0, bins - 1))),
               (prefix << kDigitBits[pass]) | cast<uint32_t>(d)};
    s.funcs.insert(s.funcs.end(), {digit, state});
    remaining = state()[0];
    prefix = state()[1];
  }
  s.value = prefix;
  return s;
}

/// quantile(|g|, level): linear interpolation between order statistics in
/// f64, rounded to f32 (the reference's quantile()).
Expr quantile(Func bits, Expr count, Expr level, const DigitHistogram &first,
              const std::string &name, std::vector<Func> &funcs) {
  Expr position = level * cast<double>(count - 1);
  Expr lo = cast<int32_t>(floor(position));
  Expr hi = min(lo + 1, count - 1);
  Selection a = selectRank(bits, count, lo, first, name + "_lo");
  Selection b = selectRank(bits, count, hi, first, name + "_hi");
  funcs.insert(funcs.end(), a.funcs.begin(), a.funcs.end());
  funcs.insert(funcs.end(), b.funcs.begin(), b.funcs.end());
  Expr vlo = cast<double>(reinterpret<float>(a.value));
  Expr vhi = cast<double>(reinterpret<float>(b.value));
  return cast<float>(
      strict_float(vlo + (vhi - vlo) * (position - cast<double>(lo))));
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
  Expr level = select(
      t <= phase1End, Expr(0.95) + (t / phase1End) * Expr(0.999 - 0.95), t >= T,
      Expr(0.9999),
      Expr(0.999) + ((t - phase1End) / (T - phase1End)) * Expr(0.9999 - 0.999));
  Expr upperCut = t > phase1End && gradNorm > 10.0f;
  p.upperCut = upperCut;

  // The first digit's histogram is that of all elements: one for every
  // order statistic.
  DigitHistogram first = histogramDigit(bits, count, 0, Expr(), "first_digit");
  p.selectionFuncs = {first.hist, first.cum};
  p.threshold() =
      quantile(bits, count, level, first, "threshold", p.selectionFuncs);
  p.upper() =
      select(upperCut,
             quantile(bits, count, Expr(0.99995), first, "upper", p.upperFuncs),
             std::numeric_limits<float>::infinity());

  Expr g = grad(i), magnitude = abs(g);
  Expr moves =
      magnitude > p.threshold() && magnitude > 1e-9f && magnitude < p.upper();
  Expr move = select(moves, select(g > 0, -1, 1), 0);
  p.param(i) = cast<int8_t>(clamp(cast<int32_t>(param(i)) + move, -1, 1));
  return p;
}

void scheduleTSignSgdCpu(TSignSgdPipeline &p, int lanes) {
  // The selections are small serial scans (at most 2048 bins) and histogram
  // passes over the adapter; the update is elementwise.
  for (Func f : p.selectionFuncs)
    f.compute_root();
  p.threshold.compute_root();
  // The upper cut's selections run inside the branch that needs them: most
  // steps (the early phase, or a small gradient norm) skip them.
  p.upper.compute_root().specialize(p.upperCut);
  for (Func f : p.upperFuncs)
    f.compute_at(p.upper, Var::outermost());
  p.param.compute_root().vectorize(p.i, lanes, TailStrategy::GuardWithIf);
}

} // namespace qtc::halide
