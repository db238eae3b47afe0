#!/usr/bin/env python
"""Train entity-tagger variants side by side on one GPU, print their dev table, then train the
shipped (`--final`, train + dev) model with the best variant's settings.

Run on a GPU machine with `runs/gpu` prepared by `bash scripts/gpu_entities.sh --prepare`:

    OUT=/tmp/out python scripts/sweep_entities.py

Selection score (dev, strict mention F1): mean of BC5CDR DRUG, BC5CDR DISORDER and NCBI DISORDER,
among variants whose EBM-NLP OUTCOME token F1 is at least 0.60.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

VARIANTS: dict[str, list[str]] = {
    "all4-lr1e-4-e15": [],
    "bc5cdr+ebm": ["--corpora", "bc5cdr", "ebm_nlp"],
    "no-biored": ["--corpora", "bc5cdr", "ncbi", "ebm_nlp"],
    "lr2e-4-e25": ["--lr", "2e-4", "--epochs", "25"],
    "bt4096-e25": ["--batch-tokens", "4096", "--epochs", "25"],
}
ROOT = Path(__file__).resolve().parents[1]
DATA = ["--data", "runs/gpu/data", "--base-model", "runs/gpu/base"]


def f1(report: list[dict], corpus: str, label: str, kind: str = "strict") -> float:
    for r in report:
        if r["corpus"] == corpus:
            return r[kind].get(label, {}).get("f1", 0.0)
    return 0.0


def main() -> None:
    out = Path(os.environ.get("OUT", "runs/sweep"))
    work = Path(os.environ.get("WORK", "/tmp/claimx-sweep"))
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    t0 = time.time()
    procs = {}
    for name, args in VARIANTS.items():
        cmd = [py, "scripts/train_entities.py", "--device", "cuda", *DATA, *args, "--out", str(work / name), "--overwrite"]
        procs[name] = subprocess.Popen(cmd, cwd=ROOT, stdout=open(work / f"{name}.log", "w"), stderr=subprocess.STDOUT)
    for name, p in procs.items():
        p.wait()
        print(f"{name}: exit {p.returncode} after {time.time() - t0:.0f}s", flush=True)
    rows = {}
    for name in VARIANTS:
        m = work / name / "metrics.json"
        if not m.exists():
            print(f"{name}: no metrics; log tail:\n" + (work / f"{name}.log").read_text()[-1500:])
            continue
        dev = json.loads(m.read_text())["dev"]
        row = {
            "bc5cdr DRUG": f1(dev, "bc5cdr", "DRUG"), "bc5cdr DISORDER": f1(dev, "bc5cdr", "DISORDER"),
            "ncbi DISORDER": f1(dev, "ncbi", "DISORDER"), "biored DRUG": f1(dev, "biored", "DRUG"),
            "biored DISORDER": f1(dev, "biored", "DISORDER"), "ebm OUTCOME": f1(dev, "ebm_nlp", "OUTCOME"),
            "ebm OUTCOME tok": f1(dev, "ebm_nlp", "OUTCOME", "token"),
        }
        row["score"] = (row["bc5cdr DRUG"] + row["bc5cdr DISORDER"] + row["ncbi DISORDER"]) / 3
        rows[name] = row
    cols = list(next(iter(rows.values())))
    print("variant".ljust(18) + "".join(c.rjust(17) for c in cols))
    for name, row in rows.items():
        print(name.ljust(18) + "".join(f"{row[c]:17.4f}" for c in cols))
    (out / "sweep.json").write_text(json.dumps({"variants": VARIANTS, "dev": rows}, indent=1))
    ok = {n: r for n, r in rows.items() if r["ebm OUTCOME tok"] >= 0.60}
    best = max(ok or rows, key=lambda n: rows[n]["score"])
    print(f"best: {best} ({time.time() - t0:.0f}s)", flush=True)
    (out / "best-dev-metrics.json").write_text((work / best / "metrics.json").read_text())
    final = work / "claimx-minilm"
    cmd = [py, "scripts/train_entities.py", "--device", "cuda", *DATA, *VARIANTS[best], "--final",
           "--card-metrics", str(work / best / "metrics.json"), "--out", str(final), "--overwrite"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=open(out / "final.log", "w"), stderr=subprocess.STDOUT)
    print(f"final trained ({time.time() - t0:.0f}s)", flush=True)
    ev = [py, "scripts/eval_entities.py", "--model", str(work / best), "--device", "cuda", "--precision", "fp32", "bf16",
          "--batch-tokens", "65536", "--data", "runs/gpu/data", "--json", str(out / "eval-best-dev-model.json")]
    subprocess.run(ev, cwd=ROOT, check=False)
    subprocess.run(f"tar -C {work} -cf - claimx-minilm | split -b 15m -d - {out}/claimx-minilm.tar.part-", shell=True, check=True)
    print(f"done ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
