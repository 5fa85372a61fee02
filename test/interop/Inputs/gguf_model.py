#!/usr/bin/env python3
"""A Hugging Face llama or qwen2 checkpoint written as a GGUF model file, as
llama.cpp's converter writes one (FORMATS.md "GGUF"), with the gguf package.

  gguf_model.py write HF_DIR OUT.gguf [--type q4_1] [--embedding q8_0]
      the model of HF_DIR (save_pretrained's config.json and safetensors):
      metadata under `{arch}.`, llama.cpp's tensor names, llama's Q and K
      rows in llama.cpp's rope order, norms and biases in F32, the linear
      weights in --type and the token embedding in --embedding (F32, F16,
      BF16, Q8_0, Q4_0 or Q4_1, quantized by gguf.quants.quantize).

      --vocab-from SRC.gguf copies SRC's tokenizer.* metadata (llama.cpp
      loads no model without a vocabulary).
      --break WHAT writes a file qtc must refuse: an adapter, architecture
      gpt2, llama 3.1's rope_freqs.weight, no head count, a partial rotary
      dimension, a Q6_K weight (the model needs rows of 256).

transformers reads the result (`from_pretrained(dir, gguf_file=...)`),
which is what the interop tests compare qtc's import of it with.
"""

import argparse
import json
import sys

import numpy as np
import gguf
from gguf.quants import quantize
from safetensors.numpy import load_file

T = gguf.GGMLQuantizationType
TYPES = {"f32": T.F32, "f16": T.F16, "bf16": T.BF16, "q8_0": T.Q8_0,
         "q4_0": T.Q4_0, "q4_1": T.Q4_1}
BLOCK = {"input_layernorm.weight": "attn_norm.weight",
         "self_attn.q_proj.weight": "attn_q.weight",
         "self_attn.q_proj.bias": "attn_q.bias",
         "self_attn.k_proj.weight": "attn_k.weight",
         "self_attn.k_proj.bias": "attn_k.bias",
         "self_attn.v_proj.weight": "attn_v.weight",
         "self_attn.v_proj.bias": "attn_v.bias",
         "self_attn.o_proj.weight": "attn_output.weight",
         "post_attention_layernorm.weight": "ffn_norm.weight",
         "mlp.gate_proj.weight": "ffn_gate.weight",
         "mlp.up_proj.weight": "ffn_up.weight",
         "mlp.down_proj.weight": "ffn_down.weight"}
MODEL = {"model.embed_tokens.weight": "token_embd.weight",
         "model.norm.weight": "output_norm.weight",
         "lm_head.weight": "output.weight"}


def permute(w, heads):
    """llama.cpp's convert_hf_to_gguf.py LlamaModel.permute."""
    return (w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def gguf_name(name):
    if name in MODEL:
        return MODEL[name]
    parts = name.split(".")
    assert parts[:2] == ["model", "layers"], name
    return "blk.%s.%s" % (parts[2], BLOCK[".".join(parts[3:])])


def load_f32(hf_dir):
    tensors = {}
    import glob
    for path in sorted(glob.glob(hf_dir + "/*.safetensors")):
        for name, value in load_file(path).items():
            tensors[name] = value
    out = {}
    for name, value in tensors.items():
        if value.dtype == np.uint16:  # bf16 as safetensors.numpy gives it
            value = (value.astype(np.uint32) << 16).view(np.float32)
        out[name] = value.astype(np.float32)
    return out


def add(writer, name, value, qtype):
    if qtype == T.F32:
        writer.add_tensor(name, value.astype(np.float32))
    elif qtype == T.F16:
        writer.add_tensor(name, value.astype(np.float16))
    else:
        q = quantize(value, qtype)
        writer.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)


def write(args):
    with open(args.hf_dir + "/config.json") as f:
        config = json.load(f)
    arch = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2"}[config["architectures"][0]]
    rope = config.get("rope_parameters") or {}
    theta = rope.get("rope_theta", config.get("rope_theta", 10000.0))
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    broken = args.break_
    writer = gguf.GGUFWriter(args.out, "gpt2" if broken == "arch" else arch)
    writer.add_name("qtc-test")
    if broken == "adapter":
        writer.add_type("adapter")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config.get("max_position_embeddings", 256))
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    if broken != "no-head-count":
        writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_freq_base(float(theta))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_rope_dimension_count(head_dim // 2 if broken == "partial-rope" else head_dim)
    writer.add_vocab_size(config["vocab_size"])
    if args.vocab_from:
        source = gguf.GGUFReader(args.vocab_from)
        for key, field in source.fields.items():
            if not key.startswith("tokenizer."):
                continue
            if field.types[0] == gguf.GGUFValueType.ARRAY:
                writer.add_key_value(key, field.contents(), field.types[0], field.types[1])
            else:
                writer.add_key_value(key, field.contents(), field.types[0])
    linear, embedding = TYPES[args.type], TYPES[args.embedding]
    for name, value in sorted(load_f32(args.hf_dir).items()):
        if arch == "llama" and name.endswith("q_proj.weight"):
            value = permute(value, heads)
        elif arch == "llama" and name.endswith("k_proj.weight"):
            value = permute(value, kv_heads)
        if "norm" in name or name.endswith(".bias"):
            qtype = T.F32
        elif name == "model.embed_tokens.weight":
            qtype = embedding
        else:
            qtype = linear
        if broken == "q6_k" and name.endswith("down_proj.weight"):
            q = np.zeros((value.shape[0], value.shape[1] // 256 * 210), np.uint8)
            writer.add_tensor(gguf_name(name), q, raw_shape=q.shape, raw_dtype=T.Q6_K)
            continue
        add(writer, gguf_name(name), value, qtype)
    if broken == "rope-freqs":
        writer.add_tensor("rope_freqs.weight", np.ones(head_dim // 2, np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("hf_dir")
    w.add_argument("out")
    w.add_argument("--type", choices=sorted(TYPES), default="q4_1")
    w.add_argument("--embedding", choices=sorted(TYPES), default="q8_0")
    w.add_argument("--vocab-from", help="copy this GGUF's tokenizer metadata")
    w.add_argument("--break", dest="break_", default="",
                   choices=["adapter", "arch", "rope-freqs", "no-head-count",
                            "partial-rope", "q6_k"])
    args = parser.parse_args()
    write(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
