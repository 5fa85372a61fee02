//===- Interpreter.cpp - Run a function of qt IR on the reference numerics ===//
//
// The driver and the builtin ops around qt ops: arith constants and
// elementwise math, static tensor slicing, padding and reshapes, and
// func.call/return.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/interpreter/Interpreter.h"
#include "codegen/reference/interpreter/InterpreterFrame.h"
#include "dialect/QtOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::qt {

using qtc::Status;

namespace {

std::string describe(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().str() + ":" + std::to_string(file.getLine()) +
            ":" + std::to_string(file.getColumn()));
  if (auto named = dyn_cast<NameLoc>(loc))
    return describe(named.getChildLoc());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      return describe(fused.getLocations().front());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << loc;
  return text;
}

template <typename T>
constexpr bool isFloatLike =
    std::is_same_v<T, float> || std::is_same_v<T, double> ||
    std::is_same_v<T, qtc::Half> || std::is_same_v<T, qtc::BFloat16>;

/// Rounds a double to T. f16 and bf16 go through f32: for +, -, *, / of
/// narrower operands that double rounding is innocuous.
template <typename T>
T store(double x) {
  if constexpr (std::is_same_v<T, qtc::Half>)
    return qtc::floatToHalf(static_cast<float>(x));
  else if constexpr (std::is_same_v<T, qtc::BFloat16>)
    return qtc::BFloat16{qtc::floatToBf16(static_cast<float>(x))};
  else
    return static_cast<T>(x);
}

/// Elementwise float math in the operands' own precision: f32 ops round
/// each result to f32 (as the compiled code does), f64 to f64.
template <typename Fn>
RuntimeValue floatElementwise(const RuntimeValue &a, const RuntimeValue *b,
                              Fn fn) {
  return visitDense(a, [&](const auto &x) -> RuntimeValue {
    using T = typename std::decay_t<decltype(x)>::value_type;
    if constexpr (isFloatLike<T>) {
      Array<T> out(x.shape);
      const Array<T> *y = b ? &std::get<Array<T>>(*b) : nullptr;
      for (int64_t i = 0; i < x.numel(); ++i) {
        if constexpr (std::is_same_v<T, float>)
          out[i] = static_cast<float>(
              fn(static_cast<float>(x[i]), y ? (*y)[i] : 0.0f));
        else
          out[i] = store<T>(
              fn(elementToDouble(x[i]), y ? elementToDouble((*y)[i]) : 0.0));
      }
      return out;
    } else {
      llvm_unreachable("float op on an integer value");
      return x;
    }
  });
}

/// Elementwise integer math with two's-complement wrap-around.
template <typename Fn>
RuntimeValue intElementwise(const RuntimeValue &a, const RuntimeValue &b,
                            Fn fn) {
  return visitDense(a, [&](const auto &x) -> RuntimeValue {
    using T = typename std::decay_t<decltype(x)>::value_type;
    if constexpr (!isFloatLike<T>) {
      const Array<T> &y = std::get<Array<T>>(b);
      Array<T> out(x.shape);
      for (int64_t i = 0; i < x.numel(); ++i)
        out[i] = static_cast<T>(
            fn(static_cast<uint64_t>(x[i]), static_cast<uint64_t>(y[i])));
      return out;
    } else {
      llvm_unreachable("integer op on a float value");
      return x;
    }
  });
}

/// A value of element type `element` and `shape` filled from `values`
/// (doubles for floats, int64 for integers).
RuntimeValue makeDense(Type element, qtc::Shape shape,
                       const std::vector<double> &floats,
                       const std::vector<int64_t> &ints) {
  auto fill = [&](auto tag) -> RuntimeValue {
    using T = decltype(tag);
    Array<T> out(shape);
    for (int64_t i = 0; i < out.numel(); ++i) {
      if constexpr (isFloatLike<T>)
        out[i] = store<T>(floats[floats.size() == 1 ? 0 : i]);
      else
        out[i] = static_cast<T>(ints[ints.size() == 1 ? 0 : i]);
    }
    return out;
  };
  if (element.isF32())
    return fill(float());
  if (element.isF64())
    return fill(double());
  if (element.isF16())
    return fill(qtc::Half());
  if (element.isBF16())
    return fill(qtc::BFloat16());
  if (element.isInteger(1))
    return fill(uint8_t());
  if (element.isInteger(8))
    return fill(int8_t());
  if (element.isInteger(16))
    return fill(int16_t());
  if (element.isInteger(32))
    return fill(int32_t());
  return fill(int64_t());
}

