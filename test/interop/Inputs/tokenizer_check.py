#!/usr/bin/env python3
"""qtc's tokenizer against HF tokenizers on the same GGUF vocabulary.

  tokenizer_check.py text OUT.txt
      a test text: licence texts from /usr/share/common-licenses, then
      seeded fragments that reach every branch of the pre-tokenizers
      (contractions in both cases, digit runs, letters of several scripts,
      emoji, punctuation and whitespace runs, tabs, newlines, chat tokens).
  tokenizer_check.py vocab SRC.gguf OUT.gguf --pre NAME
      a GGUF file holding only SRC's tokenizer metadata, with
      tokenizer.ggml.pre set to NAME (the same vocabulary and merges cut by
      another pre-tokenizer).
  tokenizer_check.py check MODEL.gguf --text T.txt --ids IDS.npy
      builds HF tokenizers' BPE from the GGUF's tokens and merges with the
      pre-tokenizer the name stands for (SmolLM2's tokenizer.json:
      Digits(individual) then ByteLevel; Llama 3's and Qwen2's Split then
      ByteLevel, as transformers builds them) and the CONTROL and
      USER_DEFINED tokens added whole; compares its ids with qtc's.
"""

import argparse
import glob
import random
import sys

import numpy as np


def text(args):
    parts = []
    for name in ("GPL-3", "Apache-2.0", "Artistic"):
        for path in glob.glob("/usr/share/common-licenses/" + name):
            with open(path, encoding="utf-8") as f:
                parts.append(f.read())
    fragments = [
        "I'm", "you're", "WE'LL", "they've", "She'D", "don't", "it's", "O'Neil",
        "1", "12", "123", "1234", "1234567", "3.14159", "2026-12-07", "0x1F",
        "café", "naïve", "Ελληνικά", "русский", "東京", "한국어", "עברית", "ﬁ",
        "🙂", "👍🏽", "🇫🇷", "—", "…", "!!!", "?!", "...", "(a+b)*c", "#include",
        " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", " \n ", "\r\n",
        "\u00a0", "\u3000", "\u2003", "<|im_start|>", "<|im_end|>",
        "<|endoftext|>", "<|im_start|>user\n", "def f(x):\n    return x\n",
        "Hello", "world", "the", "The", "a", "A", "tokenizer", "GGUF",
    ]
    rng = random.Random(0)
    mixed = "".join(rng.choice(fragments) + rng.choice(["", " ", "", "\n"])
                    for _ in range(20000))
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(parts) + "\n" + mixed)


def gguf_fields(path):
    import gguf
    reader = gguf.GGUFReader(path)
    return {k: f for k, f in reader.fields.items() if k.startswith("tokenizer.")}


def vocab(args):
    import gguf
    writer = gguf.GGUFWriter(args.out, "llama")
    for key, field in gguf_fields(args.src).items():
        if key == "tokenizer.ggml.pre":
            writer.add_key_value(key, args.pre, gguf.GGUFValueType.STRING)
        elif field.types[0] == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, field.contents(), field.types[0], field.types[1])
        else:
            writer.add_key_value(key, field.contents(), field.types[0])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def hf_tokenizer(path):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers
    fields = gguf_fields(path)
    tokens = fields["tokenizer.ggml.tokens"].contents()
    merges = [tuple(m.split(" ")) for m in fields["tokenizer.ggml.merges"].contents()]
    types = fields["tokenizer.ggml.token_type"].contents()
    pre = fields["tokenizer.ggml.pre"].contents() if "tokenizer.ggml.pre" in fields else "gpt2"
    ids = {}
    for i, token in enumerate(tokens):
        ids.setdefault(token, i)
    tokenizer = Tokenizer(models.BPE(vocab=ids, merges=merges))
    tokenizer.decoder = decoders.ByteLevel()
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre == "gpt2":
        tokenizer.pre_tokenizer = byte_level
    elif pre == "smollm":
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), byte_level])
    else:
        if pre in ("llama-bpe", "llama3"):
            split = LLAMA3
        elif pre == "qwen2":
            from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX
            split = PRETOKENIZE_REGEX
        else:
            sys.exit("no HF construction for pre-tokenizer %r" % pre)
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                  for t, k in zip(tokens, types) if k == 3])
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False)
                          for t, k in zip(tokens, types) if k == 4])
    bos = None
    if "tokenizer.ggml.add_bos_token" in fields and fields["tokenizer.ggml.add_bos_token"].contents():
        bos = fields["tokenizer.ggml.bos_token_id"].contents()
    return tokenizer, pre, bos


def check(args):
    tokenizer, pre, bos = hf_tokenizer(args.model)
    with open(args.text, encoding="utf-8", newline="") as f:
        content = f.read()
    theirs = tokenizer.encode(content, add_special_tokens=False).ids
    if bos is not None:
        theirs = [bos] + theirs
    ours = np.load(args.ids).tolist()
    same = 0
    while same < min(len(ours), len(theirs)) and ours[same] == theirs[same]:
        same += 1
    print("pre-tokenizer %s: %d bytes, qtc %d tokens, HF tokenizers %d tokens, "
          "first difference at token %s" % (pre, len(content.encode()), len(ours),
                                           len(theirs), "none" if ours == theirs else same))
    if ours != theirs:
        decode = lambda ids: repr(tokenizer.decode(ids))
        sys.exit("qtc %s ... HF %s ..." % (ours[same:same + 8], theirs[same:same + 8])
                 + "\n  around: " + decode(theirs[max(0, same - 4):same + 8]))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("text")
    t.add_argument("out")
    v = sub.add_parser("vocab")
    v.add_argument("src")
    v.add_argument("out")
    v.add_argument("--pre", required=True)
    c = sub.add_parser("check")
    c.add_argument("model")
    c.add_argument("--text", required=True)
    c.add_argument("--ids", required=True)
    args = parser.parse_args()
    {"text": text, "vocab": vocab, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
