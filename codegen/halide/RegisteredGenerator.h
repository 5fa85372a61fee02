//===- RegisteredGenerator.h - Generators from the registry --*- C++ -*-===//
//
// Each of qtc's generators is an entry of codegen/registry/KernelRegistry:
// its configure() hands the values of its GeneratorParams to the registry,
// which checks them (an unknown name or value stops the generator with the
// allowed ones) and returns the C function's arguments; this base declares
// exactly those inputs and outputs, in that order, with those types. So the
// generated function and the step code generator's calls cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_REGISTEREDGENERATOR_H
#define QTC_CODEGEN_HALIDE_REGISTEREDGENERATOR_H

#include "codegen/registry/KernelRegistry.h"

#include "Halide.h"

#include <functional>
#include <map>
#include <string>

namespace qtc::halide {

/// The Halide type of a registry element type.
Halide::Type halideType(kernels::ElemType type);

/// The registry's class of a Halide target.
kernels::TargetClass targetClassOf(const Halide::Target &target);

/// A generator parameter's value as the registry spells it.
inline std::string settingOf(bool v) { return v ? "true" : "false"; }
inline std::string settingOf(int v) { return std::to_string(v); }
template <typename E>
std::string settingOf(E v) {
  return kernels::enumName(v);
}

template <typename T>
class RegisteredGenerator : public Halide::Generator<T> {
protected:
  using Settings = std::map<std::string, std::string>;

  /// Declares the inputs and outputs of registry entry `generator` for the
  /// generator's parameter `settings` (every one of them). Call from
  /// configure().
  void declareArguments(const std::string &generator,
                        const Settings &settings) {
    const kernels::Kernel *kernel = kernels::lookup(generator);
    _halide_user_assert(kernel)
        << "generator " << generator << " is not in the kernel registry";
    _halide_user_assert(settings.size() == kernel->params.size())
        << "generator " << generator << " has " << settings.size()
        << " parameters, its registry entry " << kernel->params.size();
    std::string error;
    std::optional<kernels::ParamValues> resolved =
        kernel->resolve(settings, &error);
    _halide_user_assert(resolved) << error;
    values = *resolved;
    kernels::TargetClass target = targetClassOf(this->get_target());
    _halide_user_assert(kernels::has(kernel->targets(values), target))
        << "kernel " << generator << " (" << values.str()
        << ") has no schedule for " << kernels::targetClassName(target);
    for (const kernels::Arg &arg : kernel->signature(values, target))
      declare(arg);
  }

  /// The buffer input `name` (Func-like, with dim() and type()).
  Halide::GeneratorInput<Halide::Buffer<>> &input(const std::string &name) {
    auto it = buffers.find(name);
    _halide_user_assert(it != buffers.end()) << "no buffer input " << name;
    return *it->second;
  }
  /// The scalar input `name`.
  Halide::Expr scalar(const std::string &name) {
    auto it = scalars.find(name);
    _halide_user_assert(it != scalars.end()) << "no scalar input " << name;
    return it->second();
  }
  Halide::GeneratorOutput<Halide::Buffer<>> &output(const std::string &name) {
    auto it = outputs.find(name);
    _halide_user_assert(it != outputs.end()) << "no output " << name;
    return *it->second;
  }

  kernels::ParamValues values;

private:
  void declare(const kernels::Arg &arg) {
    if (arg.output) {
      outputs[arg.name] = this->template add_output<Halide::Buffer<>>(
          arg.name, halideType(arg.type), arg.rank);
      return;
    }
    if (!arg.isScalar()) {
      buffers[arg.name] = this->template add_input<Halide::Buffer<>>(
          arg.name, halideType(arg.type), arg.rank);
      return;
    }
    switch (arg.type) {
    case kernels::ElemType::F32:
      scalars[arg.name] = lazy(this->template add_input<float>(arg.name));
      break;
    case kernels::ElemType::F64:
      scalars[arg.name] = lazy(this->template add_input<double>(arg.name));
      break;
    case kernels::ElemType::I32:
      scalars[arg.name] = lazy(this->template add_input<int32_t>(arg.name));
      break;
    case kernels::ElemType::I64:
      scalars[arg.name] = lazy(this->template add_input<int64_t>(arg.name));
      break;
    case kernels::ElemType::U64:
      scalars[arg.name] = lazy(this->template add_input<uint64_t>(arg.name));
      break;
    default:
      _halide_user_assert(false)
          << "scalar " << arg.name << " of type "
          << kernels::elemTypeName(arg.type) << " is not supported";
    }
  }

  std::map<std::string, Halide::GeneratorInput<Halide::Buffer<>> *> buffers;
  /// Read as Exprs only in generate() (Halide forbids it earlier).
  template <typename Input>
  static std::function<Halide::Expr()> lazy(Input *in) {
    return [in] { return Halide::Expr(*in); };
  }

  std::map<std::string, std::function<Halide::Expr()>> scalars;
  std::map<std::string, Halide::GeneratorOutput<Halide::Buffer<>> *> outputs;
};

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_REGISTEREDGENERATOR_H
