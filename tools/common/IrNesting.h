//===- IrNesting.h - Refuse IR nested deeper than the parser can take -*- C++ -*-===//
//
// MLIR's parser recurses for each level of brackets in attributes, types
// and regions, so a hostile file nested deeply enough overflows the stack
// (20,000 levels of `[` did, in qtc-opt, qtc-run and qtc compile). The
// tools scan their input first and refuse nesting past a limit no real
// program comes near, with the place it is passed.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_COMMON_IRNESTING_H
#define QTC_TOOLS_COMMON_IRNESTING_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace qtc {

/// Levels of `(`, `[`, `{` and `<` (outside string literals and comments).
constexpr unsigned kMaxIrNesting = 1000;

/// False, after printing "name:line:col: error: ..." to `errs`, if `text`
/// nests deeper than kMaxIrNesting.
bool checkIrNesting(llvm::StringRef text, llvm::StringRef name,
                    llvm::raw_ostream &errs);

} // namespace qtc

#endif // QTC_TOOLS_COMMON_IRNESTING_H
