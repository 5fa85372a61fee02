//===- TrainData.cpp - Token windows, their split and their order ---------===//
#include "runtime/TrainData.h"

#include "runtime/ParamInit.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace qtc {

Status makeTokenWindows(std::vector<int64_t> tokens, int64_t length,
                        TokenWindows &out) {
  if (length < 2)
    return Status::error("a training sequence needs at least 2 tokens, the "
                         "step takes " +
                         std::to_string(length));
  if (static_cast<int64_t>(tokens.size()) < length)
    return Status::error("the data has " + std::to_string(tokens.size()) +
                         " tokens, fewer than one sequence of " +
                         std::to_string(length));
  out.tokens = std::move(tokens);
  out.length = length;
  return Status::success();
}

std::vector<int64_t> shuffledIndices(int64_t n, uint64_t key) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    // The modulo's bias is below 2^-40 for any n a run has.
    int64_t j =
        static_cast<int64_t>(mixBits(key + i) % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

Status splitWindows(int64_t count, int64_t evalCount, uint64_t seed,
                    WindowSplit &out) {
  if (evalCount < 0 || evalCount >= count)
    return Status::error("cannot hold " + std::to_string(evalCount) + " of " +
                         std::to_string(count) +
                         " sequences out for evaluation and train on the "
                         "rest: give more data or a smaller eval share");
  // Stream 0 of the seed is the split; epochs use streams 1, 2, ...
  std::vector<int64_t> order = shuffledIndices(count, mixBits(seed));
  out.eval.assign(order.begin(), order.begin() + evalCount);
  out.train.assign(order.begin() + evalCount, order.end());
  // Each in stream order, so that the split alone (not the draw's order)
  // decides what a batch holds.
  std::sort(out.eval.begin(), out.eval.end());
  std::sort(out.train.begin(), out.train.end());
  return Status::success();
}

int64_t WindowOrder::at(int64_t p) {
  int64_t n = static_cast<int64_t>(train.size());
  int64_t e = p / n;
  if (e != epoch) {
    std::vector<int64_t> shuffle =
        shuffledIndices(n, mixBits(seed + static_cast<uint64_t>(e) + 1));
    order.resize(n);
    for (int64_t i = 0; i < n; ++i)
      order[i] = train[shuffle[i]];
    epoch = e;
  }
  return order[p % n];
}

} // namespace qtc
