//===- PreTokenizer.cpp - Splitting text before byte-level BPE ------------===//
#include "data/PreTokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace qtc {
namespace {

// GPT-2's expression (HF ByteLevel with use_regex).
constexpr const char *kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama 3's (llama.cpp "llama-bpe"; transformers' _LLAMA3_SPLIT).
constexpr const char *kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2's (transformers' qwen2 PRETOKENIZE_REGEX).
constexpr const char *kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct Named {
  const char *name;
  std::vector<const char *> expressions;
};

const std::vector<Named> &knownPreTokenizers() {
  static const std::vector<Named> known = {
      {"gpt2", {kGpt2}},
      // SmolLM's tokenizer.json: Digits(individual_digits) then ByteLevel;
      // llama.cpp's "smollm" likewise.
      {"smollm", {R"(\p{N})", kGpt2}},
      {"llama-bpe", {kLlama3}},
      {"llama3", {kLlama3}},
      {"qwen2", {kQwen2}},
  };
  return known;
}

} // namespace

struct PreTokenizer::Expression {
  pcre2_code *code = nullptr;
  pcre2_match_data *match = nullptr;
  ~Expression() {
    pcre2_match_data_free(match);
    pcre2_code_free(code);
  }
};

PreTokenizer::~PreTokenizer() = default;

Status PreTokenizer::fromExpressions(
    const std::vector<std::string> &sources,
    std::unique_ptr<PreTokenizer> &out) {
  std::unique_ptr<PreTokenizer> pre(new PreTokenizer());
  for (const std::string &source : sources) {
    auto expression = std::make_unique<Expression>();
    int error = 0;
    PCRE2_SIZE at = 0;
    expression->code = pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
        PCRE2_UTF | PCRE2_UCP, &error, &at, nullptr);
    if (!expression->code) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      return Status::error("pre-tokenizer expression '" + source +
                           "' does not compile at offset " +
                           std::to_string(at) + ": " +
                           reinterpret_cast<const char *>(message));
    }
    // JIT where the platform has it; the interpreter otherwise.
    (void)pcre2_jit_compile(expression->code, PCRE2_JIT_COMPLETE);
    expression->match =
        pcre2_match_data_create_from_pattern(expression->code, nullptr);
    pre->expressions.push_back(std::move(expression));
  }
  out = std::move(pre);
  return Status::success();
}

Status PreTokenizer::forGgufName(const std::string &name,
                                 std::unique_ptr<PreTokenizer> &out) {
  std::string names;
  for (const Named &known : knownPreTokenizers()) {
    if (known.name == name)
      return fromExpressions(std::vector<std::string>(known.expressions.begin(),
                                                      known.expressions.end()),
                             out);
    names += std::string(names.empty() ? "" : ", ") + known.name;
  }
  return Status::error("pre-tokenizer '" + name + "' is not known (qtc "
                       "knows " + names + ")");
}

Status PreTokenizer::split(std::string_view text,
                           std::vector<std::string_view> &pieces,
                           size_t offset) const {
  std::vector<std::string_view> current = {text};
  for (size_t e = 0; e < expressions.size(); ++e) {
    const Expression &expression = *expressions[e];
    std::vector<std::string_view> next;
    for (std::string_view piece : current) {
      PCRE2_SIZE start = 0, gap = 0;
      // The first expression checks the UTF-8 once; later ones see only
      // pieces of checked text.
      uint32_t options = e == 0 ? 0 : PCRE2_NO_UTF_CHECK;
      while (start < piece.size()) {
        int rc = pcre2_match(expression.code,
                             reinterpret_cast<PCRE2_SPTR>(piece.data()),
                             piece.size(), start, options, expression.match,
                             nullptr);
        options |= PCRE2_NO_UTF_CHECK;
        if (rc == PCRE2_ERROR_NOMATCH)
          break;
        if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
          return Status::error(
              "the text is not valid UTF-8 at byte " +
              std::to_string(offset +
                             static_cast<size_t>(piece.data() - text.data()) +
                             pcre2_get_startchar(expression.match)));
        if (rc < 0) {
          PCRE2_UCHAR message[256];
          pcre2_get_error_message(rc, message, sizeof(message));
          return Status::error(std::string("the pre-tokenizer failed: ") +
                               reinterpret_cast<const char *>(message));
        }
        const PCRE2_SIZE *vector = pcre2_get_ovector_pointer(expression.match);
        PCRE2_SIZE begin = vector[0], end = vector[1];
        if (begin > gap)
          next.push_back(piece.substr(gap, begin - gap));
        if (end > begin)
          next.push_back(piece.substr(begin, end - begin));
        gap = end;
        // An empty match moves on by one character (UTF-8 lead byte next).
        start = end > begin ? end : end + 1;
        while (start < piece.size() &&
               (static_cast<unsigned char>(piece[start]) & 0xC0) == 0x80)
          ++start;
      }
      if (gap < piece.size())
        next.push_back(piece.substr(gap));
    }
    current = std::move(next);
  }
  pieces = std::move(current);
  return Status::success();
}

} // namespace qtc
