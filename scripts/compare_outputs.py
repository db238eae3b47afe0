#!/usr/bin/env python
"""Does a change alter what `claimx extract` writes? Runs `claimx extract` from two checkouts (this one and
`--old REV`, checked out with `git worktree` into a temporary folder) on the shipped examples and on 200 dev
abstracts of the shared corpora (BC5CDR, NCBI-disease, BioRED), with the same model folder, and compares
the outputs byte for byte. Prints a table; exit status 1 when any output differs. Not a test: it needs
`../shared` and runs the model twice (about a minute on 2 CPU cores).

    python scripts/compare_outputs.py --old HEAD~3
    python scripts/compare_outputs.py --old v0.1.0 --model models/claimx-minilm --precision fp32
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bootstrap import ROOT

DEV = (("bc5cdr", 67), ("ncbi", 67), ("biored", 66))


def dev_abstracts(path: Path) -> Path:
    """The first abstracts of each dev split (200 in all) as JSONL `{"id", "text"}`."""
    from claimx.corpora import load_corpus

    with path.open("w", encoding="utf-8") as f:
        for corpus, n in DEV:
            for d in load_corpus(corpus, "dev")[:n]:
                f.write(json.dumps({"id": f"{corpus}:{d.id}", "text": d.text}, ensure_ascii=False) + "\n")
    return path


def extract(repo: Path, src: Path, out: Path, model: Path, precision: str) -> float:
    """`python -m claimx extract` run in `repo` (its package first on the path); seconds taken."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    probe = subprocess.run([sys.executable, "-c", "import claimx; print(claimx.__file__)"], env=env, cwd=repo,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(probe).resolve().is_relative_to(repo.resolve()):
        raise SystemExit(f"{repo}: python imported claimx from {probe}, not from that checkout")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "claimx", "extract", str(src), "-o", str(out), "--model", str(model),
                    "--device", "cpu", "--precision", precision, "--quiet"], env=env, cwd=repo, check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", required=True, help="git revision to compare with (e.g. HEAD~1, a tag)")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "claimx-minilm")
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimx-compare-") as tmp:
        tmp = Path(tmp)
        old = tmp / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.old], check=True,
                       capture_output=True)
        try:
            inputs = {"shipped examples": ROOT / "corpora" / "examples" / "abstracts.jsonl",
                      "200 dev abstracts": dev_abstracts(tmp / "dev200.jsonl")}
            print(f"| input | records | old ({args.old}) s | new s | identical |")
            print("|---|---:|---:|---:|---|")
            same_all = True
            for name, src in inputs.items():
                outs = {}
                secs = {}
                for side, repo in (("old", old), ("new", ROOT)):
                    outs[side] = tmp / f"{side}-{src.stem}.jsonl"
                    secs[side] = extract(repo, src, outs[side], args.model.resolve(), args.precision)
                a, b = outs["old"].read_bytes(), outs["new"].read_bytes()
                same = a == b
                same_all &= same
                records = a.count(b"\n")
                print(f"| {name} | {records} | {secs['old']:.1f} | {secs['new']:.1f} | {'yes' if same else 'NO'} |")
                if not same:
                    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
                        if x != y:
                            print(f"  first difference: record {i + 1}, id {json.loads(x).get('id')}")
                            break
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    return 0 if same_all else 1


if __name__ == "__main__":
    sys.exit(main())
