#!/usr/bin/env python
"""Train the claim component on top of the shipped entity model and score it on dev.

    # train on MechClaims train + claim sentences train + causal language + SciClaim (+ BioScope),
    # score MechClaims dev and claim-sentence dev after each epoch, write the model folder
    python scripts/train_claims.py --out runs/claims --epochs 8
    # the causal-language floor: 5-fold cross-validation (each fold's model never sees its test fold)
    python scripts/train_claims.py --causal-folds 5 --out runs/claims-cv
    # a run saves OUT/checkpoint.pt after every epoch; killed, the same command + --resume goes on from there
    # ablations: --branch-layers 0 (heads on the shared last layer), --sources mechclaims claim_sentences ...

The entity encoder is frozen; its states below the branch are computed once (bf16) and reused by
every epoch and every fold. Results go to ``OUT/metrics.json``; the model folder to ``OUT/model``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path

from _bootstrap import ROOT, import_claimx
from _runs import start_run

warnings.filterwarnings("ignore", category=FutureWarning)  # a regex in scispaCy's tokenizer rules

SOURCES = ("mechclaims", "claim_sentences", "causal", "sciclaim", "bioscope", "cdr")


def heldout_source_ids(annotations=None) -> set[str]:
    """Source document ids (PMIDs) of MechClaims' held-out splits: no other source may train on their text."""
    from claimx.corpora.mechanistic import load_mechclaims

    return {d["source_id"] for split in ("dev", "genre_dev") for d in load_mechclaims(split, path=annotations)}


