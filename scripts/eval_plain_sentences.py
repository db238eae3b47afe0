#!/usr/bin/env python
"""Plain one-sentence claims (corpora/plain_sentences): claim, type, certainty and negation, for each sentence
given alone (`ex("...")`, as in a notebook) and placed after two methods sentences in a short abstract.
Prints one row per sentence and the counts; exit status 0 (a report, not a test).

    python scripts/eval_plain_sentences.py [--model models/claimx-minilm] [--precision fp32]
"""

from __future__ import annotations

import argparse
import json
import sys

from _bootstrap import ROOT, import_claimx

SENTENCES = ROOT / "corpora" / "plain_sentences" / "sentences.jsonl"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder or installed name (default: the default model)")
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args(argv)
    import_claimx()
    import claimx
    from claimx.eval.claims import alone_and_in_context

    ex = claimx.load(args.model, device="cpu", precision=args.precision)
    rows = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]
    alone, inside = alone_and_in_context(ex, [r["text"] for r in rows])
    want = [(r["type"], r["certainty"], r["negated"]) if r["claim"] else None for r in rows]
    print(f"model {ex.spec.label}; {len(rows)} sentences; expected | alone | in an abstract")
    for r, w, a, b in zip(rows, want, alone, inside):
        mark = lambda got: "ok " if got == w else "ERR"  # noqa: E731
        print(f"{r['id']} {mark(a)} {mark(b)} {w} | {a} | {b}  {r['text'][:60]}")
    negated = [i for i, r in enumerate(rows) if r["negated"]]
    found = lambda got: sum(got[i] is not None and got[i][2] for i in negated)  # noqa: E731
    print(f"alone right: {sum(a == w for a, w in zip(alone, want))}/{len(rows)}, "
          f"in abstract right: {sum(b == w for b, w in zip(inside, want))}/{len(rows)}, "
          f"same both ways: {sum(a == b for a, b in zip(alone, inside))}/{len(rows)}; "
          f"negated found: alone {found(alone)}/{len(negated)}, in an abstract {found(inside)}/{len(negated)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
