//===- TrainData.h - Token windows, their split and their order -*- C++ -*-===//
//
// How a trainer walks its data: a token stream is cut into windows of the
// step's sequence length, each starting at the previous one's last token, so
// that every token after the first is a next-token target exactly once (the
// model shifts its labels itself, as Hugging Face's do). A seeded draw holds
// some windows out for evaluation; each epoch visits the rest in its own
// seeded order. Everything is a function of (seed, position), so a resumed run
// sees the batches an uninterrupted one would.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_TRAINDATA_H
#define QTC_RUNTIME_TRAINDATA_H

#include "runtime/Status.h"

#include <cstdint>
#include <vector>

namespace qtc {

struct TokenWindows {
  std::vector<int64_t> tokens;
  int64_t length = 0;

  int64_t count() const {
    return (static_cast<int64_t>(tokens.size()) - 1) / (length - 1);
  }
  /// The `length` tokens of window k.
  const int64_t *window(int64_t k) const {
    return tokens.data() + k * (length - 1);
  }
};

/// Cuts `tokens` into windows of `length` (at least 2); fewer tokens than
/// one window is an error.
Status makeTokenWindows(std::vector<int64_t> tokens, int64_t length,
                        TokenWindows &out);

/// A permutation of [0, n) drawn from `key` (Fisher-Yates on mixBits).
std::vector<int64_t> shuffledIndices(int64_t n, uint64_t key);

/// The windows a run trains on and those it evaluates on.
struct WindowSplit {
  std::vector<int64_t> train, eval;
};

/// Holds `evalCount` of `count` windows out, drawn from `seed`; at least one
/// window must be left to train on.
Status splitWindows(int64_t count, int64_t evalCount, uint64_t seed,
                    WindowSplit &out);

/// The training order: epoch e visits the training windows in their e-th
/// seeded shuffle.
class WindowOrder {
public:
  WindowOrder(std::vector<int64_t> train, uint64_t seed)
      : train(std::move(train)), seed(seed) {}
  /// The window at position p of the run (step t's j-th sequence is at
  /// p = (t - 1) * batch + j).
  int64_t at(int64_t p);

private:
  std::vector<int64_t> train;
  uint64_t seed;
  int64_t epoch = -1;
  std::vector<int64_t> order;
};

} // namespace qtc

#endif // QTC_RUNTIME_TRAINDATA_H
