#!/usr/bin/env python3
"""PEFT LoRA on a Hugging Face model folder, and torch autograd's gradients.

  hf_lora.py adapters DIR --rank R --alpha A [--seed S]
      PEFT adapters (LoraConfig on the seven projections, PEFT's own init)
      with lora_B then drawn at random so that every gradient is non-zero;
      written as DIR/adapters.safetensors under qtc's names
      (`model.layers.L.self_attn.q_proj.a` = lora_A.weight^T [in, r], `.b`
      = lora_B.weight^T [r, out]), and the result gradients of the step:
      DIR/dlogits.npy (zeros) and DIR/dloss.npy (1).
  hf_lora.py check DIR --results OUT --tol T [--moments UPDATED]
      the loss and every adapter gradient of torch autograd on the PEFT
      model, compared with qtc's OUT/result<i>.npy: result1 the loss
      (result0 with --loss-only), then d a and d b of each adapted module in
      qtc's order. With --moments, OUT is a compiled step's (qtc-step after
      one step from zero moments): the gradients are read back from the
      updated AdamW first moments in UPDATED (safetensors, m = (1 - beta1) g,
      `<adapter>.m`).
  hf_lora.py peft-check DIR --adapter PEFT_DIR --logits L.npy --tol T
      loads PEFT_DIR with peft.PeftModel.from_pretrained on DIR's model (as
      a user would: no qtc code) and compares its logits on DIR's ids with
      qtc's; also checks that the adapter changes the logits.
"""

import argparse
import sys
import warnings

import numpy as np
import peft
import safetensors.numpy
import torch
import transformers

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def peft_model(args):
    warnings.simplefilter("ignore", FutureWarning)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.dir, dtype=torch.float32)
    config = peft.LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0,
                             target_modules=TARGETS)
    torch.manual_seed(args.seed)
    return peft.get_peft_model(model, config)


def adapted(model):
    """(qtc module path, lora_A, lora_B) in qtc's order."""
    base = model.base_model.model
    for layer_index, layer in enumerate(base.model.layers):
        for name in TARGETS:
            parent = layer.self_attn if name.endswith(("q_proj", "k_proj", "v_proj", "o_proj")) \
                else layer.mlp
            module = getattr(parent, name)
            kind = "self_attn" if parent is layer.self_attn else "mlp"
            yield ("model.layers.%d.%s.%s" % (layer_index, kind, name),
                   module.lora_A["default"].weight, module.lora_B["default"].weight)


def adapters(args):
    model = peft_model(args)
    tensors = {}
    generator = torch.Generator().manual_seed(args.seed + 1)
    with torch.no_grad():
        for path, a, b in adapted(model):
            b.copy_(0.05 * torch.randn(b.shape, generator=generator))
            tensors[path + ".a"] = np.ascontiguousarray(a.numpy().T)
            tensors[path + ".b"] = np.ascontiguousarray(b.numpy().T)
    safetensors.numpy.save_file(tensors, args.dir + "/adapters.safetensors")
    # Keep PEFT's lora_A draw for the check: it reloads these.
    ids = np.load(args.dir + "/ids.npy")
    vocab = model.base_model.model.config.vocab_size
    np.save(args.dir + "/dlogits.npy", np.zeros(ids.shape + (vocab,), np.float32))
    np.save(args.dir + "/dloss.npy", np.array(1.0, np.float32))


