//===- PlanMemory.cpp - one static arena for a training step --------------===//
//
// Every intermediate of the kernel graph gets a fixed place in one arena,
// so a compiled step allocates nothing while it runs. Values whose
// lifetimes overlap never share bytes; a kernel's inputs and outputs count
// as overlapping (kernels do not work in place). A view (a reshape) shares
// its source's bytes, which stay live while the view is read.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Views.h"

#include "dialect/QtOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::qt {
#define GEN_PASS_DEF_QTPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

constexpr int64_t kAlignment = 64;
/// The `qt.arena` offset of a storage tensor that lives in the function's
/// result buffer instead of the arena.
constexpr int64_t kInResult = -1;

int64_t alignUp(int64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// One storage tensor of one kernel result: what the arena places.
struct Buffer {
  KernelOp kernel;
  unsigned slot;        // index among the kernel's storage tensors
  int64_t size;         // aligned bytes
  unsigned first, last; // the ops (by position) it is live across
  int64_t offset = -1;
};

/// The position of the last op of `body` that reads `value` or a view of it
/// (a view's reader reads the bytes of its source).
unsigned lastUse(Block &body, Value value, unsigned first,
                 const DenseMap<Operation *, unsigned> &position) {
  unsigned last = first;
  for (Operation *user : value.getUsers()) {
    Operation *op = body.findAncestorOpInBlock(*user);
    last = std::max(last, position.lookup(op));
    if (op == user && isView(user))
      last = std::max(last, lastUse(body, user->getResult(0), first, position));
  }
  return last;
}

struct PlanMemoryPass : qt::impl::QtPlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override;
};

void PlanMemoryPass::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return;
  Block &body = func.getBody().front();
  // One static arena, and buffers the caller allocates from a table: every
  // shape must be known now.
  for (Type type : llvm::concat<const Type>(func.getArgumentTypes(),
                                            func.getResultTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && !tensor.hasStaticShape()) {
      func.emitError("qt-plan-memory needs static shapes; the function takes "
                     "or returns ")
          << type;
      return signalPassFailure();
    }
  }
  DenseMap<Operation *, unsigned> position;
  for (auto [i, op] : llvm::enumerate(body))
    position[&op] = i;

  // A kernel result the function returns is written straight into the
  // caller's result buffer: it needs no arena bytes and no copy.
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  DenseSet<Value> returned(ret.getOperands().begin(), ret.getOperands().end());
  DenseMap<Operation *, SmallVector<int64_t>> offsets;
  unsigned inPlace = 0;

  SmallVector<Buffer> buffers;
  for (Operation &op : body) {
    auto kernel = dyn_cast<KernelOp>(op);
    if (!kernel) {
      if (isa<arith::ConstantOp>(op) || isView(&op))
        continue;
      for (Type type : op.getResultTypes())
        if (isa<RankedTensorType, QuantizedTypeInterface>(type)) {
          op.emitOpError("computes a tensor outside a qt.kernel; run "
                         "qt-fuse before qt-plan-memory");
          return signalPassFailure();
        }
      continue;
    }
    unsigned slot = 0;
    for (Type type : kernel.getResultTypes()) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (tensor && !tensor.hasStaticShape()) {
        kernel.emitOpError("qt-plan-memory needs static shapes; a result has ")
            << type;
        return signalPassFailure();
      }
    }
    for (Value result : kernel.getResults()) {
      if (returned.contains(result)) {
        for (size_t i = 0, e = getStorageTypes(result.getType()).size(); i < e;
             ++i)
          offsets[kernel].push_back(kInResult);
        slot += getStorageTypes(result.getType()).size();
        ++inPlace;
        continue;
      }
      unsigned last = lastUse(body, result, position[&op], position);
      for (RankedTensorType type : getStorageTypes(result.getType()))
        buffers.push_back(
            {kernel, slot++, alignUp(getByteSize(type)), position[&op], last});
    }
  }

  // First fit, largest first: each buffer takes the lowest offset that no
  // already placed buffer live at the same time occupies.
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  llvm::stable_sort(order,
                    [](Buffer *a, Buffer *b) { return a->size > b->size; });
  int64_t arenaSize = 0, total = 0;
  SmallVector<Buffer *> placed;
  for (Buffer *b : order) {
    SmallVector<std::pair<int64_t, int64_t>> busy;
    for (Buffer *p : placed)
      if (p->first <= b->last && b->first <= p->last)
        busy.push_back({p->offset, p->offset + p->size});
    llvm::sort(busy);
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (offset + b->size <= begin)
        break;
      offset = std::max(offset, end);
    }
    b->offset = offset;
    arenaSize = std::max(arenaSize, offset + b->size);
    total += b->size;
    placed.push_back(b);
  }

  Builder builder(&getContext());
  for (Buffer &b : buffers) {
    SmallVector<int64_t> &list = offsets[b.kernel];
    list.resize(std::max<size_t>(list.size(), b.slot + 1), kInResult);
    list[b.slot] = b.offset;
  }
  for (auto &[op, list] : offsets)
    op->setAttr("qt.arena", builder.getDenseI64ArrayAttr(list));
  func->setAttr("qt.arena_size", builder.getI64IntegerAttr(arenaSize));
  func.emitRemark() << "arena of " << arenaSize << " bytes for "
                    << buffers.size() << " intermediates of " << total
                    << " bytes; " << inPlace << " results written in place";
}

} // namespace
