//===- BpeTokenizer.cpp - A byte-level BPE tokenizer ----------------------===//
#include "data/BpeTokenizer.h"

#include <algorithm>
#include <climits>
#include <queue>
#include <tuple>

namespace qtc {
namespace {

/// GPT-2's byte characters: printable Latin-1 bytes stand for themselves,
/// the others for U+0100 onwards, each as UTF-8.
const std::vector<std::string> &byteCharacters() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> chars(256);
    auto utf8 = [](uint32_t c) {
      std::string s;
      if (c < 0x80) {
        s += static_cast<char>(c);
      } else {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
      }
      return s;
    };
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      chars[b] = utf8(printable ? b : next++);
    }
    return chars;
  }();
  return table;
}

// llama.cpp's token types.
constexpr int64_t kControl = 3, kUserDefined = 4;

const GgufValue *find(const GgufHeader &header, const char *key) {
  auto it = header.metadata.find(key);
  return it == header.metadata.end() ? nullptr : &it->second;
}

Status stringArray(const GgufHeader &header, const char *key,
                   const std::vector<std::string> *&out) {
  const GgufValue *value = find(header, key);
  if (!value || value->type != GgufValueType::Array ||
      value->elementType != GgufValueType::String)
    return Status::error(std::string("the GGUF tokenizer needs ") + key +
                         ", an array of strings");
  out = &value->strings;
  return Status::success();
}

/// An optional token id key, checked against the vocabulary.
Status tokenId(const GgufHeader &header, const char *key, int64_t vocab,
               int32_t &out) {
  const GgufValue *value = find(header, key);
  if (!value)
    return Status::success();
  std::optional<int64_t> id = value->asInteger();
  if (!id || *id < 0 || *id >= vocab)
    return Status::error(std::string(key) + " is not a token id below " +
                         std::to_string(vocab));
  out = static_cast<int32_t>(*id);
  return Status::success();
}

} // namespace

const std::string &BpeTokenizer::byteCharacter(uint8_t byte) {
  return byteCharacters()[byte];
}

Status BpeTokenizer::fromGguf(const GgufHeader &header,
                              std::unique_ptr<BpeTokenizer> &out) {
  const GgufValue *model = find(header, "tokenizer.ggml.model");
  if (!model || model->type != GgufValueType::String)
    return Status::error("the GGUF file has no tokenizer.ggml.model");
  if (model->string != "gpt2")
    return Status::error("tokenizer.ggml.model is \"" + model->string +
                         "\"; qtc reads byte-level BPE (\"gpt2\") "
                         "vocabularies");
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  const std::vector<std::string> *tokens = nullptr, *merges = nullptr;
  QTC_RETURN_IF_ERROR(stringArray(header, "tokenizer.ggml.tokens", tokens));
  QTC_RETURN_IF_ERROR(stringArray(header, "tokenizer.ggml.merges", merges));
  if (tokens->empty() || tokens->size() > size_t(INT32_MAX))
    return Status::error("tokenizer.ggml.tokens holds " +
                         std::to_string(tokens->size()) + " tokens");
  t->tokens = *tokens;
  for (size_t i = 0; i < tokens->size(); ++i)
    // The first of two equal spellings wins, as in HF's vocabulary.
    t->idOf.emplace((*tokens)[i], static_cast<int32_t>(i));
  for (size_t i = 0; i < merges->size(); ++i) {
    const std::string &merge = (*merges)[i];
    size_t space = merge.find(' ');
    if (space == std::string::npos || space == 0 ||
        space + 1 == merge.size() || merge.find(' ', space + 1) != merge.npos)
      return Status::error("merge " + std::to_string(i) + " is not two "
                           "symbols separated by one space");
    t->mergeRank.emplace(merge, static_cast<int32_t>(i));
  }
  if (const GgufValue *types = find(header, "tokenizer.ggml.token_type")) {
    size_t width = types->type == GgufValueType::Array &&
                           (types->elementType == GgufValueType::I32 ||
                            types->elementType == GgufValueType::U32)
                       ? 4
                       : 0;
    if (!width || types->count != tokens->size())
      return Status::error("tokenizer.ggml.token_type must be one i32 per "
                           "token");
    for (size_t i = 0; i < tokens->size(); ++i) {
      int32_t type = 0;
      for (size_t b = 0; b < 4; ++b)
        type |= static_cast<int32_t>(types->elements[i * 4 + b]) << (8 * b);
      if ((type == kControl || type == kUserDefined) && !(*tokens)[i].empty())
        t->special.emplace_back((*tokens)[i], static_cast<int32_t>(i));
    }
    std::stable_sort(t->special.begin(), t->special.end(),
                     [](const auto &x, const auto &y) {
                       return x.first.size() > y.first.size();
                     });
  }
  const int64_t vocab = static_cast<int64_t>(tokens->size());
  QTC_RETURN_IF_ERROR(tokenId(header, "tokenizer.ggml.bos_token_id", vocab,
                              t->bosId));
  QTC_RETURN_IF_ERROR(tokenId(header, "tokenizer.ggml.eos_token_id", vocab,
                              t->eosId));
  if (const GgufValue *add = find(header, "tokenizer.ggml.add_bos_token"))
    t->addBosToken = add->type == GgufValueType::Bool && add->raw != 0;
  if (t->addBosToken && t->bosId < 0)
    return Status::error("tokenizer.ggml.add_bos_token is set without a "
                         "bos_token_id");
  std::string preName = "gpt2";
  if (const GgufValue *name = find(header, "tokenizer.ggml.pre"))
    if (name->type == GgufValueType::String)
      preName = name->string;
  QTC_RETURN_IF_ERROR(PreTokenizer::forGgufName(preName, t->pre));
  out = std::move(t);
  return Status::success();
}

