#!/usr/bin/env python3
"""GPTQ checkpoints in GPTQModel's format, and GPTQModel's dequantization.

  gptq_model.py write HF_DIR OUT_DIR --bits B --group G [--sym] [--desc-act]
                      [--format gptq|gptq_v2] [--break WHAT]
      the model of HF_DIR with its seven projections per layer as GPTQ
      tensors (FORMATS.md "GPTQ checkpoint"): random codes, scales and
      zeros (the format is under test here, not the solver), g_idx a
      permutation's groups under --desc-act, format "gptq" (v1) storing
      zero - 1 subtracted from the whole packed word; quantize_config.json
      and config.json's quantization_config; OUT_DIR/ids.npy and labels.npy
      copied. --break writes a file qtc must refuse: qweight rows for other
      bits (qweight), bits 3 (bits), a g_idx entry past the groups (g_idx).
  gptq_model.py mlir OUT_DIR READ.mlir
      a function returning three dequantized weights by their HF names.
  gptq_model.py check OUT_DIR R [OUT_DIR R ...]
      compares qtc-run's results R of each folder's READ.mlir with
      GPTQModel's own dequantization (its TorchLinear after its v1-to-v2
      conversion, in f32), bit for bit (one process: importing GPTQModel
      takes seconds).
  gptq_model.py dequantized OUT_DIR HF_OUT
      a plain HF model whose projections are GPTQModel's dequantized
      weights, for transformers' logits.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
READ = ["model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
        "model.layers.1.self_attn.k_proj"]


def write(args):
    from safetensors.numpy import load_file, save_file
    os.makedirs(args.out, exist_ok=True)
    tensors = load_file(args.hf_dir + "/model.safetensors")
    with open(args.hf_dir + "/config.json") as f:
        config = json.load(f)
    rng = np.random.default_rng(args.seed)
    bits, pack = args.bits, 32 // args.bits
    maxq = (1 << bits) - 1
    out = {}
    for name, w in tensors.items():
        if not any(name.endswith(p + ".weight") for p in PROJECTIONS):
            out[name] = w
            continue
        module = name[:-len(".weight")]
        n_out, n_in = w.shape
        group = n_in if args.group == -1 else args.group
        groups = -(-n_in // group)
        q = rng.integers(0, maxq + 1, size=(n_in, n_out), dtype=np.uint32)
        if args.desc_act:
            g_idx = (rng.permutation(n_in) // group).astype(np.int32)
        else:
            g_idx = (np.arange(n_in) // group).astype(np.int32)
        if args.break_ == "g_idx" and module == READ[0]:
            g_idx[5] = groups
        scales = (rng.random((groups, n_out)) * 0.02 + 0.002).astype(np.float16)
        if args.sym:
            zeros = np.full((groups, n_out), (maxq + 1) // 2, np.uint32)
        else:
            zeros = rng.integers(0, maxq + 1, size=(groups, n_out), dtype=np.uint32)
        qweight = np.zeros((n_in // pack, n_out), np.uint32)
        for k in range(pack):
            qweight |= q[k::pack, :] << np.uint32(bits * k)
        qzeros = np.zeros((groups, n_out // pack), np.uint32)
        for k in range(pack):
            qzeros |= zeros[:, k::pack] << np.uint32(bits * k)
        if args.format == "gptq":  # v1: zero - 1, subtracted from the whole word
            constant = sum(1 << (bits * k) for k in range(pack))
            qzeros = ((qzeros.astype(np.uint64) - constant) % (1 << 32)).astype(np.uint32)
        if args.break_ == "qweight" and module == READ[0]:
            qweight = qweight[: qweight.shape[0] // 2]
        out[module + ".qweight"] = qweight.view(np.int32)
        out[module + ".qzeros"] = qzeros.view(np.int32)
        out[module + ".scales"] = scales
        out[module + ".g_idx"] = g_idx
    save_file(out, args.out + "/model.safetensors")
    quantize = {"bits": 3 if args.break_ == "bits" else bits, "group_size": args.group,
                "desc_act": args.desc_act, "sym": args.sym, "lm_head": False,
                "quant_method": "gptq", "checkpoint_format": args.format,
                "pack_dtype": "int32"}
    config["quantization_config"] = quantize
    with open(args.out + "/config.json", "w") as f:
        json.dump(config, f, indent=2)
    with open(args.out + "/quantize_config.json", "w") as f:
        json.dump(quantize, f, indent=2)
    for name in ("ids.npy", "labels.npy"):
        if os.path.exists(args.hf_dir + "/" + name):
            shutil.copy(args.hf_dir + "/" + name, args.out + "/" + name)


def gptqmodel_weights(path):
    """{module: f32 [out, in]} as GPTQModel dequantizes them."""
    import logging
    logging.disable(logging.WARNING)
    import torch
    from safetensors.torch import load_file
    from gptqmodel.nn_modules.qlinear.torch import TorchLinear
    from gptqmodel.utils.model import convert_gptq_v1_to_v2_format_module
    with open(path + "/quantize_config.json") as f:
        quantize = json.load(f)
    tensors = load_file(path + "/model.safetensors")
    weights = {}
    for name in tensors:
        if not name.endswith(".qweight"):
            continue
        module = name[:-len(".qweight")]
        qweight = tensors[name]
        n_in, n_out = qweight.shape[0] * 32 // quantize["bits"], qweight.shape[1]
        layer = TorchLinear(bits=quantize["bits"], group_size=quantize["group_size"],
                            sym=quantize["sym"], desc_act=quantize["desc_act"],
                            in_features=n_in, out_features=n_out, bias=False)
        for part in ("qweight", "qzeros", "g_idx"):
            getattr(layer, part).data.copy_(tensors[module + "." + part])
        # f32 scales: the product of an f16 scale and a small integer is
        # exact in f32 (GPTQModel's f16 default would round it).
        layer.scales.data = tensors[module + ".scales"].to(torch.float32)
        if quantize["checkpoint_format"] == "gptq":
            convert_gptq_v1_to_v2_format_module(layer, bits=quantize["bits"],
                                                pack_dtype=torch.int32)
        layer.post_init()
        weights[module] = layer.dequantize_weight().T.contiguous().numpy()
    return weights


def mlir(args):
    from safetensors.numpy import load_file
    tensors = load_file(args.dir + "/model.safetensors")
    params, types = [], []
    for i, module in enumerate(READ):
        n_in = tensors[module + ".qweight"].shape[0] * 32 // json.load(
            open(args.dir + "/quantize_config.json"))["bits"]
        n_out = tensors[module + ".qweight"].shape[1]
        t = "tensor<%dx%dxf32>" % (n_out, n_in)
        params.append('%%a%d: %s {qt.name = "%s.weight"}' % (i, t, module))
        types.append(t)
    with open(args.out, "w") as f:
        f.write("func.func @main(%s) -> (%s) {\n  return %s : %s\n}\n" % (
            ", ".join(params), ", ".join(types),
            ", ".join("%%a%d" % i for i in range(len(READ))), ", ".join(types)))


def check(args):
    if len(args.pairs) % 2:
        sys.exit("check takes folder and results pairs")
    failures, count = 0, 0
    for folder, results in zip(args.pairs[::2], args.pairs[1::2]):
        weights = gptqmodel_weights(folder)
        for i, module in enumerate(READ):
            ours = np.load("%s/result%d.npy" % (results, i))
            theirs = weights[module]
            count += 1
            if ours.shape != theirs.shape or not np.array_equal(
                    ours.view(np.uint32), theirs.view(np.uint32)):
                failures += 1
                print("%s %s: qtc %s, GPTQModel %s" % (folder, module, ours.shape, theirs.shape))
    print("%d weights, %d differ from GPTQModel's dequantization" % (count, failures))
    sys.exit(1 if failures else 0)


def dequantized(args):
    from safetensors.numpy import load_file, save_file
    os.makedirs(args.hf_out, exist_ok=True)
    tensors = load_file(args.dir + "/model.safetensors")
    weights = gptqmodel_weights(args.dir)
    out = {k: v for k, v in tensors.items()
           if not k.endswith((".qweight", ".qzeros", ".scales", ".g_idx"))}
    for module, w in weights.items():
        out[module + ".weight"] = w
    save_file(out, args.hf_out + "/model.safetensors", metadata={"format": "pt"})
    with open(args.dir + "/config.json") as f:
        config = json.load(f)
    del config["quantization_config"]
    with open(args.hf_out + "/config.json", "w") as f:
        json.dump(config, f, indent=2)
    for name in ("ids.npy", "labels.npy"):
        shutil.copy(args.dir + "/" + name, args.hf_out + "/" + name)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("hf_dir")
    w.add_argument("out")
    w.add_argument("--bits", type=int, choices=[2, 4, 8], required=True)
    w.add_argument("--group", type=int, required=True)
    w.add_argument("--sym", action="store_true")
    w.add_argument("--desc-act", action="store_true")
    w.add_argument("--format", choices=["gptq", "gptq_v2"], default="gptq")
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--break", dest="break_", default="", choices=["qweight", "bits", "g_idx"])
    m = sub.add_parser("mlir")
    m.add_argument("dir")
    m.add_argument("out")
    c = sub.add_parser("check")
    c.add_argument("pairs", nargs="+")
    d = sub.add_parser("dequantized")
    d.add_argument("dir")
    d.add_argument("hf_out")
    args = parser.parse_args()
    {"write": write, "mlir": mlir, "check": check, "dequantized": dequantized}[args.command](args)


if __name__ == "__main__":
    main()
