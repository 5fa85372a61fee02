//===- BpeTokenizer.h - A byte-level BPE tokenizer --------------*- C++ -*-===//
//
// The tokenizer of GPT-2, SmolLM2, Llama 3 and Qwen2: text is cut by the
// model's pre-tokenizer (PreTokenizer.h), each piece's UTF-8 bytes are
// spelled as GPT-2's byte characters, and adjacent symbols are merged by
// the vocabulary's merge list, lowest rank first (as HF tokenizers' BPE and
// llama.cpp do). Special tokens (a GGUF's CONTROL and USER_DEFINED types)
// are matched whole in the text first, the longest where several start at
// one place. Built from a GGUF file's metadata (`tokenizer.ggml.*`),
// every count and id checked.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_DATA_BPETOKENIZER_H
#define QTC_DATA_BPETOKENIZER_H

#include "data/PreTokenizer.h"
#include "runtime/Gguf.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace qtc {

class BpeTokenizer {
public:
  /// From a GGUF header's `tokenizer.ggml.model` "gpt2" vocabulary:
  /// tokens, token_type, merges, pre, bos/eos ids, add_bos_token.
  static Status fromGguf(const GgufHeader &header,
                         std::unique_ptr<BpeTokenizer> &out);

  /// Token ids of `text` (valid UTF-8), with the BOS token first when the
  /// vocabulary says to add it and `addBos`; special tokens in the text
  /// are matched when `parseSpecial`.
  Status encode(std::string_view text, std::vector<int32_t> &ids,
                bool addBos = true, bool parseSpecial = true) const;
  /// The text of `ids` (special tokens as their text).
  Status decode(const std::vector<int32_t> &ids, std::string &text) const;

  /// GPT-2's character for `byte`, as UTF-8: printable Latin-1 bytes stand
  /// for themselves, the others for U+0100 onwards.
  static const std::string &byteCharacter(uint8_t byte);

  int64_t vocabSize() const { return static_cast<int64_t>(tokens.size()); }
  int32_t bos() const { return bosId; }
  int32_t eos() const { return eosId; }

private:
  BpeTokenizer() = default;
  /// Appends the ids of one pre-tokenized piece.
  Status encodePiece(std::string_view piece, std::vector<int32_t> &ids) const;

  std::vector<std::string> tokens;
  std::unordered_map<std::string, int32_t> idOf;
  std::unordered_map<std::string, int32_t> mergeRank; // "left right"
  std::vector<std::pair<std::string, int32_t>> special; // longest first
  std::unique_ptr<PreTokenizer> pre;
  int32_t bosId = -1, eosId = -1;
  bool addBosToken = false;
  /// A piece's ids, remembered: corpora repeat their words.
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
};

} // namespace qtc

#endif // QTC_DATA_BPETOKENIZER_H
