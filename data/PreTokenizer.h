//===- PreTokenizer.h - Splitting text before byte-level BPE ----*- C++ -*-===//
//
// A byte-level BPE tokenizer merges within pieces of the text, cut by the
// regular expressions its vocabulary was learned with; a GGUF file names
// them (`tokenizer.ggml.pre`), as llama.cpp and transformers map the name
// to the expressions. Each expression splits every piece the one before it
// left, keeping both the matches and the text between them ("isolated", as
// HF tokenizers' Split). The expressions run in PCRE2 (Debian's) with
// Unicode properties (`\p{L}`, `\p{N}`): no hand-written Unicode tables.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_DATA_PRETOKENIZER_H
#define QTC_DATA_PRETOKENIZER_H

#include "runtime/Status.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qtc {

class PreTokenizer {
public:
  /// The pre-tokenizer a GGUF file's `tokenizer.ggml.pre` names: "gpt2",
  /// "smollm" (each digit alone, then GPT-2's), "llama-bpe" (Llama 3) or
  /// "qwen2"; another name is an error naming the ones known.
  static Status forGgufName(const std::string &name,
                            std::unique_ptr<PreTokenizer> &out);
  /// Expressions applied one after the other (PCRE2 syntax).
  static Status fromExpressions(const std::vector<std::string> &expressions,
                                std::unique_ptr<PreTokenizer> &out);
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer &) = delete;
  PreTokenizer &operator=(const PreTokenizer &) = delete;

  /// Cuts valid UTF-8 `text` into pieces that concatenate to it; invalid
  /// UTF-8 is an error naming the byte (counted from `offset`, where `text`
  /// starts in a larger input).
  Status split(std::string_view text, std::vector<std::string_view> &pieces,
               size_t offset = 0) const;

private:
  PreTokenizer() = default;
  struct Expression;
  std::vector<std::unique_ptr<Expression>> expressions;
};

} // namespace qtc

#endif // QTC_DATA_PRETOKENIZER_H
