//===- QtTypeInterfaces.td - interfaces of qt types --------*- tablegen -*-===//

#ifndef QT_TYPE_INTERFACES_TD
#define QT_TYPE_INTERFACES_TD

include "mlir/IR/OpBase.td"

// Every quantized tensor type: a static shape plus the storage tensors that
// hold its numbers once it is taken apart (`qt.unpack`) or bufferized.
def Qt_QuantizedTypeInterface : TypeInterface<"QuantizedTypeInterface"> {
  let cppNamespace = "::mlir::qt";
  let description = [{
    A tensor of quantized numbers. `getStorageTypes()` lists, in order, the
    plain tensors that hold it (for example mantissas then exponents); the
    names of `getStorageNames()` appear in diagnostics.
  }];
  let methods = [
    InterfaceMethod<"The logical (dequantized) shape.",
      "::llvm::ArrayRef<int64_t>", "getShape">,
    InterfaceMethod<"The storage tensors, in `qt.pack` operand order.",
      "::llvm::SmallVector<::mlir::RankedTensorType>", "getStorageTypes">,
    InterfaceMethod<"A name per storage tensor, for diagnostics.",
      "::llvm::SmallVector<::llvm::StringRef>", "getStorageNames">,
    InterfaceMethod<[{
      The values each storage tensor may hold (StorageValues.h), checked
      wherever a stored value is read from a file.
    }], "::llvm::SmallVector<::mlir::qt::StorageValues>", "getStorageValues">,
  ];
  let extraSharedClassDeclaration = [{
    int64_t getRank() { return $_type.getShape().size(); }
    int64_t getNumElements() {
      int64_t n = 1;
      for (int64_t d : $_type.getShape())
        n *= d;
      return n;
    }
  }];
}

#endif // QT_TYPE_INTERFACES_TD
