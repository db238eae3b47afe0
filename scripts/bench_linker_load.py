#!/usr/bin/env python
"""How long the concept linker takes to load, and the memory it adds: the saved fuzzy index (`linker/fuzzy.npz`,
numpy + scipy.sparse) side by side with fitting the index at load (scikit-learn, the way before it was saved).
Each row is a fresh process (imports count), repeated; the median is printed. Not a test.

    python scripts/bench_linker_load.py [--model models/claimx-minilm] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
import claimx
from claimx.linking import Linker
from claimx.linking.lexicon import read_lexicon
folder, fit = sys.argv[1], sys.argv[2] == "fit"
r0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
linker = (Linker(read_lexicon(folder)) if fit else Linker.load(folder)).prepare()
t1 = time.perf_counter()
linker.link("hemolytic anaemiaz", "DISORDER")  # one fuzzy match
r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": t1 - t0, "rss_mb": (r1 - r0) / 1024, "sklearn": "sklearn" in sys.modules}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "claimx-minilm")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = str(args.model / "linker")
    runs: dict[str, list[dict]] = {"saved index (fuzzy.npz)": [], "fit at load (scikit-learn)": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        for name, mode in zip(runs, ("load", "fit")):
            out = subprocess.run([sys.executable, "-c", CHILD, folder, mode], capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"| linker loading, {args.repeat} fresh processes each | load + prepare (median) | peak RSS added | scikit-learn imported |")
    print("|---|---:|---:|---|")
    for name, rows in runs.items():
        print(f"| {name} | {statistics.median(r['seconds'] for r in rows):.2f} s | "
              f"{statistics.median(r['rss_mb'] for r in rows):.0f} MB | {rows[0]['sklearn']} |")


if __name__ == "__main__":
    main()
