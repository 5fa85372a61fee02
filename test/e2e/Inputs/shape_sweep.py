#!/usr/bin/env python3
"""Compile a linear layer for every (tokens, out_features) pair and check the
trainer against the reference backend.

For each shape: `qtc compile` builds the trainer, `qtc-step --list-arguments`
names its tensors, deterministic inputs are made for each (by role), the
trainer runs one step, `qtc-run` runs the same pipeline's IR on the same
tensors, and every result must match: integer results exactly, floating
point within rtol 1e-5, atol 1e-6 (the kernels sum in another order than the
reference's f64 sums). Prints one line per shape and a closing count; exits
non-zero if any shape fails to compile, run or match.

  shape_sweep.py --qtc Q --qtc-run R --method qeft --tokens 1,3 --n 8,17
                 --in-features 256 --work DIR [qtc compile options...]
"""

import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import npytool  # noqa: E402

LAYER = """func.func @linear(%x: tensor<{T}x{K}xf32> {{qt.name = "x"}},
                  %w: {W} {{qt.name = "w"}}) -> tensor<{T}x{N}xf32> {{
  %y = qt.linear %x, %w : tensor<{T}x{K}xf32>, {W} -> tensor<{T}x{N}xf32>
  return %y : tensor<{T}x{N}xf32>
}}
"""


def weight_type(method, k, n):
    if method in ("lota", "qeft"):
        return "!qt.affine<%dx%d, bits = 4, group = 128>" % (k, n)
    return "tensor<%dx%dxf32>" % (k, n)


def values_for(name, dtype, shape, role, seed):
    """Deterministic values for one argument tensor."""
    n = npytool.count(shape)
    rng = random.Random(seed)
    if role in ("state",):
        return [0] * n
    if name.endswith(".codes"):
        return [rng.randint(0, 15) for _ in range(n)]
    if name.endswith(".scales"):
        return [0.01 + 0.002 * rng.random() for _ in range(n)]
    if name.endswith(".zeros"):
        return [rng.randint(6, 9) for _ in range(n)]
    if dtype == "i8":  # a ternary adapter
        return [rng.randint(-1, 1) for _ in range(n)]
    scale = {"param": 0.1, "weight": 0.1}.get(role, 1.0)
    if dtype == "f16":
        scale = 0.05
    return [rng.gauss(0.0, 1.0) * scale for _ in range(n)]


def run(cmd, log, merge=True):
    """Runs cmd, appending what it printed to log; stdout alone is returned
    unless merge."""
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT if merge else subprocess.PIPE, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n" + result.stdout + (result.stderr or ""))
    return result


def compare(a, b):
    name_a, shape_a, va = npytool.read(a)
    name_b, shape_b, vb = npytool.read(b)
    if (name_a, shape_a) != (name_b, shape_b):
        return "%s %s vs %s %s" % (name_a, shape_a, name_b, shape_b)
    exact = name_a[0] in "iu"
    for i, (x, y) in enumerate(zip(va, vb)):
        if x != x or (x != y and (exact or abs(x - y) > 1e-6 + 1e-5 * abs(y))):
            return "differ at flat index %d: %r vs %r" % (i, x, y)
    return None


def check_shape(args, extra, t, n):
    tag = "%s T=%d N=%d" % (args.method, t, n)
    work = os.path.join(args.work, "%s-t%d-n%d" % (args.method, t, n))
    os.makedirs(os.path.join(work, "step"), exist_ok=True)
    os.makedirs(os.path.join(work, "ref"), exist_ok=True)
    log = os.path.join(work, "log.txt")
    layer = os.path.join(work, "layer.mlir")
    with open(layer, "w") as f:
        f.write(LAYER.format(T=t, K=args.in_features, N=n,
                             W=weight_type(args.method, args.in_features, n)))
    compile_cmd = [args.qtc, "compile", layer, "--method", args.method] + extra
    if run(compile_cmd + ["-o", os.path.join(work, "out")], log).returncode:
        return tag + ": qtc compile failed (%s)" % log
    listing = run([os.path.join(work, "out", "qtc-step"), "--list-arguments"], log)
    if listing.returncode:
        return tag + ": qtc-step --list-arguments failed"
    tensors, scalars = [], []
    for seed, line in enumerate(listing.stdout.splitlines()):
        fields = line.split()
        name, dtype, role, shape = fields[0], fields[1], fields[-1], "".join(fields[2:-1])
        dims = tuple(int(d) for d in shape.strip("[]").split(",") if d.strip())
        if role in ("step", "seed", "grad_norm"):
            scalars.append(role)
            continue
        path = os.path.join(work, name + ".npy")
        vals = values_for(name, dtype, dims, role, 1000 * t + 10 * n + seed)
        npytool.write(path, dtype, dims, vals)
        tensors.append("%s=%s" % (name, path))
    weights = os.path.join(work, "all.safetensors")
    npytool.safetensors(argparse.Namespace(out=weights, tensors=tensors))
    if run([os.path.join(work, "out", "qtc-step"), "--weights", weights,
            "--output-dir", os.path.join(work, "step")], log).returncode:
        return tag + ": the trainer failed (%s)" % log
    emitted = run(compile_cmd + ["--emit=mlir-after=qt-plan-memory"], log, merge=False)
    if emitted.returncode:
        return tag + ": --emit failed"
    step_mlir = os.path.join(work, "step.mlir")
    with open(step_mlir, "w") as f:
        f.write(emitted.stdout)
    ref_cmd = [args.qtc_run, step_mlir, "--weights", weights, "--output-dir",
               os.path.join(work, "ref")]
    for role in scalars:
        ref_cmd += ["--input", {"step": "1", "seed": "0"}.get(role, "1")]
    if run(ref_cmd, log).returncode:
        return tag + ": qtc-run failed (%s)" % log
    step_files = sorted(f for f in os.listdir(os.path.join(work, "step")) if f.endswith(".npy"))
    ref_files = sorted(f for f in os.listdir(os.path.join(work, "ref")) if f.endswith(".npy"))
    if not step_files or step_files != ref_files:
        return tag + ": results %s vs reference %s" % (step_files, ref_files)
    for f in step_files:
        problem = compare(os.path.join(work, "step", f), os.path.join(work, "ref", f))
        if problem:
            return tag + ": " + f + " " + problem
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qtc", required=True)
    parser.add_argument("--qtc-run", required=True)
    parser.add_argument("--method", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--n", required=True)
    parser.add_argument("--in-features", type=int, default=256)
    parser.add_argument("--work", required=True)
    args, extra = parser.parse_known_args()
    failures = 0
    shapes = [(int(t), int(n)) for t in args.tokens.split(",") for n in args.n.split(",")]
    for t, n in shapes:
        problem = check_shape(args, extra, t, n)
        if problem:
            failures += 1
            print("FAIL: " + problem)
        else:
            print("PASS: %s T=%d N=%d" % (args.method, t, n))
        sys.stdout.flush()
    print("%d passed, %d failed" % (len(shapes) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
