#!/usr/bin/env python3
"""llama.cpp (the xllamacpp wheel) on what qtc writes, against qtc's logits.

  llamacpp.py prompt MODEL.gguf TEXT DIR
      the prompt's token ids (the GGUF's own tokenizer, as transformers
      reads it) as DIR/ids.npy [1, S].
  llamacpp.py adapters MODEL.gguf OUT.safetensors --rank R [--scale X]
      random LoRA adapters under qtc's names (`<module>.a` [in, r], `.b`
      [r, out]) for the seven projections of every layer, shaped from the
      GGUF file's tensors.
  llamacpp.py check MODEL.gguf --ids IDS.npy --base-logits B.npy
                    [--lora ADAPTER.gguf --logits L.npy] --top K --tol T
      runs llama.cpp's server in process (loopback only) on the prompt and
      reads the top-K log-probabilities of the next token, without and with
      the adapter; compares each with qtc's log-softmax of the last
      position's logits (B without, L with the adapter) on those K tokens.
      Fails when a difference exceeds T, or when the adapter moves qtc's
      log-probabilities by less than 10 T (then the check could not see a
      wrong adapter).
"""

import argparse
import sys

import numpy as np

PROJECTIONS = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
               "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
               "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
               "ffn_down": "mlp.down_proj"}


def prompt(args):
    import os
    import transformers
    folder, name = os.path.split(os.path.abspath(args.model))
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
    ids = tokenizer(args.text, return_tensors="np")["input_ids"].astype(np.int64)
    np.save(args.dir + "/ids.npy", ids)
    print("%d tokens" % ids.shape[1])


def adapters(args):
    import gguf
    import safetensors.numpy
    reader = gguf.GGUFReader(args.model)
    rng = np.random.default_rng(args.seed)
    tensors = {}
    for t in reader.tensors:
        parts = t.name.split(".")
        if len(parts) != 4 or parts[0] != "blk" or parts[2] not in PROJECTIONS:
            continue
        n_in, n_out = int(t.shape[0]), int(t.shape[1])  # ne: in first
        module = "model.layers.%s.%s" % (parts[1], PROJECTIONS[parts[2]])
        tensors[module + ".a"] = (rng.standard_normal((n_in, args.rank)) /
                                  np.sqrt(n_in)).astype(np.float32)
        tensors[module + ".b"] = (args.scale * rng.standard_normal(
            (args.rank, n_out))).astype(np.float32)
    safetensors.numpy.save_file(tensors, args.out)
    print("%d adapters" % (len(tensors) // 2))


def next_token_logprobs(model, lora, ids, top):
    """llama.cpp's top-K log-probabilities of the token after `ids`."""
    import xllamacpp
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = max(64, len(ids) + 8)
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    params.warmup = False
    # An f32 KV cache: with an f32 model, llama.cpp then rounds like an f32
    # computation (its default f16 cache would add f16 rounding).
    params.cache_type_k = xllamacpp.ggml_type.GGML_TYPE_F32
    params.cache_type_v = xllamacpp.ggml_type.GGML_TYPE_F32
    params.flash_attn_type = xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED
    if lora:
        info = xllamacpp.CommonAdapterLoraInfo()
        info.path = lora
        info.scale = 1.0
        params.lora_adapters = [info]
    server = xllamacpp.Server(params)
    request = {"prompt": [int(i) for i in ids], "n_predict": 1, "n_probs": top,
               "temperature": 0, "post_sampling_probs": False, "cache_prompt": False}
    result = server.handle_completions(request)
    del server
    entries = result["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    return {e["id"]: e["logprob"] for e in entries}


def log_softmax(logits):
    x = logits.astype(np.float64)
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


def check(args):
    ids = np.load(args.ids)[0]
    base = log_softmax(np.load(args.base_logits)[0, -1])
    theirs = next_token_logprobs(args.model, None, ids, args.top)
    worst = max(abs(base[i] - p) for i, p in theirs.items())
    print("without the adapter: top-%d next-token log-probabilities, max |qtc - "
          "llama.cpp| %.3g" % (len(theirs), worst))
    failed = worst > args.tol
    if args.lora:
        ours = log_softmax(np.load(args.logits)[0, -1])
        theirs = next_token_logprobs(args.model, args.lora, ids, args.top)
        diff = max(abs(ours[i] - p) for i, p in theirs.items())
        moved = max(abs(ours[i] - base[i]) for i in theirs)
        print("with the adapter: max |qtc - llama.cpp| %.3g; the adapter moves "
              "qtc's by up to %.3g" % (diff, moved))
        failed |= diff > args.tol
        if moved < 10 * args.tol:
            sys.exit("the adapter barely moves the log-probabilities: the check "
                     "would not see a wrong adapter")
    if failed:
        sys.exit("llama.cpp and qtc differ by more than %g" % args.tol)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prompt")
    p.add_argument("model")
    p.add_argument("text")
    p.add_argument("dir")
    a = sub.add_parser("adapters")
    a.add_argument("model")
    a.add_argument("out")
    a.add_argument("--rank", type=int, required=True)
    a.add_argument("--scale", type=float, default=0.05)
    a.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("model")
    c.add_argument("--ids", required=True)
    c.add_argument("--base-logits", required=True)
    c.add_argument("--lora")
    c.add_argument("--logits")
    c.add_argument("--top", type=int, default=20)
    c.add_argument("--tol", type=float, required=True)
    args = parser.parse_args()
    {"prompt": prompt, "adapters": adapters, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
