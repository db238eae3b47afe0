#!/usr/bin/env python
"""Throughput of `claimx extract` end to end (read JSONL → pipeline → write JSONL) on abstracts
from ../shared/corpora. Prints a table; not a test.

    python scripts/bench.py --n 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import claimx
from claimx.corpora import load_corpus
from claimx.jobs import run_extract


def sample(n: int) -> list[dict]:
    """The first `n` abstracts of BC5CDR train, BC5CDR dev, NCBI train and BioRED train, in that order."""
    out: list[dict] = []
    for corpus, split in [("bc5cdr", "train"), ("bc5cdr", "dev"), ("ncbi", "train"), ("biored", "train")]:
        out += [{"id": f"{corpus}:{d.id}", "text": d.text} for d in load_corpus(corpus, split)]
        if len(out) >= n:
            break
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of abstracts")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--model", help="model folder (default: the shipped one)")
    args = ap.parse_args()
    records = sample(args.n)
    chars = sum(len(r["text"]) for r in records)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        t0 = time.perf_counter()
        ex = claimx.load(args.model, device=args.device)
        load_s = time.perf_counter() - t0
        ex(records[0])  # warm-up
        summary = run_extract(src, out, batch_size=args.batch_size, extractor=ex)
        tokens = sum(len(ex.nlp.make_doc(r["text"])) for r in records)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"model: {ex.info.label} (components: {', '.join(ex.info.components) or 'none'}), device {args.device}, load {load_s:.1f} s")
    print(f"{'what':<28}{'records':>9}{'seconds':>9}{'records/s':>11}{'tokens/s':>10}{'chars/s':>10}{'peak RSS MB':>13}")
    s = summary.seconds
    print(f"{'claimx extract (end to end)':<28}{summary.written:>9}{s:>9.2f}{summary.written / s:>11.1f}{tokens / s:>10.0f}{chars / s:>10.0f}{rss:>13.0f}")


if __name__ == "__main__":
    main()