/// The most elements one value may have (8 GiB of f32): a mistyped or
/// hostile static shape (a 200000x200000 splat constant) is an error, not
/// an allocation that never ends or wraps to nothing.
constexpr uint64_t kMaxElements = 1ull << 31;

/// Refuses, before an op computes it, a value the reference cannot hold:
/// an element type it has no arrays for (f8 formats, f80, f128, complex,
/// odd integer widths), a dynamic shape, or more than kMaxElements.
Status checkRepresentable(Type type) {
  Type element = elementTypeOf(type);
  bool modeled = true;
  if (isa<FloatType>(element))
    modeled = element.isF16() || element.isBF16() || element.isF32() ||
              element.isF64();
  else if (auto integer = dyn_cast<IntegerType>(element))
    modeled = llvm::is_contained({1u, 8u, 16u, 32u, 64u}, integer.getWidth());
  else if (isa<ComplexType>(element))
    modeled = false;
  if (!modeled)
    return Status::error("element type " + typeToString(element) +
                         " is not one the reference backend models (f16, "
                         "bf16, f32, f64; i1, i8, i16, i32, i64)");
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return Status::success();
  if (!shaped.hasStaticShape())
    return Status::error("the reference backend needs static shapes, not " +
                         typeToString(type));
  uint64_t count = 0;
  if (!qtc::checkedNumElements(
          qtc::Shape(shaped.getShape().begin(), shaped.getShape().end()),
          count) ||
      count > kMaxElements)
    return Status::error(typeToString(type) + " has more than " +
                         std::to_string(kMaxElements) +
                         " elements, the most one value may hold");
  return Status::success();
}

Status run(arith::ConstantOp op, InterpreterFrame &frame) {
  Attribute value = op.getValue();
  Type type = op.getType();
  std::vector<double> floats;
  std::vector<int64_t> ints;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (isa<FloatType>(dense.getElementType()))
      for (APFloat f : dense.getValues<APFloat>())
        floats.push_back(f.convertToDouble());
    else
      for (APInt i : dense.getValues<APInt>())
        ints.push_back(dense.getElementType().isInteger(1) ? i.getZExtValue()
                                                           : i.getSExtValue());
  } else if (auto f = dyn_cast<FloatAttr>(value)) {
    floats.push_back(f.getValueAsDouble());
  } else if (auto i = dyn_cast<IntegerAttr>(value)) {
    ints.push_back(i.getType().isInteger(1) ? i.getValue().getZExtValue()
                                            : i.getValue().getSExtValue());
  } else {
    return Status::error("constants of this attribute kind are not supported");
  }
  frame.set(op.getResult(),
            makeDense(elementTypeOf(type), staticShapeOf(type), floats, ints));
  return Status::success();
}

template <typename OpT, typename Fn>
Status runFloatBinary(OpT op, InterpreterFrame &frame, Fn fn) {
  frame.set(op.getResult(), floatElementwise(frame.get(op.getLhs()),
                                             &frame.get(op.getRhs()), fn));
  return Status::success();
}

template <typename OpT, typename Fn>
Status runIntBinary(OpT op, InterpreterFrame &frame, Fn fn) {
  frame.set(op.getResult(),
            intElementwise(frame.get(op.getLhs()), frame.get(op.getRhs()), fn));
  return Status::success();
}

/// Float conversions (extf, truncf): through double, rounded once.
Status runFloatCast(Value in, Value out, InterpreterFrame &frame) {
  std::vector<double> values;
  visitDense(frame.get(in), [&](const auto &x) {
    for (int64_t i = 0; i < x.numel(); ++i)
      values.push_back(elementToDouble(x[i]));
    return 0;
  });
  frame.set(out, makeDense(elementTypeOf(out.getType()),
                           staticShapeOf(out.getType()), values, {}));
  return Status::success();
}

