#!/usr/bin/env python
"""Score a claimx model folder's entities on corpus splits: strict P/R/F1 per label, token F1 for OUTCOME.

    python scripts/eval_entities.py --model models/claimx-minilm --corpus bc5cdr --split dev
    python scripts/eval_entities.py --model /tmp/m --corpus bc5cdr ncbi biored ebm_nlp --precision fp32 bf16 int8

With several ``--precision`` values each is scored (reduced precision ships only with its measured
change). ``--min-scores 0 0.7 0.8`` scores each mention threshold in place of the model's ``min_score``, from
one prediction pass (the model's ``join_touching`` holds); the model's setting is chosen this way.
``--data DIR`` reads documents written by ``train_entities.py --export-data``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from _bootstrap import import_claimx

from claimx.options import PRECISIONS


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model folder or installed model name")
    ap.add_argument("--corpus", nargs="+", default=["bc5cdr", "ncbi", "biored", "ebm_nlp"])
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--precision", nargs="+", default=["auto"], choices=PRECISIONS)
    ap.add_argument("--batch-tokens", type=int, default=32768)
    ap.add_argument("--limit", type=int, help="first N documents per corpus")
    ap.add_argument("--data", help="--export-data folder instead of the corpora")
    ap.add_argument("--shared-root")
    ap.add_argument("--json", help="write the scores here")
    ap.add_argument("--min-scores", type=float, nargs="+", metavar="T",
                    help="score these mention thresholds instead of the model's min_score (one prediction pass)")
    args = ap.parse_args(argv)
    import_claimx()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no load reports (the unused pooler) or progress bars
    hf_logging.disable_progress_bar()

    from claimx.corpora.examples import load_examples
    from claimx.eval.entities import evaluate_entities, format_reports
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    spec = load_spec(args.model)
    sets = {}
    for corpus in args.corpus:
        exs = load_examples(corpus, args.split, data_dir=args.data, shared_root=args.shared_root)
        sets[corpus] = exs[: args.limit] if args.limit else exs
    results = []
    for precision in args.precision:
        predictor = Predictor.load(spec, device=device, precision=precision, batch_token_budget=args.batch_tokens)
        if args.min_scores:  # predict every mention once, then filter per threshold
            predictor.model.entities = replace(predictor.model.entities, min_score=0.0)
        t0 = time.perf_counter()
        mentions = {c: [p.entities for p in predictor.predict([e.text for e in exs], claims=False)]
                    for c, exs in sets.items()}
        secs = time.perf_counter() - t0
        docs = sum(len(x) for x in sets.values())
        for threshold in args.min_scores or [None]:
            kept = {c: [[m for m in ms if threshold is None or m[3] >= threshold] for ms in found]
                    for c, found in mentions.items()}
            reports = [evaluate_entities(lambda _, ms=kept[c]: ms, exs, corpus=c, split=args.split)
                       for c, exs in sets.items()]
            label = "" if threshold is None else f" min_score={threshold}"
            print(format_reports(reports, title=f"{args.model}  precision={precision}{label} device={device}  "
                                                f"{docs} docs in {secs:.1f}s ({docs / secs:.1f} docs/s)"))
            results.append({"precision": precision, "device": device, "seconds": round(secs, 2),
                            **({} if threshold is None else {"min_score": threshold}),
                            "reports": [r.to_dict() for r in reports]})
    if args.json:
        Path(args.json).write_text(json.dumps({"model": args.model, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
