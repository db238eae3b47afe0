#!/usr/bin/env python
"""Baseline for the entity tagger: spaCy's own NER trained on the same documents, same metric.

The architecture is the one of scispaCy's specialised NER models (``en_ner_bc5cdr_md``,
configs/base_specialized_ner.cfg): a transition-based NER (hidden width 64, maxout 2) over its own
tok2vec (MultiHashEmbed NORM/PREFIX/SUFFIX/SHAPE, width 256, rows 5000/2500/2500/2500 +
MaxoutWindowEncoder depth 8, window 1, maxout 3), Adam lr 0.001, L2 0.01, grad clip 1, dropout 0.2,
batches compounding 1 → 32, on scispaCy's ``combined_rule_tokenizer``. Unlike scispaCy's model it
has **no pretrained vectors** (include_static_vectors = false).

spaCy's NER cannot nest entities nor learn from a corpus that annotates only some labels, so one
pipeline is trained per label on the corpora that annotate it (DRUG: BC5CDR + BioRED; DISORDER:
BC5CDR + NCBI + BioRED; OUTCOME: EBM-NLP), and their predictions are merged: the same per-corpus
label masking the transformer gets. Gold spans that do not fall on spaCy token edges become
missing ("-") in training. Scores: `claimx.eval.entities` (strict P/R/F1, token F1 for OUTCOME).

    python scripts/train_spacy_baseline.py --out runs/spacy-baseline             # full run (CPU, ~30+ min)
    python scripts/train_spacy_baseline.py --epochs 1 --limit-docs 40 --limit-eval-docs 40 --out /tmp/sb
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from pathlib import Path

from _bootstrap import import_claimx

LABEL_CORPORA = {"DRUG": ("bc5cdr", "biored"), "DISORDER": ("bc5cdr", "ncbi", "biored"), "OUTCOME": ("ebm_nlp",)}

NER_MODEL = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "nO": None,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 256, "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                  "rows": [5000, 2500, 2500, 2500], "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 256, "depth": 8, "window_size": 1,
                   "maxout_pieces": 3},
    },
}


def blank_nlp():
    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.max_length = 2_000_000
    nlp.add_pipe("ner", config={"model": NER_MODEL, "update_with_oracle_cut_size": 100})
    return nlp


def to_example(nlp, text: str, spans):
    """A training Example; spans off token edges (and overlaps) become missing tokens."""
    from spacy.training import Example, offsets_to_biluo_tags

    doc = nlp.make_doc(text)
    kept, end = [], -1
    for s, e, lab in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= end:
            kept.append((s, e, lab))
            end = e
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # W030: misaligned entities -> "-"
        tags = offsets_to_biluo_tags(doc, kept)
    return Example.from_dict(doc, {"entities": tags})


def train_label(label: str, train, dev_sets, args, log):
    from spacy.util import compounding, fix_random_seed, minibatch
    from thinc.api import Adam

    fix_random_seed(args.seed)
    nlp = blank_nlp()
    examples = [to_example(nlp, ex.text, [s for s in ex.spans if s[2] == label]) for ex in train]
    optimizer = Adam(learn_rate=0.001, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0, beta1=0.9, beta2=0.999, eps=1e-8)
    nlp.initialize(lambda: examples, sgd=optimizer)
    rng = random.Random(args.seed)
    sizes = compounding(1.0, 32.0, 1.001)
    n_words = sum(len(e.reference) for e in examples)
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        t0 = time.perf_counter()
        for batch in minibatch(examples, size=sizes):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        secs = time.perf_counter() - t0
        log(f"[{label}] epoch {epoch}/{args.epochs} loss {losses.get('ner', 0.0):.1f}  {secs:.1f}s  "
            f"{n_words / secs:.0f} tokens/s  ({len(examples)} docs)")
    return nlp


def predict(nlp, texts):
    out = []
    for doc in nlp.pipe(texts, batch_size=32):
        out.append([(e.start_char, e.end_char, e.label_, 1.0) for e in doc.ents])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="folder for the trained pipelines (one per label) and scores.json")
    ap.add_argument("--labels", nargs="+", default=list(LABEL_CORPORA), choices=list(LABEL_CORPORA))
    ap.add_argument("--epochs", type=int, default=7, help="scispaCy trains its NER models for at most 7 epochs")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit-docs", type=int, help="first N training documents per corpus")
    ap.add_argument("--limit-eval-docs", type=int, help="first N dev documents per corpus")
    ap.add_argument("--final", action="store_true", help="train on train+dev (no dev scores)")
    ap.add_argument("--data", help="--export-data folder instead of the corpora")
    ap.add_argument("--shared-root")
    args = ap.parse_args(argv)
    import_claimx()
    from claimx.corpora.examples import load_examples
    from claimx.eval.entities import evaluate_entities, format_reports

    def log(msg: str) -> None:
        print(msg, flush=True)

    split = "final" if args.final else "train"
    corpora = sorted({c for lab in args.labels for c in LABEL_CORPORA[lab]})
    train, dev = {}, {}
    for c in corpora:
        exs = load_examples(c, split, data_dir=args.data, shared_root=args.shared_root)
        train[c] = exs[: args.limit_docs] if args.limit_docs else exs
        if not args.final:
            exs = load_examples(c, "dev", data_dir=args.data, shared_root=args.shared_root)
            dev[c] = exs[: args.limit_eval_docs] if args.limit_eval_docs else exs
    preds: dict[str, list[list]] = {c: [[] for _ in exs] for c, exs in dev.items()}
    t_start = time.perf_counter()
    for label in args.labels:
        docs = [ex for c in LABEL_CORPORA[label] for ex in train[c]]
        nlp = train_label(label, docs, dev, args, log)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            nlp.to_disk(Path(args.out) / label.lower())
        for c in LABEL_CORPORA[label]:
            if c in dev:
                t0 = time.perf_counter()
                for i, p in enumerate(predict(nlp, [ex.text for ex in dev[c]])):
                    preds[c][i] += p
                log(f"[{label}] tagged {c} dev ({len(dev[c])} docs) in {time.perf_counter() - t0:.1f}s")
    if dev:
        reports = [evaluate_entities(lambda texts, c=c: preds[c], exs, corpus=c, split="dev",
                                     labels=[lab for lab in args.labels if c in LABEL_CORPORA[lab]])
                   for c, exs in dev.items()]
        print(format_reports(reports, title=f"spaCy NER baseline (scispaCy specialised-NER architecture, no vectors), "
                                            f"{args.epochs} epochs, {time.perf_counter() - t_start:.0f}s"))
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / "scores.json").write_text(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
