#!/usr/bin/env python3
"""Checks that the qt dialect's tests cover the dialect.

- Every op defined in dialect/*.td appears in a round-trip test and every
  type mnemonic in one (test/dialect/*.mlir without -verify-diagnostics).
- Every verifier rule has an invalid-IR test: each diagnostic wording written
  in dialect/*.cpp (the literal given to emitOpError / emitError() << / the
  expect* helpers) appears in an `expected-error` of a -verify-diagnostics
  test (test/dialect, or test/passes for what only a pass triggers); inside `FooOp::verify` it must appear on a diagnostic of that op.
- Every op has a reference-backend handler: its class is dispatched in
  codegen/reference/interpreter/InterpretQtOps.cpp (region ops in the
  function runner, Interpreter.cpp; terminators with their parent).

Prints what is missing and exits 1, else prints a one-line summary.
Usage: check_dialect_tests.py [SOURCE_ROOT]
"""

import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
dialect = root / "dialect"
tests = sorted((root / "test" / "dialect").glob("*.mlir"))

# --- what the dialect defines ------------------------------------------------
td = "\n".join(p.read_text() for p in sorted(dialect.glob("*.td")))
ops = dict(re.findall(r'def Qt_(\w+Op)\s*:\s*Qt_Op<"(\w+)"', td))  # class -> mnemonic
types = re.findall(r'def Qt_\w+Type\s*:\s*Qt_Type<"\w+",\s*"(\w+)"', td)

# --- what the tests hold -----------------------------------------------------
roundtrip_text, expected_errors = "", []
for path in tests:
    text = path.read_text()
    if "-verify-diagnostics" in text:
        expected_errors += re.findall(r"expected-error[^{]*\{\{(.*?)\}\}", text)
    else:
        roundtrip_text += text
# Diagnostics that only a pass triggers (an op's VJP) are tested with it.
for path in sorted((root / "test" / "passes").glob("*.mlir")):
    text = path.read_text()
    if "-verify-diagnostics" in text:
        expected_errors += re.findall(r"expected-error[^{]*\{\{(.*?)\}\}", text)

missing = []
for cls, mnemonic in sorted(ops.items(), key=lambda kv: kv[1]):
    if not re.search(r"\bqt\.%s\b" % mnemonic, roundtrip_text):
        missing.append("op qt.%s has no round-trip test" % mnemonic)
for mnemonic in types:
    if "!qt.%s<" % mnemonic not in roundtrip_text:
        missing.append("type !qt.%s has no round-trip test" % mnemonic)

# --- verifier rules ----------------------------------------------------------
DIAG = re.compile(
    r'(?:emitOpError\(\s*"([^"]+)"'          # emitOpError("rule ...")
    r'|emitError\(\)\s*<<\s*"([^"]+)"'        # emitError() << "rule ..."
    r'|\bexpect\w+\(\s*(?:\*this|op),\s*"([^"]+)")')  # expectDim(*this, "rule", ...)
FUNC = re.compile(r"^[A-Za-z].*?\b(\w+)::verify\(|^static [^;]*?\b(\w+)\(", re.M)

rules = 0
for path in sorted(dialect.glob("*.cpp")):
    text = path.read_text()
    funcs = [(m.start(), m.group(1)) for m in FUNC.finditer(text)]
    for m in DIAG.finditer(text):
        literal = next(g for g in m.groups() if g)
        owner = None
        for start, cls in funcs:
            if start < m.start():
                owner = cls
        rules += 1
        mnemonic = ops.get(owner or "")
        prefix = "'qt.%s' op " % mnemonic if mnemonic else ""
        if not any(literal in e and prefix in e for e in expected_errors):
            where = "qt.%s" % mnemonic if mnemonic else path.name
            missing.append('rule "%s" (%s) has no invalid-IR test' % (literal, where))

# --- reference backend ---------------------------------------------------------
interpreter = (root / "codegen" / "reference" / "interpreter" / "InterpretQtOps.cpp").read_text()
dispatched = re.search(r"\.Case<([^>]*)>", interpreter)
dispatched = set(re.findall(r"\w+", dispatched.group(1))) if dispatched else set()
# Ops with regions run their body in the function runner (Interpreter.cpp);
# terminators run as part of their parent.
runner = (root / "codegen" / "reference" / "interpreter" / "Interpreter.cpp").read_text()
dispatched |= set(re.findall(r"\.Case\(\[&\]\((\w+) ", runner))
dispatched |= set(re.findall(r'def Qt_(\w+Op)\s*:\s*Qt_Op<"\w+",\s*\[[^\]]*\bTerminator\b', td))
for cls, mnemonic in sorted(ops.items(), key=lambda kv: kv[1]):
    if cls not in dispatched:
        missing.append("op qt.%s has no reference-backend handler" % mnemonic)

if missing:
    print("\n".join(missing))
    print("%d gaps in the dialect tests" % len(missing))
    sys.exit(1)
print("dialect tests cover %d ops, %d types and %d verifier rules; "
      "the reference backend runs all %d ops" % (len(ops), len(types), rules, len(ops)))
