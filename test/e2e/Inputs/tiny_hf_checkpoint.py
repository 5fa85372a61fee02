#!/usr/bin/env python3
"""A tiny Llama checkpoint folder made with the standard library only, for
qtc import's error tests: config.json and model.safetensors (zeros), with
edits.

  tiny_hf_checkpoint.py DIR [--set KEY=JSON]... [--drop NAME]...
                            [--shape NAME=AxB]... [--dtype NAME=I32]
                            [--index SHARD_NAME]

--index writes model.safetensors.index.json pointing every tensor at
SHARD_NAME instead of model.safetensors (which stays as it is).
"""

import argparse
import json
import os
import struct

H, I, HEADS, KV, V = 8, 16, 2, 1, 10
D = H // HEADS


def tensors():
    t = {"model.embed_tokens.weight": [V, H], "model.norm.weight": [H],
         "lm_head.weight": [V, H]}
    p = "model.layers.0."
    t.update({p + "input_layernorm.weight": [H],
              p + "self_attn.q_proj.weight": [HEADS * D, H],
              p + "self_attn.k_proj.weight": [KV * D, H],
              p + "self_attn.v_proj.weight": [KV * D, H],
              p + "self_attn.o_proj.weight": [H, HEADS * D],
              p + "post_attention_layernorm.weight": [H],
              p + "mlp.gate_proj.weight": [I, H],
              p + "mlp.up_proj.weight": [I, H],
              p + "mlp.down_proj.weight": [H, I]})
    return t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--shape", action="append", default=[])
    parser.add_argument("--dtype", action="append", default=[])
    parser.add_argument("--index")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": H, "intermediate_size": I, "num_hidden_layers": 1,
              "num_attention_heads": HEADS, "num_key_value_heads": KV,
              "vocab_size": V, "rms_norm_eps": 1e-5, "hidden_act": "silu",
              "rope_theta": 10000.0, "tie_word_embeddings": False}
    for item in args.set:
        key, value = item.split("=", 1)
        config[key] = json.loads(value)
    with open(os.path.join(args.dir, "config.json"), "w") as f:
        json.dump(config, f)
    shapes = tensors()
    for name in args.drop:
        del shapes[name]
    for item in args.shape:
        name, shape = item.split("=", 1)
        shapes[name] = [int(d) for d in shape.split("x")]
    dtypes = dict(item.split("=", 1) for item in args.dtype)
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 4
        for d in shape:
            size *= d
        header[name] = {"dtype": dtypes.get(name, "F32"), "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(args.dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(offset))
    if args.index:
        index = {"metadata": {}, "weight_map": {n: args.index for n in shapes}}
        with open(os.path.join(args.dir, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f)


if __name__ == "__main__":
    main()
