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
CONTEXT = "We studied adult outpatients at two hospitals. Outcomes were assessed after 12 weeks. "


def _read(claims, start: int) -> tuple:
    """(claim?, type, certainty, negated) of the claim starting at `start`, or (False, None, None, None)."""
    for c in claims:
        if c.start == start:
            return True, c.type, c.certainty, c.negated
    return False, None, None, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder or installed name (default: the default model)")
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args(argv)
    import_claimx()
    import claimx

    ex = claimx.load(args.model, device="cpu", precision=args.precision)
    rows = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]
    alone = list(ex.pipe([r["text"] for r in rows]))
    inside = list(ex.pipe([CONTEXT + r["text"] for r in rows]))
    counts = {"alone right": 0, "in abstract right": 0, "same both ways": 0}
    negated = {"alone": 0, "in abstract": 0}
    print(f"model {ex.spec.label}; {len(rows)} sentences; expected | alone | in an abstract")
    for r, a, b in zip(rows, alone, inside):
        want = (r["claim"], r["type"], r["certainty"], r["negated"])
        got_a, got_b = _read(a.claims, 0), _read(b.claims, len(CONTEXT))
        counts["alone right"] += got_a == want
        counts["in abstract right"] += got_b == want
        counts["same both ways"] += got_a == got_b
        if r["negated"]:
            negated["alone"] += got_a[3] is True
            negated["in abstract"] += got_b[3] is True
        mark = lambda got: "ok " if got == want else "ERR"  # noqa: E731
        print(f"{r['id']} {mark(got_a)} {mark(got_b)} {want} | {got_a[1:]} | {got_b[1:]}  {r['text'][:60]}")
    n_neg = sum(1 for r in rows if r["negated"])
    print(", ".join(f"{k}: {v}/{len(rows)}" for k, v in counts.items())
          + f"; negated found: alone {negated['alone']}/{n_neg}, in an abstract {negated['in abstract']}/{n_neg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
