#!/usr/bin/env python
"""Does peak memory stay flat as the input grows? Runs `claimx extract IN -o OUT` in a child process for
each size and prints its peak RSS. Not a test.

    python scripts/memcheck.py --n 2000 20000

Inputs are abstracts of BC5CDR/NCBI/BioRED (as in bench.py), cycled with new ids beyond the ~2,400 there.
Cycled text brings no new words, as a real corpus does; `--new-words K` ends each record with a sentence of K
words never seen before (what grows spaCy's vocabulary over millions of abstracts).

    python scripts/memcheck.py --n 2000 10000 --new-words 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--extra", nargs="*", default=[], help="more claimx extract options, e.g. --format parquet")
    ap.add_argument("--new-words", type=int, default=0, metavar="K", help="end each record with K words never seen")
    args = ap.parse_args()
    rows = []
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
            records = sample(n)
            for i, r in enumerate(records if args.new_words else []):
                r["text"] += " " + " ".join(f"zq{i}x{j}" for j in range(args.new_words)) + "."
            src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
            cmd = [sys.executable, "-c", "import resource, sys; from claimx.cli import main; sys.argv = sys.argv[1:];\n"
                   "try:\n main()\nfinally:\n print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
                   "claimx", "extract", str(src), "-o", str(out), "-q", *args.extra]
            t = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            secs = time.perf_counter() - t
            rss = next(int(x.split()[1]) for x in p.stderr.splitlines() if x.startswith("RSS "))
            written = sum(1 for _ in open(out, "rb"))
            rows.append((n, written, secs, rss / 1024))
    print(f"{'records':>9}{'written':>9}{'seconds':>9}{'peak RSS MB':>13}{'vs first':>10}")
    for n, written, secs, mb in rows:
        print(f"{n:>9}{written:>9}{secs:>9.0f}{mb:>13.0f}{100 * (mb / rows[0][3] - 1):>+9.1f}%")


if __name__ == "__main__":
    main()
