//===- ParamInit.cpp - Starting trained parameters from a seed ------------===//
#include "runtime/ParamInit.h"

#include "runtime/StepTable.h"

#include <cmath>

namespace qtc {

uint64_t mixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hashBytes(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

float uniformDraw(uint64_t key, uint64_t i) {
  return static_cast<float>(mixBits(key + i) >> 40) * 0x1p-24f;
}

Status initParameter(const qtc_tensor_info &info, uint64_t seed,
                     HostTensor &out) {
  DType dtype = stepDType(info);
  Shape shape = stepShape(info);
  std::string what = "parameter " + describeStepTensor(info);
  if (info.init == QTC_INIT_GIVEN)
    return Status::error(what + " is not drawn by a trainer: put it in a "
                                "--weights file");
  if (info.rank < 1 || shape[0] < 1)
    return Status::error(what + " has no fan-in dimension to draw it by");
  out = HostTensor(dtype, shape); // zero-filled
  uint64_t key = mixBits(seed ^ hashBytes(info.name));
  int64_t n = out.numel();
  double fanIn = static_cast<double>(shape[0]);
  switch (info.init) {
  case QTC_INIT_ZEROS:
    return Status::success();
  case QTC_INIT_UNIFORM_FAN_IN: {
    if (dtype != DType::F32)
      return Status::error(what + ": uniform_fan_in draws f32 only");
    float bound = static_cast<float>(1.0 / std::sqrt(fanIn));
    float *p = out.data<float>();
    for (int64_t i = 0; i < n; ++i)
      p[i] = (2.0f * uniformDraw(key, i) - 1.0f) * bound;
    return Status::success();
  }
  case QTC_INIT_TERNARY_KAIMING: {
    if (dtype != DType::I8)
      return Status::error(what + ": ternary_kaiming fills i8 only");
    // Box-Muller from two draws per element; the scale sqrt(2 / fan_in)
    // cancels in the threshold but is kept for the record.
    std::vector<double> normal(n);
    double meanAbs = 0;
    for (int64_t i = 0; i < n; ++i) {
      double u1 = 1.0 - uniformDraw(key, 2 * i); // (0, 1]: log is finite
      double u2 = uniformDraw(key, 2 * i + 1);
      normal[i] = std::sqrt(2.0 / fanIn) * std::sqrt(-2.0 * std::log(u1)) *
                  std::cos(2.0 * M_PI * u2);
      meanAbs += std::fabs(normal[i]);
    }
    double threshold = 0.75 * meanAbs / static_cast<double>(n);
    int8_t *p = out.data<int8_t>();
    for (int64_t i = 0; i < n; ++i)
      p[i] = normal[i] > threshold ? 1 : normal[i] < -threshold ? -1 : 0;
    return Status::success();
  }
  case QTC_INIT_GIVEN:
    break;
  }
  return Status::error(what + " has an unknown init rule " +
                       std::to_string(static_cast<int>(info.init)));
}

} // namespace qtc
