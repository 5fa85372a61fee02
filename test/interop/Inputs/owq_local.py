#!/usr/bin/env python3
"""QEFT's layer-local weak columns as the authors' code chooses them, in torch.

  owq_local.py make DIR [--seed S]
      writes random layers (Hessian from random activations with a few loud
      channels, weights with heavy tails) as h<i> and w<i> of
      DIR/layers.safetensors, and DIR/local.mlir, whose @main returns
      qt.weak_columns_local of each layer with the default quantizer (mse),
      then with minmax.
  owq_local.py check DIR --results OUT
      compares qtc-run's results in OUT with the selection of the authors'
      algorithm (OWQ/QEFT quant.py, Quantizer.find_params with mse=True,
      perchannel, num=40; sensitivity H_jj * ||W[:, j] - Q(W)[:, j]||^2 in
      f32), and with plain per-row min/max for the minmax results. Fails on
      any difference, and also when min/max picks the same columns as mse in
      every case (the cases would not tell the quantizers apart).

The transcription follows NUMERICS.md 5 step by step in torch's f32
arithmetic (torch.round ties to even), so that it rounds as the authors' code
does. Run by the interop test test/interop/qeft-local.test.
"""

import argparse
import sys

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

# (in_features, out_features, weak columns) of each case: square and not,
# K not a multiple of anything in particular.
CASES = [(64, 32, 4), (96, 48, 8), (128, 64, 8), (80, 160, 5),
         (128, 128, 16), (48, 200, 3), (256, 64, 16), (64, 64, 1),
         (160, 96, 10), (128, 32, 32), (200, 72, 12), (96, 96, 6)]
BITS = 4
GRID = 40


def mse_row_quantizer(W, bits=BITS, num=GRID):
    """Per output row of W [out, in]: the scale and zero the authors' grid
    search keeps (asymmetric, minq 0, maxq 2^bits - 1)."""
    maxq = 2 ** bits - 1
    eps = torch.tensor(1e-8)
    zeros = torch.zeros(W.shape[0])
    xmin = torch.minimum(W.min(1)[0], zeros)
    xmax = torch.maximum(W.max(1)[0], zeros)
    best_score = torch.full_like(xmin, 1e10)
    best_lo, best_hi = xmin.clone(), xmax.clone()
    span = xmax - xmin
    base = torch.zeros_like(xmin)
    for i in range(1, num + 1):
        top = span / num * i
        step = torch.max((top - base) / maxq, eps)
        rounded = torch.round(W / step[:, None])
        for shift in range(2 ** bits):
            lo = base - shift * step
            hi = top - shift * step
            zero = torch.clamp(0 - torch.round(lo / step), 0, maxq)
            q = torch.clamp(rounded + zero[:, None], 0, maxq)
            err = (W - step[:, None] * (q - zero[:, None])).abs().pow(2.4)
            score = err.mean(1)
            better = score < best_score
            best_lo = torch.where(better, lo, best_lo)
            best_hi = torch.where(better, hi, best_hi)
            best_score = torch.min(best_score, score)
    lo = torch.min(best_lo, zeros)
    hi = torch.max(best_hi, zeros)
    scale = torch.max((hi - lo) / maxq, eps)
    zero = torch.clamp(0 - torch.round(lo / scale), 0, maxq)
    return scale, zero


def minmax_row_quantizer(W, bits=BITS):
    maxq = 2 ** bits - 1
    zeros = torch.zeros(W.shape[0])
    xmin = torch.minimum(W.min(1)[0], zeros)
    xmax = torch.maximum(W.max(1)[0], zeros)
    both = (xmin == 0) & (xmax == 0)
    xmin[both], xmax[both] = -1, 1
    scale = (xmax - xmin) / maxq
    zero = torch.round(-xmin / scale)
    return scale, zero


