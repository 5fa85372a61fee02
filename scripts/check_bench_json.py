#!/usr/bin/env python3
"""Checks a qtc-bench --json file: a list of records with the documented keys
and types, positive rates, and ratio == rate / baseline_rate. Prints the
kernels, baselines, variants and units it saw."""
import json
import sys

KEYS = {"kernel": str, "variant": str, "cpu": str, "shape": str, "unit": str,
        "rate": float, "baseline": str, "baseline_rate": float, "ratio": float}
UNITS = {"GOP/s", "GB/s"}
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
    if record["unit"] not in UNITS or not record["shape"]:
        sys.exit("record %d: unit %r, shape %r" % (i, record["unit"], record["shape"]))
    if record["rate"] <= 0 or record["baseline_rate"] <= 0:
        sys.exit("record %d has a non-positive rate" % i)
    if abs(record["ratio"] - record["rate"] / record["baseline_rate"]) > 1e-9 * record["ratio"]:
        sys.exit("record %d: ratio is not rate / baseline_rate" % i)
print("kernels: " + " ".join(sorted({r["kernel"] for r in records})))
print("baselines: " + " ".join(sorted({r["baseline"] for r in records})))
print("variants: " + " ".join(sorted({r["variant"] for r in records})))
print("units: " + " ".join(sorted({r["unit"] for r in records})))
