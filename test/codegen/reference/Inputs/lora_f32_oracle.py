#!/usr/bin/env python3
"""An independent oracle for examples/ir/lora_f32_layer.mlir, in plain Python.

Recomputes one training step of the f32 LoRA layer from the .npy inputs in
DIR (x, dy, w, a, b; zero moments; step 1) in double precision and compares
qtc-run's outputs in DIR/out: each element within 1e-5 of the tensor's
largest magnitude (the f32 program rounds intermediates such as h = x a, and
sums that cancel amplify that rounding relative to a small element).
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
import npytool  # noqa: E402


def load(path):
    _, shape, values = npytool.read(path)
    return [list(values[r * shape[1]:(r + 1) * shape[1]]) for r in range(shape[0])]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def t(a):
    return [list(col) for col in zip(*a)]


def add(a, b, s=1.0):
    return [[x + s * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def f32(x):
    return npytool.struct.unpack("<f", npytool.struct.pack("<f", x))[0]


# qt.adamw's hyperparameters are f32 attributes: 1 - f32(0.999) differs from
# 1 - 0.999 by 1.3e-5 relative, so the oracle uses the same f32 values.
def adamw_first_step(p, g, lr=f32(1e-4), b1=f32(0.9), b2=f32(0.999), eps=f32(1e-8)):
    m = [[(1 - b1) * x for x in row] for row in g]
    v = [[(1 - b2) * x * x for x in row] for row in g]
    p1 = [[pv - lr * (mv / (1 - b1)) / (math.sqrt(vv / (1 - b2)) + eps)
           for pv, mv, vv in zip(rp, rm, rv)] for rp, rm, rv in zip(p, m, v)]
    return p1, m, v


def main():
    d = sys.argv[1]
    x, dy, w, a, b = (load(os.path.join(d, n + ".npy")) for n in ("x", "dy", "w", "a", "b"))
    s = 16.0 / 8
    h = matmul(x, a)
    y = add(matmul(x, w), matmul(h, b), s)
    db = [[s * e for e in row] for row in matmul(t(h), dy)]
    dh = [[s * e for e in row] for row in matmul(dy, t(b))]
    da = matmul(t(x), dh)
    dx = add(matmul(dy, t(w)), matmul(dh, t(a)))
    a1, ma, va = adamw_first_step(a, da)
    b1, mb, vb = adamw_first_step(b, db)
    expected = [y, dx, a1, b1, ma, va, mb, vb]
    failures = 0
    for index, want in enumerate(expected):
        got = load(os.path.join(d, "out", "result%d.npy" % index))
        scale = max(abs(e) for row in want for e in row)
        for i, (rg, rw) in enumerate(zip(got, want)):
            for j, (g, e) in enumerate(zip(rg, rw)):
                if abs(g - e) > 1e-5 * scale:
                    print("result%d[%d][%d] = %r, expected %r" % (index, i, j, g, e))
                    failures += 1
                    break
    if failures:
        sys.exit(1)
    print("lora_f32 oracle: 8 outputs match")


main()