/// Calls fn(source flat index, destination flat index) for each element of
/// a static strided box of `sizes` at `offsets` in a tensor of `shape`,
/// destination indices running row-major over the box.
template <typename Fn>
void forEachInBox(const qtc::Shape &shape, ArrayRef<int64_t> offsets,
                  ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides, Fn fn) {
  int64_t count = 1;
  for (int64_t size : sizes)
    count *= size;
  std::vector<int64_t> index(sizes.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t source = 0;
    for (size_t d = 0; d < sizes.size(); ++d)
      source = source * shape[d] + offsets[d] + index[d] * strides[d];
    fn(source, flat);
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
}

/// MLIR's verifier does not check static slice bounds: every element of
/// the box must lie inside `shape`.
Status checkBox(const qtc::Shape &shape, ArrayRef<int64_t> offsets,
                ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides,
                StringRef what) {
  for (size_t d = 0; d < shape.size(); ++d) {
    if (sizes[d] == 0)
      continue;
    // offset + (size - 1) * stride < extent, without overflow.
    bool inside = offsets[d] >= 0 && sizes[d] > 0 && strides[d] > 0 &&
                  offsets[d] < shape[d] &&
                  (sizes[d] - 1) <= (shape[d] - 1 - offsets[d]) / strides[d];
    if (!inside)
      return Status::error(
          (what + " dim " + std::to_string(d) + ": offset " +
           std::to_string(offsets[d]) + ", size " + std::to_string(sizes[d]) +
           ", stride " + std::to_string(strides[d]) +
           " reach outside the extent " + std::to_string(shape[d]))
              .str());
  }
  return Status::success();
}

Status run(tensor::ExtractSliceOp op, InterpreterFrame &frame) {
  if (ShapedType::isDynamicShape(op.getStaticOffsets()) ||
      ShapedType::isDynamicShape(op.getStaticSizes()) ||
      ShapedType::isDynamicShape(op.getStaticStrides()))
    return Status::error("only static slices are supported");
  qtc::Shape shape = staticShapeOf(op.getSource().getType());
  QTC_RETURN_IF_ERROR(checkBox(shape, op.getStaticOffsets(),
                               op.getStaticSizes(), op.getStaticStrides(),
                               "the slice"));
  qtc::Shape resultShape = staticShapeOf(op.getType());
  frame.set(
      op.getResult(),
      visitDense(frame.get(op.getSource()), [&](const auto &x) -> RuntimeValue {
        std::decay_t<decltype(x)> out(resultShape);
        forEachInBox(shape, op.getStaticOffsets(), op.getStaticSizes(),
                     op.getStaticStrides(),
                     [&](int64_t from, int64_t to) { out[to] = x[from]; });
        return out;
      }));
  return Status::success();
}

Status run(tensor::InsertSliceOp op, InterpreterFrame &frame) {
  if (ShapedType::isDynamicShape(op.getStaticOffsets()) ||
      ShapedType::isDynamicShape(op.getStaticSizes()) ||
      ShapedType::isDynamicShape(op.getStaticStrides()))
    return Status::error("only static slices are supported");
  qtc::Shape shape = staticShapeOf(op.getDest().getType());
  QTC_RETURN_IF_ERROR(checkBox(shape, op.getStaticOffsets(),
                               op.getStaticSizes(), op.getStaticStrides(),
                               "the slice"));
  const RuntimeValue &source = frame.get(op.getSource());
  frame.set(
      op.getResult(),
      visitDense(
          frame.get(op.getDest()), [&](const auto &dest) -> RuntimeValue {
            auto out = dest;
            const auto &src = std::get<std::decay_t<decltype(dest)>>(source);
            forEachInBox(shape, op.getStaticOffsets(), op.getStaticSizes(),
                         op.getStaticStrides(), [&](int64_t to, int64_t from) {
                           out[to] = src[from];
                         });
            return out;
          }));
  return Status::success();
}

Status run(tensor::PadOp op, InterpreterFrame &frame) {
  Value padding = op.getConstantPaddingValue();
  if (!padding)
    return Status::error("only padding with one constant value is supported");
  if (ShapedType::isDynamicShape(op.getStaticLow()) ||
      ShapedType::isDynamicShape(op.getStaticHigh()))
    return Status::error("only static padding is supported");
  for (auto [low, high] : llvm::zip(op.getStaticLow(), op.getStaticHigh()))
    if (low < 0 || high < 0)
      return Status::error("negative padding (low " + std::to_string(low) +
                           ", high " + std::to_string(high) +
                           ") is not supported");
  qtc::Shape shape = staticShapeOf(op.getResultType());
  qtc::Shape sourceShape = staticShapeOf(op.getSource().getType());
  const RuntimeValue &pad = frame.get(padding);
  frame.set(op.getResult(),
            visitDense(frame.get(op.getSource()),
                       [&](const auto &src) -> RuntimeValue {
                         using A = std::decay_t<decltype(src)>;
                         A out(shape, std::get<A>(pad)[0]);
                         SmallVector<int64_t> ones(shape.size(), 1);
                         // Destination box = the source at offsets `low`.
                         forEachInBox(shape, op.getStaticLow(), sourceShape,
                                      ones, [&](int64_t to, int64_t from) {
                                        out[to] = src[from];
                                      });
                         return out;
                       }));
  return Status::success();
}

/// collapse_shape and expand_shape keep the row-major data as it is.
Status reshape(Value in, Value out, InterpreterFrame &frame) {
  qtc::Shape shape = staticShapeOf(out.getType());
  frame.set(out, visitDense(frame.get(in), [&](const auto &x) -> RuntimeValue {
              auto y = x;
              y.shape = shape;
              return y;
            }));
  return Status::success();
}

Status run(tensor::EmptyOp op, InterpreterFrame &frame) {
  if (!op.getType().hasStaticShape())
    return Status::error("only static shapes are supported");
  frame.set(op.getResult(), makeDense(op.getType().getElementType(),
                                      staticShapeOf(op.getType()), {0.0}, {0}));
  return Status::success();
}

} // namespace

