//===- StepCodegen.h - a kernel graph to a C++ training step ----*- C++ -*-===//
//
// The last stage of `qtc compile`: a function after qt-fuse and
// qt-plan-memory becomes step.cpp, which calls one Halide kernel per
// qt.kernel over slices of the arena, and the list of generator
// invocations that build those kernels for the target.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_STEP_STEPCODEGEN_H
#define QTC_CODEGEN_STEP_STEPCODEGEN_H

#include "codegen/registry/KernelRegistry.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::qt {

/// One kernel library: registry entry `generator` (KernelRegistry.h) with
/// every generator parameter resolved, compiled as C function `function`.
struct KernelLibrary {
  std::string function;
  std::string generator;
  std::vector<std::string> params; // "transpose_a=true", ..., registry order
  /// The targets the entry has schedules for with these parameters.
  qtc::kernels::TargetSet targets = 0;
};

struct StepProgram {
  /// step.cpp: includes runtime/qtc_kernel_call.h and each kernel's header,
  /// defines qtc_program_get() (runtime/qtc_step.h).
  std::string source;
  /// Distinct kernels, in first-call order.
  std::vector<KernelLibrary> kernels;
};

struct StepOptions {
  /// Kernels may run on a GPU: after each call, every buffer it touched is
  /// copied back to the host and its device memory freed, so the next
  /// kernel (CPU or GPU) reads the host copy.
  bool syncDeviceBuffers = false;
};

/// Fails with a diagnostic on the first op that no kernel computes, or if
/// the function has not been through qt-fuse and qt-plan-memory.
FailureOr<StepProgram> emitStepProgram(func::FuncOp func,
                                       const StepOptions &options = {});

} // namespace mlir::qt

#endif // QTC_CODEGEN_STEP_STEPCODEGEN_H
