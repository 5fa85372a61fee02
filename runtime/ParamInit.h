//===- ParamInit.h - Starting trained parameters from a seed ----*- C++ -*-===//
//
// A trainer draws the parameters no checkpoint holds by the rule the
// compiler put in the step's table (qtc_init): LoRA's A as PEFT draws it,
// LoTA's A as NUMERICS.md 4 says, B at zero. The draws come from a
// counter-based generator keyed by (seed, parameter name, element), so a run
// starts the same on every machine and a parameter's values do not depend on
// which others the model has.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_PARAMINIT_H
#define QTC_RUNTIME_PARAMINIT_H

#include "runtime/HostTensor.h"
#include "runtime/Status.h"
#include "runtime/qtc_step.h"

#include <cstdint>
#include <string_view>

namespace qtc {

/// SplitMix64's finalizer: a bijection on 64 bits that mixes every input bit
/// into every output bit. The stream of a key is mix(key + i).
uint64_t mixBits(uint64_t x);

/// FNV-1a over `bytes`: the key of a name.
uint64_t hashBytes(std::string_view bytes);

/// The i-th uniform draw in [0, 1) of stream `key` (24 random bits, exact
/// in f32).
float uniformDraw(uint64_t key, uint64_t i);

/// Draws the parameter `info` (role QTC_ROLE_PARAM) by its init rule from
/// `seed`; QTC_INIT_GIVEN is an error (the weights must hold it).
Status initParameter(const qtc_tensor_info &info, uint64_t seed,
                     HostTensor &out);

} // namespace qtc

#endif // QTC_RUNTIME_PARAMINIT_H
