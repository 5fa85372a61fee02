//===- AffineMseGrid.h - OWQ's MSE-grid row quantizer -----------*- C++ -*-===//
//
// The quantizer QEFT's layer-local sensitivity rounds a weight with
// (NUMERICS.md 5): the authors' `Quantizer.find_params(mse=True)` of
// OWQ/QEFT `quant.py`, asymmetric, one scale and zero per output column of
// w [K, N] over all K rows. It searches `grid` ranges [0, range * i / grid]
// and, for each, every zero-point shift, keeping the first range with the
// strictly smallest mean |w - Q(w)|^2.4.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_AFFINEMSEGRID_H
#define QTC_REFERENCE_AFFINEMSEGRID_H

#include "codegen/reference/Affine.h"

namespace qtc::ref {

/// Quantizes w [K, N] into `bits`-bit codes with one scale and integer zero
/// per output column (an AffineTensor whose group is K). Arithmetic is f32
/// as the authors' code runs it (ties to even); each score's mean is summed
/// in f64 and rounded to f32, so it can differ from torch's f32 summation by
/// an ulp, which matters only where two candidates score that close.
/// Errors on a non-finite weight or a column whose range overflows f32.
Status quantizeAffineMseGrid(const Array<float> &w, int bits,
                             int64_t gridPoints, AffineTensor &out);

} // namespace qtc::ref

#endif // QTC_REFERENCE_AFFINEMSEGRID_H