namespace {

class FunctionRunner {
public:
  /// Calls nest at most this deep (a function that calls itself would
  /// otherwise overflow the stack).
  static constexpr int kMaxCallDepth = 256;

  explicit FunctionRunner(func::FuncOp func, int depth = 0)
      : func(func), depth(depth) {}

  Status run(ArrayRef<RuntimeValue> args,
             SmallVectorImpl<RuntimeValue> &results) {
    if (func.isExternal())
      return Status::error("function @" + func.getSymName().str() +
                           " has no body");
    Block &entry = func.getBody().front();
    if (!func.getBody().hasOneBlock())
      return Status::error("functions with more than one block are not "
                           "supported");
    for (auto [arg, value] : llvm::zip(entry.getArguments(), args))
      frame.set(arg, value);
    for (Operation &op : entry) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands())
          results.push_back(frame.get(v));
        return Status::success();
      }
      Status status = execute(&op);
      if (!status.ok())
        return Status::error(describe(op.getLoc()) + ": '" +
                             op.getName().getStringRef().str() +
                             "': " + status.message());
    }
    return Status::error("function has no return");
  }

private:
  Status execute(Operation *op) {
    for (Type type : op->getResultTypes())
      QTC_RETURN_IF_ERROR(checkRepresentable(type));
    FailureOr<Status> qt = interpretQtOp(op, frame);
    if (succeeded(qt))
      return *qt;
    return llvm::TypeSwitch<Operation *, Status>(op)
        .Case([&](arith::ConstantOp c) { return mlir::qt::run(c, frame); })
        .Case([&](arith::AddFOp o) {
          return runFloatBinary(o, frame, [](auto a, auto b) { return a + b; });
        })
        .Case([&](arith::SubFOp o) {
          return runFloatBinary(o, frame, [](auto a, auto b) { return a - b; });
        })
        .Case([&](arith::MulFOp o) {
          return runFloatBinary(o, frame, [](auto a, auto b) { return a * b; });
        })
        .Case([&](arith::DivFOp o) {
          return runFloatBinary(o, frame, [](auto a, auto b) { return a / b; });
        })
        .Case([&](arith::MaximumFOp o) {
          return runFloatBinary(o, frame, [](auto a, auto b) {
            return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
          });
        })
        .Case([&](arith::NegFOp o) {
          frame.set(o.getResult(),
                    floatElementwise(frame.get(o.getOperand()), nullptr,
                                     [](auto a, auto) { return -a; }));
          return Status::success();
        })
        .Case([&](arith::AddIOp o) {
          return runIntBinary(o, frame,
                              [](uint64_t a, uint64_t b) { return a + b; });
        })
        .Case([&](arith::SubIOp o) {
          return runIntBinary(o, frame,
                              [](uint64_t a, uint64_t b) { return a - b; });
        })
        .Case([&](arith::MulIOp o) {
          return runIntBinary(o, frame,
                              [](uint64_t a, uint64_t b) { return a * b; });
        })
        .Case([&](arith::ExtFOp o) {
          return runFloatCast(o.getIn(), o.getResult(), frame);
        })
        .Case([&](arith::TruncFOp o) {
          return runFloatCast(o.getIn(), o.getResult(), frame);
        })
        .Case([&](tensor::ExtractSliceOp o) { return mlir::qt::run(o, frame); })
        .Case([&](tensor::InsertSliceOp o) { return mlir::qt::run(o, frame); })
        .Case([&](tensor::PadOp o) { return mlir::qt::run(o, frame); })
        .Case([&](tensor::EmptyOp o) { return mlir::qt::run(o, frame); })
        .Case([&](tensor::CollapseShapeOp o) {
          if (!o.getResultType().hasStaticShape())
            return Status::error("only static shapes are supported");
          return reshape(o.getSrc(), o.getResult(), frame);
        })
        .Case([&](tensor::ExpandShapeOp o) {
          if (!o.getResultType().hasStaticShape())
            return Status::error("only static shapes are supported");
          return reshape(o.getSrc(), o.getResult(), frame);
        })
        .Case([&](KernelOp kernel) -> Status {
          // A fused kernel computes what its body computes.
          Block &body = kernel.getBodyBlock();
          for (auto [arg, input] :
               llvm::zip_equal(body.getArguments(), kernel.getInputs()))
            frame.set(arg, frame.get(input));
          for (Operation &inner : body.without_terminator())
            QTC_RETURN_IF_ERROR(execute(&inner).withContext(
                "in '" + inner.getName().getStringRef().str() + "'"));
          for (auto [result, yielded] : llvm::zip_equal(
                   kernel.getResults(), kernel.getYield().getValues()))
            frame.set(result, frame.get(yielded));
          return Status::success();
        })
        .Case([&](func::CallOp call) -> Status {
          auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr());
          if (!callee)
            return Status::error("unknown callee @" + call.getCallee().str());
          if (depth + 1 >= kMaxCallDepth)
            return Status::error("calls nest deeper than " +
                                 std::to_string(kMaxCallDepth) +
                                 " (does @" + call.getCallee().str() +
                                 " call itself?)");
          SmallVector<RuntimeValue> args, results;
          for (Value v : call.getOperands())
            args.push_back(frame.get(v));
          QTC_RETURN_IF_ERROR(
              FunctionRunner(callee, depth + 1).run(args, results));
          for (auto [result, value] : llvm::zip(call.getResults(), results))
            frame.set(result, std::move(value));
          return Status::success();
        })
        .Default([](Operation *) {
          return Status::error("the reference backend cannot run this op");
        });
  }

  func::FuncOp func;
  int depth;
  InterpreterFrame frame;
};

} // namespace

Status interpret(func::FuncOp func, ArrayRef<RuntimeValue> args,
                 SmallVectorImpl<RuntimeValue> &results) {
  if (args.size() != func.getNumArguments())
    return Status::error("@" + func.getSymName().str() + " takes " +
                         std::to_string(func.getNumArguments()) +
                         " arguments, got " + std::to_string(args.size()));
  return FunctionRunner(func).run(args, results);
}

} // namespace mlir::qt
