#!/usr/bin/env python
"""Score a model folder's claims on dev: MechClaims (score_claims.py's metrics, per-type confusion) and
key-claim sentence F1 on the claim-sentence corpus.

    python scripts/eval_claims.py --model models/claimx-minilm --out runs/eval-claims
    python ../shared/tools/score_claims.py runs/eval-claims/mechclaims-dev.gold.jsonl runs/eval-claims/mechclaims-dev.pred.jsonl
    python scripts/eval_claims.py --model models/claimx-minilm --splits train   # the fit to its own training data

Writes the gold and predicted MechClaims dev files (texts included, git-ignored under runs/) so the
shared scorer can be run on them directly, and ``metrics.json``. The causal-language figure is a
cross-validation (each fold's model must not see its test fold): ``scripts/train_claims.py --causal-folds 5``;
``--causal`` scores a trained model on those same sentences, which the shipped models (and their students) saw in
training: only the difference between two models (a student and its teacher) means anything there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from _bootstrap import ROOT, import_claimx

from claimx.options import PRECISIONS

warnings.filterwarnings("ignore", category=FutureWarning)


def at_threshold(pred: list[dict], threshold: float) -> list[dict]:
    """Output records keeping the claims whose score (P(claim)) reaches ``threshold``."""
    return [{**r, "claims": [c for c in r["claims"] if c["score"] >= threshold]} for r in pred]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "claimx-minilm"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "eval-claims"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="auto", choices=PRECISIONS)
    ap.add_argument("--splits", nargs="+", default=["dev", "genre_dev"], choices=["dev", "genre_dev", "train"],
                    help="MechClaims splits to score (train: how well the model fits its own training data)")
    ap.add_argument("--claim-thresholds", type=float, nargs="+", metavar="T",
                    help="also score MechClaims at these P(claim) thresholds (the model's own is in claimx.json)")
    ap.add_argument("--causal", action="store_true",
                    help="also the 4-way causal-language macro-F1 on its 2,419 shared sentences (seen in training)")
    ap.add_argument("--alone", action="store_true",
                    help="also score each MechClaims sentence given alone (its gold span as the one sentence of a text), "
                         "and how often it reads the same alone as in its abstract")
    args = ap.parse_args(argv)
    import_claimx()
    from claimx.corpora.claim_sources import load_causal, load_claim_sentences
    from claimx.corpora.mechanistic import load_mechclaims
    from claimx.eval.claims import (
        evaluate_causal,
        evaluate_key_claims,
        predictions_as_output,
        same_alone,
        score_mechclaims,
        sentences_alone,
    )
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = load_spec(args.model)
    predictor = Predictor.load(spec, device=args.device, precision=args.precision)
    if not predictor.has_claims:
        print(f"{args.model} has no claim component", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    result = {"model": spec.label, "precision": args.precision}
    for split in args.splits:
        gold = load_mechclaims(split)
        if not gold:
            continue
        low = min([spec.claims.claim_threshold, *(args.claim_thresholds or [])])
        scored = predictions_as_output(predictor, gold, claim_threshold=low)  # one pass; higher ones filter it
        pred = at_threshold(scored, spec.claims.claim_threshold)
        with (out / f"mechclaims-{split}.gold.jsonl").open("w") as g, (out / f"mechclaims-{split}.pred.jsonl").open("w") as p:
            for d, q in zip(gold, pred):
                g.write(json.dumps({k: d[k] for k in ("id", "text", "sentences", "claims")}) + "\n")
                p.write(json.dumps(q) + "\n")
        m = result[f"mechclaims_{split}"] = score_mechclaims(gold, pred)
        print(f"MechClaims {split} ({m['documents']} documents): claim-sentence F1 {m['claim_sentence']['f1']:.4f} "
              f"(P {m['claim_sentence']['p']:.4f} R {m['claim_sentence']['r']:.4f}); mechanistic-sentence F1 "
              f"{m['mechanistic_sentence']['f1']:.4f} (P {m['mechanistic_sentence']['p']:.4f} R {m['mechanistic_sentence']['r']:.4f})")
        print(f"  type accuracy {m['type_accuracy_on_matched']:.4f}, certainty {m['certainty_accuracy_on_matched']:.4f}, "
              f"negation {m['negation_accuracy_on_matched']:.4f}; roles exact F1 {m['roles_exact']['f1']:.4f}, partial F1 "
              f"{m['roles_partial_f1']:.4f}; key F1 {m['key_sentence']['f1']:.4f}")
        for flag in ("negated", "hedged"):
            f = m[f"{flag}_class"]
            print(f"  {flag} class on matched claims: P {f['p']:.4f} R {f['r']:.4f} F1 {f['f1']:.4f} "
                  f"(tp {f['tp']}, fp {f['fp']}, fn {f['fn']})")
        print(f"  type confusion (gold->pred): {m['type_confusion']}")
        if args.alone:
            single = sentences_alone(gold)
            lone = at_threshold(predictions_as_output(predictor, single, claim_threshold=low), spec.claims.claim_threshold)
            a = m["alone"] = score_mechclaims(single, lone)
            del a["key_sentence"]  # key is a notion of the abstract: the copies have none
            a["same_as_in_abstract"] = same_alone(gold, pred, lone)
            print(f"  each sentence alone ({len(single)}): claim F1 {a['claim_sentence']['f1']:.4f}, mechanistic F1 "
                  f"{a['mechanistic_sentence']['f1']:.4f}, type accuracy {a['type_accuracy_on_matched']:.4f}, roles partial "
                  f"F1 {a['roles_partial_f1']:.4f}, negated F1 {a['negated_class']['f1']:.4f}, hedged F1 "
                  f"{a['hedged_class']['f1']:.4f}; the same reading alone as in the abstract: "
                  f"{a['same_as_in_abstract']['same']}/{a['same_as_in_abstract']['sentences']}")
        for t in args.claim_thresholds or []:
            mt = m.setdefault("by_claim_threshold", {})[f"{t:.2f}"] = score_mechclaims(gold, at_threshold(scored, t))
            print(f"  at P(claim) >= {t:.2f}: claim F1 {mt['claim_sentence']['f1']:.4f}, mechanistic F1 "
                  f"{mt['mechanistic_sentence']['f1']:.4f}, roles partial F1 {mt['roles_partial_f1']:.4f}, negated F1 "
                  f"{mt['negated_class']['f1']:.4f}, hedged F1 {mt['hedged_class']['f1']:.4f}")
    keys = evaluate_key_claims(predictor, load_claim_sentences("dev"), thresholds=[0.3, 0.4, 0.5, 0.6])
    result.update(claim_sentences_dev_key=keys, seconds=round(time.perf_counter() - t0, 1))
    if args.causal:
        c = result["causal_seen"] = evaluate_causal(predictor, load_causal())
        print(f"causal-language shared sentences ({c['sentences']}, seen in training): macro-F1 {c['macro_f1']:.4f}, "
              f"accuracy {c['accuracy']:.4f}")
    (out / "metrics.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"claim-sentence corpus dev ({keys['sentences']} sentences): key-claim F1 {keys['f1']:.4f} "
          f"(P {keys['p']:.4f} R {keys['r']:.4f}) at threshold {keys['threshold']}; by threshold {keys['sweep']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