def load_sources(names, annotations=None):
    from claimx.corpora import claim_sources as cd

    loaders = {"mechclaims": lambda: cd.load_mechclaims_docs("train", path=annotations),
               "claim_sentences": lambda: cd.load_claim_sentences("train"),
               "causal": cd.load_causal, "sciclaim": cd.load_sciclaim, "bioscope": cd.load_bioscope,
               "cdr": lambda: cd.load_cdr_cid("train", exclude=heldout_source_ids(annotations))}
    return {n: loaders[n]() for n in names}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--trunk", default=str(ROOT / "models" / "claimx-minilm"), help="entity model: folder or installed name")
    ap.add_argument("--annotations", help="MechClaims annotations.jsonl (default: corpora/mechclaims)")
    ap.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES)
    ap.add_argument("--branch-layers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--role-weight", type=float, default=1.0)
    ap.add_argument("--roles-in-claims-only", action="store_true",
                    help="role loss only inside relational claim sentences (where roles are decoded)")
    ap.add_argument("--repeat-mechclaims", type=int, default=1, help="MechClaims documents per epoch, times")
    ap.add_argument("--repeat-genre", type=int, default=1,
                    help="MechClaims review/perspective/hypothesis/commentary documents per epoch, times (a rare genre)")
    ap.add_argument("--sentence-copies", action="store_true",
                    help="also train on each MechClaims sentence given alone (claims as ex('one sentence') sees them)")
    ap.add_argument("--abbreviation-copies", action="store_true",
                    help="also train on MechClaims copies whose claims define and use abbreviations of their roles")
    ap.add_argument("--frame-copies", action="store_true",
                    help="also train on review/perspective documents whose 'In this review, we summarize ...' frames are "
                         "reworded (guideline 6: the frame never decides claim or scope)")
    ap.add_argument("--tail-copies", action="store_true",
                    help="also train on review/perspective documents whose framed sentences announce one more topic "
                         "(', and outline directions for future research'), labels kept (guideline 6)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--causal-folds", type=int, default=0, help="k-fold CV on the causal-language data instead")
    ap.add_argument("--cv-sources", nargs="+", default=["causal"], choices=SOURCES,
                    help="what each CV fold model trains on besides the causal folds (default: nothing else)")
    ap.add_argument("--key-sources", nargs="+", default=["claim_sentences"], choices=SOURCES,
                    help="sources whose key-claim labels are trained (guideline 3b: key = the claim-sentence corpus' notion)")
    ap.add_argument("--eval-every", type=int, default=1)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--resume", action="store_true",
                    help="go on from OUT/checkpoint.pt (saved after every epoch) instead of starting over")
    args = ap.parse_args(argv)
    import_claimx()
    import torch

    from claimx.corpora import claim_sources as cd
    from claimx.corpora.claim_sources import load_claim_sentences
    from claimx.corpora.mechanistic import load_mechclaims
    from claimx.eval.claims import causal_class, causal_scores, evaluate_key_claims, evaluate_mechclaims
    from claimx.models.encoder import save_encoder
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec
    from claimx.models.training.claims import ClaimTrainConfig, train_claims

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    ckpt, log, command = start_run(out, "train_claims.py", argv, args.resume)
    cfg = ClaimTrainConfig(trunk=args.trunk, branch_layers=args.branch_layers, epochs=args.epochs, lr=args.lr,
                           head_lr=args.head_lr, batch_tokens=args.batch_tokens, seed=args.seed,
                           role_weight=args.role_weight, roles_in_claims_only=args.roles_in_claims_only)
    t0 = time.perf_counter()
    data = load_sources(args.sources, args.annotations)
    for name, docs in data.items():
        if name not in args.key_sources:
            for d in docs:
                d.key = [None] * len(d.key)
    log("training documents: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()) +
        f" ({time.perf_counter() - t0:.0f}s to load)")
    mech_dev = load_mechclaims("dev", path=args.annotations)
    key_dev = load_claim_sentences("dev")

    def evaluate(model, tokenizer, epoch):
        if epoch % max(1, args.eval_every) and epoch != args.epochs:
            return {}
        e0 = time.perf_counter()
        predictor = Predictor(model, tokenizer, device=args.device)
        m = evaluate_mechclaims(predictor, mech_dev)
        k = evaluate_key_claims(predictor, key_dev, thresholds=[0.3, 0.4, 0.5, 0.6, 0.7])
        res = {"mechclaims": m, "key_claims": k}
        log(f"  MechClaims dev: claim F1 {m['claim_sentence']['f1']:.4f}, mechanistic F1 {m['mechanistic_sentence']['f1']:.4f}, "
            f"type acc {m['type_accuracy_on_matched']:.4f}, certainty {m['certainty_accuracy_on_matched']:.4f}, "
            f"negation {m['negation_accuracy_on_matched']:.4f}, roles partial F1 {m['roles_partial_f1']:.4f} "
            f"exact {m['roles_exact']['f1']:.4f}, key F1 {m['key_sentence']['f1']:.4f}")
        log(f"  claim-sentence dev key F1 {k['f1']:.4f} (P {k['p']:.4f} R {k['r']:.4f}); by threshold {k['sweep']} "
            f"[{time.perf_counter() - e0:.0f}s]")
        return res

    metrics = {"command": command, "config": asdict(cfg), "sources": args.sources,
               "train_documents": {k: len(v) for k, v in data.items()}}
    if args.causal_folds:
        causal = data["causal"]
        order = list(range(len(causal)))
        random.Random(args.seed).shuffle(order)
        folds = [sorted(order[k::args.causal_folds]) for k in range(args.causal_folds)]
        gold, pred, per_fold = [], [], []
        for k, test_idx in enumerate(folds):
            test_set = set(test_idx)
            test = [causal[i] for i in test_idx]
            train = [d for n, docs in data.items() if n != "causal" and n in args.cv_sources for d in docs]
            train += [d for i, d in enumerate(causal) if i not in test_set]
            log(f"fold {k + 1}/{args.causal_folds}: {len(test)} test sentences")
            model, tok, _ = train_claims(cfg, train, device=args.device, log=log)
            preds = Predictor(model, tok, device=args.device).predict([(d.text, d.sentences) for d in test])
            fold_gold = [d.meta["label"] for d in test]
            fold_pred = [causal_class(p.sentences[0].types, p.sentences[0].hedged) for p in preds]
            per_fold.append(causal_scores(fold_gold, fold_pred)["macro_f1"])
            log(f"  causal fold macro-F1 {per_fold[-1]:.4f}")
            gold += fold_gold
            pred += fold_pred
        pooled = causal_scores(gold, pred)
        metrics["causal_cv"] = {"folds": args.causal_folds, "per_fold_macro_f1": per_fold,
                                "mean_fold_macro_f1": round(sum(per_fold) / len(per_fold), 4), "pooled": pooled}
        log(f"causal-language {args.causal_folds}-fold CV: macro-F1 per fold {per_fold}, mean "
            f"{metrics['causal_cv']['mean_fold_macro_f1']:.4f}, pooled {pooled['macro_f1']:.4f}")
    else:
        train = [d for docs in data.values() for d in docs]
        train += data.get("mechclaims", []) * (args.repeat_mechclaims - 1)  # the only source of MECHANISM roles
        genre = [d for d in data.get("mechclaims", []) if d.meta.get("genre", "research") != "research"]
        train += genre * (args.repeat_genre - 1) * args.repeat_mechclaims
        mech = data.get("mechclaims", [])
        abbreviated = cd.abbreviation_copies(mech) if args.abbreviation_copies else []
        framed = cd.frame_copies(mech) if args.frame_copies else []
        framed += cd.tail_copies(mech) if args.tail_copies else []
        train += abbreviated + framed * (args.repeat_genre * args.repeat_mechclaims)  # framed: as often as their originals
        if args.sentence_copies:
            alone = cd.sentence_copies(mech)
            seen = {d.text for d in alone}
            train += alone + [d for d in cd.sentence_copies(abbreviated + framed) if d.text not in seen]  # changed ones
        try:
            model, tok, hist = train_claims(cfg, train, device=args.device, log=log, evaluate=evaluate, checkpoint=ckpt)
        except ValueError as e:  # a checkpoint of another run
            raise SystemExit(str(e)) from None
        metrics["history"] = hist
        metrics["dev"] = hist[-1].get("dev", {})
        meta = load_spec(args.trunk).meta
        info = {k: meta[k] for k in ("base_model", "trained_on", "training") if k in meta}
        info["claims_training"] = {"command": command, "sources": metrics["train_documents"],
                                   "seconds": round(sum(h["seconds"] for h in hist), 1)}
        save_encoder(model, tok, out / "model", name=meta.get("name", "claimx-minilm"),
                     version=meta.get("version", "0.1.0"), dtype=meta.get("weights_dtype"), info=info)
        log(f"wrote {out / 'model'}")
        ckpt.unlink()  # the run is complete: the model folder holds its result
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
