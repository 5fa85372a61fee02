#!/usr/bin/env python3
"""Checks a qtc-bench --json file: a list of records with the documented keys
and types, positive rates, and ratio == gops / baseline_gops. Prints the
kernels and baselines it saw."""
import json
import sys

KEYS = {"kernel": str, "variant": str, "cpu": str, "M": int, "N": int, "K": int,
        "gops": float, "baseline": str, "baseline_gops": float, "ratio": float}
VARIANTS = {"x86-avx512-vnni", "x86-avx2"}

records = json.load(open(sys.argv[1]))
if not isinstance(records, list) or not records:
    sys.exit("not a non-empty list")
for i, record in enumerate(records):
    if set(record) != set(KEYS):
        sys.exit("record %d has keys %s" % (i, sorted(record)))
    for key, kind in KEYS.items():
        value = record[key]
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind):
            sys.exit("record %d: %s is %r" % (i, key, record[key]))
    if record["variant"] not in VARIANTS or not record["cpu"]:
        sys.exit("record %d: variant %r, cpu %r" % (i, record["variant"], record["cpu"]))
    if record["gops"] <= 0 or record["baseline_gops"] <= 0:
        sys.exit("record %d has a non-positive rate" % i)
    if abs(record["ratio"] - record["gops"] / record["baseline_gops"]) > 1e-9 * record["ratio"]:
        sys.exit("record %d: ratio is not gops / baseline_gops" % i)
print("kernels: " + " ".join(sorted({r["kernel"] for r in records})))
print("baselines: " + " ".join(sorted({r["baseline"] for r in records})))
print("variants: " + " ".join(sorted({r["variant"] for r in records})))
