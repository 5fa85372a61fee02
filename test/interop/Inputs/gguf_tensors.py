#!/usr/bin/env python3
"""GGUF tensors as the gguf package writes and dequantizes them.

  gguf_tensors.py make DIR
      writes DIR/model.gguf (every type qtc reads: F32, F16, BF16, Q8_0, Q4_0,
      Q4_1; one matrix each, rows of several blocks, custom alignment 64) and
      DIR/read.mlir, whose @main returns each tensor bound by its GGUF name.
  gguf_tensors.py check DIR --results OUT
      compares qtc-run's results with gguf.quants.dequantize (bit for bit)
      and the shapes with the row-major ones gguf reports.
"""

import argparse
import sys

import numpy as np
import gguf
from gguf.quants import dequantize, quantize

T = gguf.GGMLQuantizationType
# name, GGML type, numpy shape [rows, row length]
TENSORS = [
    ("blk.0.attn_norm.weight", T.F32, (3, 8)),
    ("blk.0.attn_q.bias", T.F16, (2, 8)),
    ("blk.0.ffn_gate.weight", T.BF16, (2, 8)),
    ("token_embd.weight", T.Q8_0, (5, 64)),
    ("blk.0.attn_k.weight", T.Q4_0, (4, 96)),
    ("blk.0.ffn_up.weight", T.Q4_1, (6, 64)),
]
MLIR_TYPE = {T.F32: "f32", T.F16: "f16", T.BF16: "bf16"}


def make(args):
    rng = np.random.default_rng(0)
    # Not a model architecture: tensors keep their GGUF names (a llama or
    # qwen2 file's go by their HF names).
    writer = gguf.GGUFWriter(f"{args.dir}/model.gguf", "tensors")
    writer.add_custom_alignment(64)
    for name, qtype, shape in TENSORS:
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        if qtype == T.F32:
            writer.add_tensor(name, x)
        elif qtype == T.F16:
            writer.add_tensor(name, x.astype(np.float16))
        else:
            q = quantize(x, qtype)
            writer.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    params, types = [], []
    for i, (name, qtype, shape) in enumerate(TENSORS):
        t = f"tensor<{shape[0]}x{shape[1]}x{MLIR_TYPE.get(qtype, 'f32')}>"
        params.append(f'%a{i}: {t} {{qt.name = "{name}"}}')
        types.append(t)
    with open(f"{args.dir}/read.mlir", "w") as f:
        f.write(f"func.func @main({', '.join(params)}) -> ({', '.join(types)}) {{\n")
        f.write(f"  return {', '.join(f'%a{i}' for i in range(len(TENSORS)))}"
                f" : {', '.join(types)}\n}}\n")


def check(args):
    reader = gguf.GGUFReader(f"{args.dir}/model.gguf")
    by_name = {t.name: t for t in reader.tensors}
    failures = 0
    for i, (name, qtype, shape) in enumerate(TENSORS):
        t = by_name[name]
        want = dequantize(t.data, t.tensor_type).reshape(shape)
        got = np.load(f"{args.results}/result{i}.npy")
        if qtype == T.BF16:  # .npy carries bf16 as its uint16 bits
            got = (got.astype(np.uint32) << 16).view(np.float32)
        got = got.astype(np.float32)
        if got.shape != want.shape or not np.array_equal(
                got.view(np.uint32), want.astype(np.float32).view(np.uint32)):
            failures += 1
            print(f"{name} ({qtype.name}): qtc {got.shape}, gguf {want.shape}; "
                  f"largest difference {np.abs(got - want).max() if got.shape == want.shape else 'n/a'}")
    print(f"{len(TENSORS)} tensors, {failures} differ from gguf.quants.dequantize")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("make").add_argument("dir")
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("--results", required=True)
    args = parser.parse_args()
    if args.command == "make":
        make(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
