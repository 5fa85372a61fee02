#!/usr/bin/env python3
"""A merged LoTA GGUF checked against NUMERICS.md 4, re-derived in NumPy.

  lota_merge_check.py BASE.gguf MERGED.gguf ADAPTERS.safetensors [--omega W]
      For every adapted projection (adapters `<module>.a.values` [in, r] and
      `.b.values` [r, out], i8 ternary, under HF module names): the merged
      Q4_1 codes equal q + What (dW = A B, What = +-1 past +-omega where the
      code has room), the scale d is unchanged, and the zero is
      f16(m + d * U) with U the group mean of dW - omega What over omega,
      bit for bit. Every other tensor's bytes are the base's. Prints how
      many codes moved.
"""

import argparse
import os
import sys

import numpy as np
import gguf
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_model import gguf_name  # noqa: E402


def q4_1_fields(tensor):
    """d, m [out, in/32] (f16 bits) and codes [out, in] of a Q4_1 tensor."""
    out, inn = int(tensor.shape[1]), int(tensor.shape[0])  # ne[0] is in
    blocks = np.frombuffer(tensor.data.tobytes(), np.uint8).reshape(out, inn // 32, 20)
    d = blocks[:, :, 0:2].copy().view(np.float16)[:, :, 0]
    m = blocks[:, :, 2:4].copy().view(np.float16)[:, :, 0]
    qs = blocks[:, :, 4:]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(out, inn)
    return d, m, codes


def unpermute(w, heads):
    """llama.cpp's rope row order back to HF's (the inverse of permute)."""
    return (w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("merged")
    parser.add_argument("adapters")
    parser.add_argument("--omega", type=float, default=0.0)
    args = parser.parse_args()
    base, merged = gguf.GGUFReader(args.base), gguf.GGUFReader(args.merged)
    heads = int(base.fields["llama.attention.head_count"].parts[-1][0])
    kv_heads = int(base.fields["llama.attention.head_count_kv"].parts[-1][0])
    adapters = load_file(args.adapters)
    modules = sorted({k[:-len(".a.values")] for k in adapters if k.endswith(".a.values")})
    by_name = {t.name: t for t in base.tensors}
    merged_by_name = {t.name: t for t in merged.tensors}
    checked, moved, total = set(), 0, 0
    for module in modules:
        name = gguf_name(module + ".weight")
        t, mt = by_name[name], merged_by_name[name]
        assert t.tensor_type == gguf.GGMLQuantizationType.Q4_1, name
        d, m, q = q4_1_fields(t)
        d2, m2, q2 = q4_1_fields(mt)
        rope = heads if name.endswith("attn_q.weight") else \
            kv_heads if name.endswith("attn_k.weight") else 0
        if rope:
            d, m, q, d2, m2, q2 = (unpermute(x, rope) for x in (d, m, q, d2, m2, q2))
        a = adapters[module + ".a.values"].astype(np.int64)
        b = adapters[module + ".b.values"].astype(np.int64)
        r = a.shape[1]
        # The f32 attribute qt.lota_linear holds, widened.
        omega = float(np.float32(args.omega if args.omega > 0 else 0.75 * r))
        dw = (a @ b).T  # [out, in], as the codes
        what = np.where((dw > omega) & (q != 15), 1, np.where((dw < -omega) & (q != 0), -1, 0))
        expected = q.astype(np.int64) + what
        if not np.array_equal(q2.astype(np.int64), expected):
            sys.exit("%s: merged codes differ from q + What at %d places"
                     % (name, int((q2 != expected).sum())))
        if not np.array_equal(d2.view(np.uint16), d.view(np.uint16)):
            sys.exit("%s: the scales changed" % name)
        out, inn = q.shape
        resid = (dw - omega * what).reshape(out, inn // 32, 32).sum(axis=2, dtype=np.float64)
        u = (resid / 32.0 / omega).astype(np.float32)
        zero = (m.astype(np.float32) + (d.astype(np.float32) * u).astype(np.float32)).astype(np.float32)
        if not np.array_equal(m2.view(np.uint16), zero.astype(np.float16).view(np.uint16)):
            sys.exit("%s: merged zeros differ from f16(m + d U) at %d places"
                     % (name, int((m2.view(np.uint16) != zero.astype(np.float16).view(np.uint16)).sum())))
        moved += int((what != 0).sum())
        total += what.size
        checked.add(name)
    for t in base.tensors:
        if t.name not in checked and \
                t.data.tobytes() != merged_by_name[t.name].data.tobytes():
            sys.exit("%s: not adapted, yet its bytes changed" % t.name)
    print("%d projections merged exactly: %d of %d codes moved" % (len(checked), moved, total))


if __name__ == "__main__":
    main()
