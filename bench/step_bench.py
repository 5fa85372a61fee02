#!/usr/bin/env python3
"""Times compiled training steps (`qtc compile` + `qtc-step`) against the
reference backend (`qtc-run` on the same pipeline's IR) in the same run.

  python3 bench/step_bench.py [--build build] [--tokens 64] [--features 1024]
                              [--rank 32] [--steps 5] [--json FILE]

For each method a forward layer `y = x W` with a [features, features] weight
is compiled; its inputs are generated from the argument table of the
generated step (names, dtypes, shapes, roles). qtc-step runs --steps steps
and reports each; the median is compared with one qtc-run of the same step
(whose time includes reading the IR and the process start, a few ms).
Standard library only.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import npytool  # noqa: E402

STORAGE_PARTS = {"codes", "scales", "zeros", "absmax", "mantissas", "exponents",
                 "values", "g_idx"}
DTYPES = {"QTC_F32": "f32", "QTC_F16": "f16", "QTC_I8": "i8", "QTC_I32": "i32",
          "QTC_I64": "i64"}


def layer(method, tokens, features):
    weight = {"lora": "tensor<%dx%dxf32>" % (features, features),
              "gsq": "!qt.nf4<%dx%d>" % (features, features)}.get(
        method, "!qt.affine<%dx%d, bits = 4, group = 128>" % (features, features))
    x = "tensor<%dx%dxf32>" % (tokens, features)
    return ("func.func @layer(%%x: %s {qt.name = \"x\"}, %%w: %s {qt.name = \"w\"}) -> %s {\n"
            "  %%y = qt.linear %%x, %%w : %s, %s -> %s\n  return %%y : %s\n}\n"
            % (x, weight, x, x, weight, x, x))


def options(method, rank, features):
    return {"lora": ["--rank", str(rank)],
            "gsq": ["--rank", str(rank), "--group", "32"],
            "lota": ["--rank", str(rank), "--total-steps", "100"],
            "qeft": ["--outliers", str(features // 16)]}[method]


def arguments(step_cpp):
    """(name, dtype, shape, role) of each argument tensor of a step."""
    text = open(step_cpp).read()
    table = text[text.index("kArgs[]"):text.index("kResults[]")]
    rows = re.findall(r'\{"([^"]+)", (QTC_\w+), \d+, \{([^}]*)\}, QTC_ROLE_(\w+), -?\d+[,}]', table)
    return [(name, DTYPES[dtype], tuple(int(d) for d in dims.split(",") if d.strip()), role)
            for name, dtype, dims, role in rows]


def make_tensor(path, name, dtype, shape, seed):
    part = name.rsplit(".", 1)[-1]
    n = npytool.count(shape)
    rng = __import__("random").Random(seed)
    if part == "codes" and len(shape) == 2:
        values = [rng.randint(0, 15) for _ in range(n)]     # 4-bit affine codes
    elif part == "codes":
        values = [rng.randint(-128, 127) for _ in range(n)]  # two NF4 codes a byte
    elif part == "zeros":
        values = [rng.randint(6, 9) for _ in range(n)]
    elif part == "values":
        values = [rng.randint(-1, 1) for _ in range(n)]      # ternary adapters
    elif part in ("scales", "absmax"):
        values = [0.01] * n
    else:
        values = [rng.gauss(0.0, 1.0) * 0.1 for _ in range(n)]
    npytool.write(path, dtype, shape, values)


def bench(method, args, work):
    out = os.path.join(work, method)
    source = os.path.join(work, method + ".mlir")
    open(source, "w").write(layer(method, args.tokens, args.features))
    qtc = os.path.join(args.build, "bin", "qtc")
    flags = ["--method", method] + options(method, args.rank, args.features)
    subprocess.run([qtc, "compile", source, "-o", out] + flags, check=True,
                   stderr=subprocess.DEVNULL)
    with open(os.path.join(work, method + ".step.mlir"), "w") as f:
        subprocess.run([qtc, "compile", source, "--emit=mlir-after=qt-plan-memory"] + flags,
                       check=True, stdout=f, stderr=subprocess.DEVNULL)

    step_inputs, run_inputs, groups = ["--seed", "7"], [], []
    for i, (name, dtype, shape, role) in enumerate(arguments(os.path.join(out, "step.cpp"))):
        base, _, part = name.rpartition(".")
        if role == "STEP":
            groups.append(["1"]); continue
        if role == "SEED":
            groups.append(["7"]); continue
        if role == "GRAD_NORM":
            step_inputs += ["--grad-norm", "50"]
            groups.append(["50.0"]); continue
        path = os.path.join(work, "%s.%d.npy" % (method, i))
        if role == "STATE":
            npytool.write(path, dtype, shape, [0.0] * npytool.count(shape))
        else:
            make_tensor(path, name, dtype, shape, i)
            step_inputs += ["--input", "%s=%s" % (name, path)]
        if part in STORAGE_PARTS and groups and groups[-1][0].startswith(base + "|"):
            groups[-1].append(path)
        else:
            groups.append([base + "|" + path] if part in STORAGE_PARTS else [path])
    for g in groups:
        run_inputs += ["--input", ",".join(p.split("|", 1)[-1] for p in g)]

    log = subprocess.run([os.path.join(out, "qtc-step"), "--steps", str(args.steps),
                          "--output-dir", out] + step_inputs,
                         check=True, capture_output=True, text=True).stderr
    step_ms = statistics.median(float(m) for m in re.findall(r"took ([0-9.]+) ms", log))
    start = time.perf_counter()
    subprocess.run([os.path.join(args.build, "bin", "qtc-run"),
                    os.path.join(work, method + ".step.mlir"), "--output-dir",
                    os.path.join(work, method + ".ref")] + run_inputs,
                   check=True, stdout=subprocess.DEVNULL)
    ref_ms = (time.perf_counter() - start) * 1e3
    return {"method": method, "tokens": args.tokens, "features": args.features,
            "rank": args.rank, "step_ms": step_ms, "reference_ms": ref_ms,
            "ratio": ref_ms / step_ms}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--features", type=int, default=1024)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--methods", default="lora,gsq,lota,qeft")
    parser.add_argument("--json")
    args = parser.parse_args()
    records = []
    with tempfile.TemporaryDirectory() as work:
        print("%-6s %14s %16s %10s" % ("method", "qtc-step ms", "reference ms", "speedup"))
        for method in args.methods.split(","):
            r = bench(method, args, work)
            records.append(r)
            print("%-6s %14.2f %16.1f %9.1fx" % (method, r["step_ms"], r["reference_ms"], r["ratio"]))
    if args.json:
        json.dump(records, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
