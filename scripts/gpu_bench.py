#!/usr/bin/env python
"""Model throughput on a GPU box without spaCy (the lent GPU machines are offline: torch + transformers only).

Here, with claimx installed, write the documents with their claimx sentence spans (~7 MB for 5,000):

    python scripts/gpu_bench.py --prepare runs/gpu/bench-docs.jsonl --n 5000

There (carry runs/gpu/bench-docs.jsonl), time `Predictor.predict` — word pieces, windows, encoder + heads,
decoding of entities / claims / roles — over N abstracts at several token budgets, with the GPU's
utilisation sampled by nvidia-smi and the split of the time between the CPU-side steps and the encoder:

    python scripts/gpu_bench.py --docs runs/gpu/bench-docs.jsonl --total 50000 --budgets 16384 65536

scispaCy preprocessing is not in these figures: `python scripts/bench.py` measures it per CPU core.
Prints a table; not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
from pathlib import Path

from _bootstrap import ROOT, import_claimx


def prepare(out: Path, n: int) -> None:
    from bench import sample

    import claimx

    nlp = claimx.load(device="cpu").nlp
    records = sample(n)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for r, doc in zip(records, nlp.pipe((r["text"] for r in records), disable=["claimx_model"])):
            f.write(json.dumps({"id": r["id"], "text": doc.text, "sentences": [[s.start_char, s.end_char] for s in doc.sents]}) + "\n")
    print(f"wrote {n} documents to {out} ({out.stat().st_size / 1e6:.1f} MB)")


class GpuSampler(threading.Thread):
    """Samples `nvidia-smi` utilisation (%) and memory (MiB) every 200 ms while running."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                line = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
                                      capture_output=True, text=True, timeout=5).stdout.splitlines()[0]
                self.samples.append(tuple(float(x) for x in line.split(",")))
            except (OSError, IndexError, ValueError, subprocess.SubprocessError):
                return
            time.sleep(0.2)

    def summary(self) -> str:
        if not self.samples:
            return "n/a"
        util = [u for u, _ in self.samples]
        return f"{sum(util) / len(util):.0f}% mean, {max(m for _, m in self.samples):.0f} MiB peak"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prepare", help="write the documents here and stop")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--docs", default=str(ROOT / "runs" / "gpu" / "bench-docs.jsonl"))
    ap.add_argument("--model", default=str(ROOT / "models" / "claimx-minilm"))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--total", type=int, default=50_000, help="abstracts per measurement (the documents, cycled)")
    ap.add_argument("--chunk", type=int, default=4096, help="abstracts per Predictor.predict call")
    ap.add_argument("--budgets", type=int, nargs="+", default=[16384, 65536])
    args = ap.parse_args()
    if args.prepare:
        return prepare(Path(args.prepare), args.n)
    import_claimx()
    import torch

    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec
    from claimx.models.windows import collate, document_windows, pack, tokenize

    docs = [json.loads(x) for x in Path(args.docs).read_text(encoding="utf-8").splitlines()]
    items = [(d["text"], [tuple(s) for s in d["sentences"]]) for d in docs]
    items = [items[i % len(items)] for i in range(args.total)]
    predictor = Predictor.load(load_spec(args.model), device=args.device, precision=args.precision)
    model, tok, device = predictor.model, predictor.tokenizer, predictor.device
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    print(f"device: {name}, torch {torch.__version__}, precision {args.precision}, {len(docs)} distinct abstracts")
    predictor.predict(items[:256])  # warm-up
    chunks = [items[i:i + args.chunk] for i in range(0, len(items), args.chunk)]
    print(f"{'budget':>8}{'abstracts':>11}{'seconds':>9}{'abstracts/s':>13}{'GPU':>26}")
    for budget in args.budgets:
        sampler = GpuSampler()
        sampler.start()
        t = time.perf_counter()
        predictor.batch_token_budget = budget
        for c in chunks:
            predictor.predict(c)
        secs = time.perf_counter() - t
        sampler.stop.set()
        print(f"{budget:>8}{len(items):>11}{secs:>9.1f}{len(items) / secs:>13.0f}{sampler.summary():>26}")

    # where the time goes, on one chunk at the last budget: CPU-side steps timed alone, then the encoder alone
    c = chunks[0]
    split: dict[str, float] = {}
    t = time.perf_counter()
    pieces = tokenize(tok, [x for x, _ in c])
    split["word pieces (HF tokenizer)"] = time.perf_counter() - t
    t = time.perf_counter()
    windows = [w for d, (p, (_, s)) in enumerate(zip(pieces, c))
               for w in document_windows(d, p, s, model.entities, tok.cls_token_id, tok.sep_token_id)]
    batches = [collate([windows[i] for i in b], tok.pad_token_id) for b in pack([len(w) for w in windows], args.budgets[-1])]
    split["windows + padding (CPU)"] = time.perf_counter() - t
    amp = predictor.amp
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    t = time.perf_counter()
    moved = [{k: v.to(device, non_blocking=True) for k, v in b.items()} for b in batches]
    sync()
    split["host → device copies"] = time.perf_counter() - t
    t = time.perf_counter()
    with torch.inference_mode(), torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
        for b in moved:
            last, below = model.encode_states(b["input_ids"], b["attention_mask"])
            model.heads["entities"](last)
            model.heads["claims"](below, b["attention_mask"], b["sentence_of_piece"], b["position"])
    sync()
    split["encoder + heads (GPU)"] = time.perf_counter() - t
    t = time.perf_counter()
    predictor.predict(c)
    whole = time.perf_counter() - t
    split["rest: device → host, decoding (by difference)"] = whole - sum(split.values())
    print(f"\nwhere the time goes in Predictor.predict ({len(c)} abstracts, budget {args.budgets[-1]}, {whole:.2f} s):")
    for k, v in split.items():
        print(f"  {k:<48}{v:>8.2f} s {100 * v / whole:>5.1f}%")


if __name__ == "__main__":
    main()
