#!/usr/bin/env python3
"""A tiny Llama or Qwen2 checkpoint folder made with the standard library
only: config.json and model.safetensors, zeros unless --random, with edits.
For qtc import's error tests and for compiling whole models without the
interop environment.

  tiny_hf_checkpoint.py DIR [--layers N] [--qwen2] [--tied] [--dims H,I,HEADS,KV,V]
                            [--random SEED] [--adapters RANK] [--bf16]
                            [--set KEY=JSON]... [--drop NAME]...
                            [--shape NAME=AxB]... [--dtype NAME=I32]
                            [--index SHARD_NAME]

--qwen2 makes a Qwen2ForCausalLM (q/k/v biases); --tied drops lm_head and
ties it to the embedding. --dims sets hidden, intermediate, heads, kv heads
and vocabulary (default 8,16,2,1,10). --random SEED draws the weights from N(0, 0.3^2)
(norm weights around 1); --bf16 stores them as bf16 (rounded to nearest
even). --adapters RANK also writes DIR/adapters.safetensors
with random LoRA adapters of the seven projections under qtc's names
(`model.layers.L.self_attn.q_proj.a` [in, RANK], `.b` [RANK, out]).
--index writes model.safetensors.index.json pointing every tensor at
SHARD_NAME instead of model.safetensors (which stays as it is).
"""

import argparse
import json
import os
import random
import struct

H, I, HEADS, KV, V = 8, 16, 2, 1, 10


def projections():
    """name: (in, out) of each adapted linear of a layer."""
    d = H // HEADS
    return {"self_attn.q_proj": (H, HEADS * d), "self_attn.k_proj": (H, KV * d),
            "self_attn.v_proj": (H, KV * d), "self_attn.o_proj": (HEADS * d, H),
            "mlp.gate_proj": (H, I), "mlp.up_proj": (H, I), "mlp.down_proj": (I, H)}


def tensors(layers, qwen2, tied):
    t = {"model.embed_tokens.weight": [V, H], "model.norm.weight": [H]}
    if not tied:
        t["lm_head.weight"] = [V, H]
    for layer in range(layers):
        p = "model.layers.%d." % layer
        t[p + "input_layernorm.weight"] = [H]
        t[p + "post_attention_layernorm.weight"] = [H]
        for name, (n_in, n_out) in projections().items():
            t[p + name + ".weight"] = [n_out, n_in]
            if qwen2 and name[-6:] in ("q_proj", "k_proj", "v_proj"):
                t[p + name + ".bias"] = [n_out]
    return t


def bf16_bytes(values):
    """bf16 of each value, rounded to nearest even, little-endian."""
    out = bytearray()
    for (bits,) in struct.iter_unpack("<I", struct.pack("<%df" % len(values), *values)):
        bits += 0x7FFF + ((bits >> 16) & 1)
        out += struct.pack("<H", (bits >> 16) & 0xFFFF)
    return bytes(out)


def write_safetensors(path, shapes, dtypes, values, default_dtype="F32"):
    """values(name, count) -> the elements, or None for zeros. F32 and BF16
    tensors take values; any other dtype is zeros of 4 bytes each (for the
    error tests)."""
    header, chunks, offset = {}, [], 0
    for name, shape in shapes.items():
        count = 1
        for d in shape:
            count *= d
        dtype = dtypes.get(name, default_dtype)
        size = (2 if dtype == "BF16" else 4) * count
        data = values(name, count) if dtype in ("F32", "BF16") else None
        if not data:
            chunks.append(bytes(size))
        elif dtype == "BF16":
            chunks.append(bf16_bytes(data))
        else:
            chunks.append(struct.pack("<%df" % count, *data))
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--qwen2", action="store_true")
    parser.add_argument("--tied", action="store_true")
    parser.add_argument("--random", type=int, metavar="SEED")
    parser.add_argument("--adapters", type=int, metavar="RANK")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--shape", action="append", default=[])
    parser.add_argument("--dtype", action="append", default=[])
    parser.add_argument("--dims", metavar="H,I,HEADS,KV,V")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--index")
    args = parser.parse_args()
    if args.dims:
        global H, I, HEADS, KV, V
        H, I, HEADS, KV, V = (int(d) for d in args.dims.split(","))
    os.makedirs(args.dir, exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": H, "intermediate_size": I,
              "num_hidden_layers": args.layers,
              "num_attention_heads": HEADS, "num_key_value_heads": KV,
              "vocab_size": V, "rms_norm_eps": 1e-5, "hidden_act": "silu",
              "rope_theta": 10000.0, "tie_word_embeddings": args.tied}
    if args.qwen2:
        config.update({"architectures": ["Qwen2ForCausalLM"],
                       "model_type": "qwen2"})
    for item in args.set:
        key, value = item.split("=", 1)
        config[key] = json.loads(value)
    with open(os.path.join(args.dir, "config.json"), "w") as f:
        json.dump(config, f)
    shapes = tensors(args.layers, args.qwen2, args.tied)
    for name in args.drop:
        del shapes[name]
    for item in args.shape:
        name, shape = item.split("=", 1)
        shapes[name] = [int(d) for d in shape.split("x")]
    dtypes = dict(item.split("=", 1) for item in args.dtype)

    rng = random.Random(args.random)

    def weights(name, count):
        if args.random is None:
            return None
        if name.endswith("norm.weight"):
            return [1.0 + 0.1 * rng.gauss(0, 1) for _ in range(count)]
        return [0.3 * rng.gauss(0, 1) for _ in range(count)]

    write_safetensors(os.path.join(args.dir, "model.safetensors"), shapes,
                      dtypes, weights, "BF16" if args.bf16 else "F32")
    if args.adapters:
        r, adapters = args.adapters, {}
        for layer in range(args.layers):
            for name, (n_in, n_out) in projections().items():
                p = "model.layers.%d.%s" % (layer, name)
                adapters[p + ".a"] = [n_in, r]
                adapters[p + ".b"] = [r, n_out]
        write_safetensors(os.path.join(args.dir, "adapters.safetensors"),
                          adapters, {},
                          lambda name, count: [0.2 * rng.gauss(0, 1)
                                               for _ in range(count)])
    if args.index:
        index = {"metadata": {}, "weight_map": {n: args.index for n in shapes}}
        with open(os.path.join(args.dir, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f)


if __name__ == "__main__":
    main()
