#!/usr/bin/env python3
"""Writes the PTX that Halide embeds in a CUDA kernel library's host assembly.

Halide's AOT CUDA objects carry their device code as one string constant
(".asciz" in the .s file) that starts with LLVM's NVPTX banner. Usage:
  extract_ptx.py KERNEL.s OUT.ptx
"""
import ast
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    for match in re.finditer(r'\.(?:asciz|ascii)\s+("(?:[^"\\]|\\.)*")', text):
        literal = match.group(1)
        if "NVPTX" not in literal:
            continue
        # GNU as escapes: \n, \t, \", \\ and three-digit octal, as in Python
        # byte literals.
        ptx = ast.literal_eval("b" + literal).decode()
        open(sys.argv[2], "w").write(ptx)
        kernels = len(re.findall(r"^\.visible \.entry", ptx, re.M))
        print("%d kernels, %s" % (kernels, re.search(r"^\.target \w+", ptx, re.M).group(0)))
        return
    sys.exit("%s: no embedded PTX found" % sys.argv[1])


main()
