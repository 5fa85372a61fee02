//===- TestUtils.h - Random inputs for the reference tests ------*- C++ -*-===//
#ifndef QTC_TEST_UNIT_REFERENCE_TESTUTILS_H
#define QTC_TEST_UNIT_REFERENCE_TESTUTILS_H

#include "codegen/reference/Array.h"

#include <random>

namespace qtc::ref::test {

template <typename T = float>
Array<T> randomArray(Shape shape, std::mt19937 &rng, double stddev = 1.0) {
  std::normal_distribution<double> dist(0.0, stddev);
  Array<T> a(std::move(shape));
  for (T &x : a.data)
    x = static_cast<T>(dist(rng));
  return a;
}

inline Array<int8_t> randomTernary(Shape shape, std::mt19937 &rng) {
  std::uniform_int_distribution<int> dist(-1, 1);
  Array<int8_t> a(std::move(shape));
  for (int8_t &x : a.data)
    x = static_cast<int8_t>(dist(rng));
  return a;
}

} // namespace qtc::ref::test

#endif // QTC_TEST_UNIT_REFERENCE_TESTUTILS_H