def weak_columns(H, W, count, quantizer):
    scale, zero = quantizer(W)
    maxq = 2 ** BITS - 1
    q = torch.clamp(torch.round(W / scale[:, None]) + zero[:, None], 0, maxq)
    Q = scale[:, None] * (q - zero[:, None])
    sens = torch.diag(H) * (W - Q).pow(2).sum(0)
    # Largest first, ties to the lower index (a stable sort), then ascending.
    order = np.argsort(-sens.numpy(), kind="stable")[:count]
    return np.sort(order)


def layer(rng, k, n):
    x = rng.standard_normal((256, k)).astype(np.float32)
    loud = rng.choice(k, size=max(1, k // 16), replace=False)
    x[:, loud] *= rng.uniform(1, 2, size=loud.size).astype(np.float32)
    h = (2.0 / x.shape[0]) * (x.T.astype(np.float64) @ x)
    # Heavy tails (Student t, 3 degrees of freedom) make range choice matter.
    w = (0.02 * rng.standard_t(3, size=(k, n))).astype(np.float32)
    return h.astype(np.float32), w


def make(args):
    rng = np.random.default_rng(args.seed)
    params, mse, minmax, types, tensors = [], [], [], [], {}
    for i, (k, n, count) in enumerate(CASES):
        tensors[f"h{i}"], tensors[f"w{i}"] = layer(rng, k, n)
        ht, wt = f"tensor<{k}x{k}xf32>", f"tensor<{k}x{n}xf32>"
        rt = f"tensor<{count}xi64>"
        params += [f'%h{i}: {ht} {{qt.name = "h{i}"}}',
                   f'%w{i}: {wt} {{qt.name = "w{i}"}}']
        mse.append(f"  %mse{i} = qt.weak_columns_local %h{i}, %w{i} count {count}"
                   f" : {ht}, {wt} -> {rt}")
        minmax.append(f"  %mm{i} = qt.weak_columns_local %h{i}, %w{i} count {count}"
                      f" quantizer minmax : {ht}, {wt} -> {rt}")
        types.append(rt)
    results = [f"%mse{i}" for i in range(len(CASES))] + \
              [f"%mm{i}" for i in range(len(CASES))]
    with open(f"{args.dir}/local.mlir", "w") as f:
        f.write(f"func.func @main({', '.join(params)}) -> ({', '.join(types + types)}) {{\n")
        f.write("\n".join(mse + minmax) + "\n")
        f.write(f"  return {', '.join(results)} : {', '.join(types + types)}\n}}\n")
    save_file(tensors, f"{args.dir}/layers.safetensors")


def check(args):
    failures, same_as_minmax = 0, 0
    layers = load_file(f"{args.dir}/layers.safetensors")
    for i, (k, n, count) in enumerate(CASES):
        H = torch.from_numpy(layers[f"h{i}"])
        # qt's weights are [in, out]; the authors' rows are output features.
        W = torch.from_numpy(layers[f"w{i}"]).T.contiguous()
        want_mse = weak_columns(H, W, count, mse_row_quantizer)
        want_mm = weak_columns(H, W, count, minmax_row_quantizer)
        got_mse = np.load(f"{args.results}/result{i}.npy")
        got_mm = np.load(f"{args.results}/result{i + len(CASES)}.npy")
        same_as_minmax += np.array_equal(want_mse, want_mm)
        for name, got, want in (("mse", got_mse, want_mse),
                                ("minmax", got_mm, want_mm)):
            if not np.array_equal(got, want):
                failures += 1
                print(f"case {i} ({k}x{n}, {count} columns), {name}: qtc chose "
                      f"{got.tolist()}, the authors' rule {want.tolist()}")
    print(f"{len(CASES)} cases: {failures} selections differ; min/max agrees "
          f"with mse in {same_as_minmax}")
    if same_as_minmax == len(CASES):
        print("min/max and mse agree everywhere: the cases cannot tell them apart")
        return 1
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("--results", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.command == "make":
        make(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