def check(args):
    model = peft_model(args)
    saved = safetensors.numpy.load_file(args.dir + "/adapters.safetensors")
    with torch.no_grad():
        for path, a, b in adapted(model):
            a.copy_(torch.from_numpy(saved[path + ".a"].T))
            b.copy_(torch.from_numpy(saved[path + ".b"].T))
    ids = torch.from_numpy(np.load(args.dir + "/ids.npy").astype(np.int64))
    labels = torch.from_numpy(np.load(args.dir + "/labels.npy").astype(np.int64))
    out = model(input_ids=ids, labels=labels)
    out.loss.backward()
    # With --loss-only the step returns the loss first, else the logits.
    first = 0 if args.loss_only else 1
    loss = float(np.load("%s/result%d.npy" % (args.results, first)))
    ref = float(out.loss.detach())
    print("loss: qtc %.7f torch %.7f" % (loss, ref))
    failed = abs(loss - ref) > args.tol * max(1.0, abs(ref))
    index, worst = first + 1, 0.0
    moments = safetensors.numpy.load_file(args.moments) if args.moments else None
    for path, a, b in adapted(model):
        for suffix, param in ((".a", a), (".b", b)):
            if moments is not None:
                ours = moments[path + suffix + ".m"] / np.float32(1.0 - args.beta1)
            else:
                ours = np.load("%s/result%d.npy" % (args.results, index))
            theirs = param.grad.numpy().T
            index += 1
            if ours.shape != theirs.shape:
                sys.exit("%s%s: gradient shape %s, torch %s" % (path, suffix, ours.shape, theirs.shape))
            scale = max(float(np.abs(theirs).max()), 1e-30)
            error = float(np.abs(ours - theirs).max()) / scale
            worst = max(worst, error)
            if error > args.tol:
                print("%s%s: max |diff| %.3g of max |grad| %.3g" % (path, suffix, error * scale, scale))
                failed = True
    print("%d adapter gradients: worst max |diff| / max |grad| %.3g"
          % (index - first - 1, worst))
    if failed:
        sys.exit("differs from torch autograd by more than %g" % args.tol)


def peft_check(args):
    base = transformers.AutoModelForCausalLM.from_pretrained(args.dir, dtype=torch.float32)
    ids = torch.from_numpy(np.load(args.dir + "/ids.npy").astype(np.int64))
    with torch.no_grad():
        plain = base(input_ids=ids).logits.numpy()
    model = peft.PeftModel.from_pretrained(base, args.adapter)
    model.eval()
    with torch.no_grad():
        theirs = model(input_ids=ids).logits.numpy()
    ours = np.load(args.logits)
    if ours.shape != theirs.shape:
        sys.exit("logits shape %s, peft gives %s" % (ours.shape, theirs.shape))
    scale = max(1.0, float(np.abs(theirs).max()))
    diff = float(np.abs(ours.astype(np.float64) - theirs).max())
    moved = float(np.abs(theirs - plain).max())
    print("peft: %d modules r %d; logits max |diff| %.3g (max |logit| %.3g); "
          "the adapter moves them by up to %.3g"
          % (len([n for n, _ in model.named_modules() if n.endswith("lora_A")]),
             model.peft_config["default"].r, diff, scale, moved))
    if moved <= 100 * args.tol * scale:
        sys.exit("the adapter barely changes the logits: the check would not "
                 "see a wrong export")
    if diff > args.tol * scale:
        sys.exit("differs from peft by more than %g of the largest |logit|" % args.tol)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("adapters", "check"):
        p = sub.add_parser(name)
        p.add_argument("dir")
        p.add_argument("--rank", type=int, default=4)
        p.add_argument("--alpha", type=float, default=8.0)
        p.add_argument("--seed", type=int, default=0)
        if name == "check":
            p.add_argument("--results", required=True)
            p.add_argument("--tol", type=float, required=True)
            p.add_argument("--loss-only", action="store_true",
                           help="the step was imported with --loss-only")
            p.add_argument("--moments",
                           help="updated.safetensors of one compiled step")
            p.add_argument("--beta1", type=float, default=0.9)
    p = sub.add_parser("peft-check")
    p.add_argument("dir")
    p.add_argument("--adapter", required=True)
    p.add_argument("--logits", required=True)
    p.add_argument("--tol", type=float, required=True)
    args = parser.parse_args()
    {"adapters": adapters, "check": check, "peft-check": peft_check}[args.command](args)


if __name__ == "__main__":
    main()
