#!/usr/bin/env python
"""Sanity check of the role path (issue 14): can the claim component overfit a few claim sentences?

Takes the first N relational claim sentences of MechClaims train (mechanistic, causal, correlational, with
roles), each as a one-sentence document, trains the claim component on the shipped trunk on them alone
(labels → windows → training → decoding → output offsets), then predicts the same sentences and scores
them with the package's claim scorer. A path without bugs reaches role F1 ≈ 1.0 on its own training data.

    python scripts/overfit_roles.py --n 50 --epochs 60
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bootstrap import ROOT, import_claimx


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50, help="claim sentences")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--trunk", default=str(ROOT / "models" / "claimx-minilm"))
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--head-lr", type=float, default=3e-3)
    ap.add_argument("--batch-tokens", type=int, default=1024)
    ap.add_argument("--precision", default="fp32")
    args = ap.parse_args(argv)
    import_claimx()
    from claimx.corpora.claim_sources import ClaimDoc
    from claimx.corpora.mechanistic import load_mechclaims
    from claimx.eval.claims import predictions_as_output
    from claimx.eval.scoring import score_claims
    from claimx.models.predictor import Predictor
    from claimx.models.training.claims import ClaimTrainConfig, train_claims
    from claimx.results import RELATIONAL_TYPES

    docs, gold = [], []
    for d in load_mechclaims("train"):
        for c in d["claims"]:
            if c["type"] not in RELATIONAL_TYPES or not c["roles"] or len(docs) >= args.n:
                continue
            s, e = c["start"], c["end"]
            text = d["text"][s:e]
            roles = [(r["start"] - s, r["end"] - s, r["label"]) for r in c["roles"]]
            docs.append(ClaimDoc(f"{d['id']}@{s}", "overfit", text, [(0, len(text))], [(c["type"],)], [int(c["key"])],
                                 [int(c["certainty"] == "hedged")], [int(c["negated"])], roles))
            gold.append({"id": docs[-1].id, "text": text, "sentences": [[0, len(text)]],
                         "claims": [{**c, "start": 0, "end": len(text),
                                     "roles": [{"label": lab, "start": rs, "end": re} for rs, re, lab in roles]}]})
    cfg = ClaimTrainConfig(trunk=args.trunk, epochs=args.epochs, lr=args.lr, head_lr=args.head_lr,
                           batch_tokens=args.batch_tokens, precision=args.precision, warmup=0.05)
    t0 = time.perf_counter()
    model, tok, history = train_claims(cfg, docs, log=lambda _: None)
    predictor = Predictor(model, tok, precision=args.precision)
    scores = score_claims(gold, predictions_as_output(predictor, gold))
    losses = [round(h["loss_roles"], 4) for h in history]
    print(json.dumps({"sentences": len(docs), "roles": sum(len(d.roles) for d in docs), "epochs": args.epochs,
                      "seconds": round(time.perf_counter() - t0, 1), "role_loss_first_last": [losses[0], losses[-1]],
                      "claim_sentence_f1": scores["claim_sentence"]["f1"], "roles_exact_f1": scores["roles_exact"]["f1"],
                      "roles_partial_f1": scores["roles_partial_f1"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
