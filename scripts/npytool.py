#!/usr/bin/env python3
"""Make, check and compare .npy files with the Python standard library only.

The lit tests use it to generate deterministic inputs for qtc-run and to check
its outputs without NumPy (which is reserved for interop tests).

  npytool.py make OUT --dtype f32 --shape 8x64 --normal SEED [--scale S]
  npytool.py make OUT --dtype i8 --shape 256x16 --randint LO HI SEED
  npytool.py make OUT --dtype i64 --shape "" --fill 3
  npytool.py check FILE [--dtype D] [--shape S] [--min X] [--max X]
                        [--values v1,v2,...] [--equals v0,v1,...] [--finite]
  npytool.py compare A B [--rtol R] [--atol A] [--tol-of-max T]
                        (exact when all are 0; T scales with B's largest |value|)
  npytool.py safetensors OUT NAME=FILE.npy ...     (bundle .npy files)
  npytool.py transpose IN OUT                      (a matrix, exactly)
  npytool.py params OUT LIST --role param --dtype i8 --randint LO HI SEED
                        (a .safetensors of random values for every argument
                         of that role and dtype in LIST, the output of
                         `qtc-step --list-arguments`)
"""

import argparse
import ast
import json
import random
import struct
import sys

DTYPES = {
    "f32": ("<f4", "f"), "f64": ("<f8", "d"), "f16": ("<f2", "e"),
    "i8": ("|i1", "b"), "u8": ("|u1", "B"), "i16": ("<i2", "h"),
    "u16": ("<u2", "H"), "i32": ("<i4", "i"), "i64": ("<i8", "q"),
}
BY_DESCR = {descr: (name, code) for name, (descr, code) in DTYPES.items()}


def parse_shape(text):
    return tuple(int(d) for d in text.split("x")) if text else ()


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def write(path, dtype, shape, values):
    descr, code = DTYPES[dtype]
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), code), *values))


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit("%s: not a .npy file" % path)
    size = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + size].decode())
    name, code = BY_DESCR[header["descr"]]
    shape = tuple(header["shape"])
    values = struct.unpack("<%d%s" % (count(shape), code), data[10 + size:])
    return name, shape, values


def make(args):
    shape = parse_shape(args.shape)
    n = count(shape)
    if args.normal is not None:
        rng = random.Random(args.normal)
        values = [rng.gauss(0.0, 1.0) * args.scale for _ in range(n)]
    elif args.randint is not None:
        lo, hi, seed = args.randint
        rng = random.Random(seed)
        values = [rng.randint(lo, hi) for _ in range(n)]
    else:
        values = [args.fill] * n
    if args.dtype[0] in "iu":
        values = [int(v) for v in values]
    write(args.out, args.dtype, shape, values)


def check(args):
    name, shape, values = read(args.file)
    problems = []
    if args.dtype and name != args.dtype:
        problems.append("dtype %s, expected %s" % (name, args.dtype))
    if args.shape is not None and shape != parse_shape(args.shape):
        problems.append("shape %s, expected %s" % (shape, parse_shape(args.shape)))
    if args.finite and any(v != v or v in (float("inf"), float("-inf")) for v in values):
        problems.append("non-finite values")
    if args.min is not None and min(values) < args.min:
        problems.append("min %g below %g" % (min(values), args.min))
    if args.max is not None and max(values) > args.max:
        problems.append("max %g above %g" % (max(values), args.max))
    if args.values is not None:
        allowed = {float(v) for v in args.values.split(",")}
        bad = sorted({v for v in values if float(v) not in allowed})
        if bad:
            problems.append("values %s outside {%s}" % (bad[:5], args.values))
    if args.equals is not None:
        expected = [float(v) for v in args.equals.split(",")]
        if [float(v) for v in values] != expected:
            problems.append("values %s, expected %s" % (values[:16], expected[:16]))
    if problems:
        sys.exit("%s: %s" % (args.file, "; ".join(problems)))
    print("%s: ok (%s %s)" % (args.file, name, "x".join(str(d) for d in shape)))


