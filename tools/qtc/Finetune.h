//===- Finetune.h - qtc finetune --------------------------------*- C++ -*-===//
//
// The `qtc finetune` command: a model and text in, a fine-tuned adapter out,
// through import, the tokenizer, compile, the compiled trainer (qtc-train)
// and the exports (Finetune.cpp says which files each stage writes).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_TOOLS_QTC_FINETUNE_H
#define QTC_TOOLS_QTC_FINETUNE_H

#include "llvm/Support/CommandLine.h"

#include <string>

namespace qtc::driver {

extern llvm::cl::SubCommand finetuneCommand;
extern llvm::cl::OptionCategory finetuneOptions;

/// Runs the command parsed into finetuneCommand's options; `self` is the
/// qtc executable, run for its import and compile stages. Returns the exit
/// code (130 when interrupted, after the trainer wrote its checkpoint).
int runFinetune(const std::string &self);

} // namespace qtc::driver

#endif // QTC_TOOLS_QTC_FINETUNE_H