Status BpeTokenizer::encodePiece(std::string_view piece,
                                 std::vector<int32_t> &ids) const {
  // Short pieces (words) repeat; long ones (whitespace runs) are not kept.
  constexpr size_t kCachedPiece = 64, kCacheEntries = size_t(1) << 20;
  std::string key(piece);
  if (auto hit = cache.find(key); hit != cache.end()) {
    ids.insert(ids.end(), hit->second.begin(), hit->second.end());
    return Status::success();
  }
  // The piece's bytes as a list of symbols; adjacent pairs in a min-heap by
  // (merge rank, position), so the lowest rank merges first and the
  // leftmost of equal ranks (as HF tokenizers' BPE): O(n log n) in the
  // piece's length, which a hostile text makes large.
  struct Symbol {
    std::string text;
    int64_t prev, next;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  for (size_t i = 0; i < piece.size(); ++i)
    symbols.push_back({byteCharacters()[static_cast<unsigned char>(piece[i])],
                       static_cast<int64_t>(i) - 1,
                       i + 1 < piece.size() ? static_cast<int64_t>(i) + 1
                                            : -1});
  using Candidate = std::tuple<int32_t, int64_t, int64_t>; // rank, left, right
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](int64_t left) {
    if (left < 0 || symbols[left].next < 0)
      return;
    int64_t right = symbols[left].next;
    auto rank =
        mergeRank.find(symbols[left].text + " " + symbols[right].text);
    if (rank != mergeRank.end())
      heap.emplace(rank->second, left, right);
  };
  for (int64_t i = 0; i + 1 < static_cast<int64_t>(symbols.size()); ++i)
    consider(i);
  while (!heap.empty()) {
    auto [rank, left, right] = heap.top();
    heap.pop();
    // Stale: the left symbol was merged away or has grown since.
    if (symbols[left].next != right || symbols[left].text.empty())
      continue;
    auto current =
        mergeRank.find(symbols[left].text + " " + symbols[right].text);
    if (current == mergeRank.end() || current->second != rank)
      continue;
    symbols[left].text += symbols[right].text;
    symbols[right].text.clear();
    symbols[left].next = symbols[right].next;
    if (symbols[right].next >= 0)
      symbols[symbols[right].next].prev = left;
    consider(symbols[left].prev);
    consider(left);
  }
  std::vector<int32_t> pieceIds;
  for (int64_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    auto id = idOf.find(symbols[i].text);
    // Vocabularies may lack bytes never seen in training (SmolLM2's has
    // no token for most control bytes): such text is refused, where HF
    // tokenizers would drop it silently.
    if (id == idOf.end())
      return Status::error("the vocabulary has no token for '" +
                           symbols[i].text + "'");
    pieceIds.push_back(id->second);
  }
  ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
  if (piece.size() <= kCachedPiece) {
    if (cache.size() >= kCacheEntries)
      cache.clear();
    cache.emplace(std::move(key), std::move(pieceIds));
  }
  return Status::success();
}

Status BpeTokenizer::encode(std::string_view text, std::vector<int32_t> &ids,
                            bool addBos, bool parseSpecial) const {
  ids.clear();
  if (addBos && addBosToken)
    ids.push_back(bosId);
  std::vector<std::string_view> pieces;
  const char *begin = text.data();
  while (!text.empty()) {
    // The earliest special token, the longest of those starting there.
    size_t at = text.size();
    const std::pair<std::string, int32_t> *match = nullptr;
    if (parseSpecial)
      for (const auto &candidate : special) {
        size_t found = text.substr(0, at + candidate.first.size())
                           .find(candidate.first);
        if (found != std::string_view::npos && found < at) {
          at = found;
          match = &candidate;
        }
      }
    QTC_RETURN_IF_ERROR(pre->split(text.substr(0, at), pieces,
                                   static_cast<size_t>(text.data() - begin)));
    for (std::string_view piece : pieces)
      QTC_RETURN_IF_ERROR(encodePiece(piece, ids));
    if (!match)
      break;
    ids.push_back(match->second);
    text.remove_prefix(at + match->first.size());
  }
  return Status::success();
}

Status BpeTokenizer::decode(const std::vector<int32_t> &ids,
                            std::string &text) const {
  static const std::unordered_map<std::string, char> byteOf = [] {
    std::unordered_map<std::string, char> map;
    for (int b = 0; b < 256; ++b)
      map[byteCharacters()[b]] = static_cast<char>(b);
    return map;
  }();
  text.clear();
  for (int32_t id : ids) {
    if (id < 0 || id >= vocabSize())
      return Status::error("token id " + std::to_string(id) +
                           " is outside the vocabulary of " +
                           std::to_string(vocabSize()));
    const std::string &token = tokens[static_cast<size_t>(id)];
    bool isSpecial = std::any_of(special.begin(), special.end(),
                                 [&](const auto &s) { return s.second == id; });
    if (isSpecial) {
      text += token;
      continue;
    }
    // Each UTF-8 character of a token is one byte's character.
    for (size_t i = 0; i < token.size();) {
      size_t length = (static_cast<unsigned char>(token[i]) & 0x80) ? 2 : 1;
      auto byte = byteOf.find(token.substr(i, length));
      if (byte == byteOf.end())
        return Status::error("token " + std::to_string(id) +
                             " is not spelled in byte characters");
      text += byte->second;
      i += length;
    }
  }
  return Status::success();
}

} // namespace qtc