def compare(args):
    name_a, shape_a, a = read(args.a)
    name_b, shape_b, b = read(args.b)
    if shape_a != shape_b:
        sys.exit("shapes differ: %s vs %s" % (shape_a, shape_b))
    # --tol-of-max: an absolute bound scaled by b's largest magnitude (sums
    # whose terms are larger than their result).
    atol = args.atol + args.tol_of_max * max((abs(y) for y in b), default=0.0)
    worst, where = 0.0, None
    for i, (x, y) in enumerate(zip(a, b)):
        excess = abs(x - y) - (atol + args.rtol * abs(y))
        exact = atol == 0 and args.rtol == 0
        if excess > worst or (x != y and exact):
            worst, where = max(excess, abs(x - y)), i
            if exact:
                break
    if where is not None:
        sys.exit("%s and %s differ at flat index %d: %r vs %r"
                 % (args.a, args.b, where, a[where], b[where]))
    print("%s == %s (%d elements, rtol %g, atol %g)"
          % (args.a, args.b, len(a), args.rtol, atol))


SAFETENSORS_DTYPES = {"f32": "F32", "f64": "F64", "f16": "F16", "i8": "I8",
                      "u8": "U8", "i16": "I16", "u16": "U16", "i32": "I32",
                      "i64": "I64"}


def write_safetensors(path, tensors):
    """tensors: (name, dtype, shape, values) in file order."""
    header, blobs, offset = {}, [], 0
    for name, dtype, shape, values in tensors:
        blob = struct.pack("<%d%s" % (len(values), DTYPES[dtype][1]), *values)
        header[name] = {"dtype": SAFETENSORS_DTYPES[dtype], "shape": list(shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def safetensors(args):
    tensors = []
    for item in args.tensors:
        name, path = item.split("=", 1)
        tensors.append((name,) + read(path))
    write_safetensors(args.out, tensors)


def params(args):
    lo, hi, seed = args.randint
    rng = random.Random(seed)
    tensors = []
    with open(args.list) as f:
        for line in f:
            # NAME DTYPE [d0, d1, ...] ROLE
            name, dtype, rest = line.split(" ", 2)
            shape_text, role = rest.rsplit(" ", 1)
            if role.strip() != args.role or dtype != args.dtype:
                continue
            shape = tuple(int(d) for d in shape_text.strip("[]").split(",") if d.strip())
            tensors.append((name, dtype, shape,
                            [rng.randint(lo, hi) for _ in range(count(shape))]))
    if not tensors:
        sys.exit("%s: no %s argument of dtype %s" % (args.list, args.role, args.dtype))
    write_safetensors(args.out, tensors)


def transpose(args):
    dtype, shape, values = read(args.a)
    if len(shape) != 2:
        sys.exit("%s: transpose takes a matrix, found shape %s" % (args.a, shape))
    rows, cols = shape
    write(args.out, dtype, (cols, rows),
          [values[r * cols + c] for c in range(cols) for r in range(rows)])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("--dtype", choices=sorted(DTYPES), required=True)
    m.add_argument("--shape", required=True)
    group = m.add_mutually_exclusive_group(required=True)
    group.add_argument("--normal", type=int, metavar="SEED")
    group.add_argument("--randint", type=int, nargs=3, metavar=("LO", "HI", "SEED"))
    group.add_argument("--fill", type=float)
    m.add_argument("--scale", type=float, default=1.0)
    c = sub.add_parser("check")
    c.add_argument("file")
    c.add_argument("--dtype")
    c.add_argument("--shape")
    c.add_argument("--min", type=float)
    c.add_argument("--max", type=float)
    c.add_argument("--values")
    c.add_argument("--equals", metavar="V0,V1,...")
    c.add_argument("--finite", action="store_true")
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rtol", type=float, default=0.0)
    p.add_argument("--atol", type=float, default=0.0)
    p.add_argument("--tol-of-max", type=float, default=0.0)
    t = sub.add_parser("safetensors")
    t.add_argument("out")
    t.add_argument("tensors", nargs="+", metavar="NAME=FILE.npy")
    r = sub.add_parser("transpose")
    r.add_argument("a")
    r.add_argument("out")
    q = sub.add_parser("params")
    q.add_argument("out")
    q.add_argument("list")
    q.add_argument("--role", required=True)
    q.add_argument("--dtype", choices=sorted(DTYPES), required=True)
    q.add_argument("--randint", type=int, nargs=3, metavar=("LO", "HI", "SEED"),
                   required=True)
    args = parser.parse_args()
    {"make": make, "check": check, "compare": compare,
     "safetensors": safetensors, "transpose": transpose,
     "params": params}[args.command](args)


if __name__ == "__main__":
    main()
