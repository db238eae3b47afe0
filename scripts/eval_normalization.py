#!/usr/bin/env python
"""Concept normalization scored as in BioCreative V CDR (per document, the set of concept ids of each label:
micro P / R / F1), end to end from raw text with claimx's own tagger and linker, and given the gold mentions
(the linker alone: mention accuracy and the same document measure), on BC5CDR dev and NCBI-disease dev.

    python scripts/eval_normalization.py [--model models/claimx-minilm] [--corpus bc5cdr ncbi] [--mode gold e2e]
    python scripts/eval_normalization.py --mode e2e --save-results runs/norm   # keep the tagger's output ...
    python scripts/eval_normalization.py --mode e2e --results runs/norm        # ... and relink it later

Gold ids are read as `claimx.eval.normalization.concept_ids` does (MeSH D / C ids, OMIM ids as NCBI-disease
annotates them: compared in the corpus's own id space). NCBI-disease annotates disorders only: DISORDER.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _bootstrap import import_claimx

LABELS = {"bc5cdr": ("DRUG", "DISORDER"), "ncbi": ("DISORDER",)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder or installed name (default: the default model)")
    ap.add_argument("--corpus", nargs="+", default=["bc5cdr", "ncbi"], choices=sorted(LABELS))
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--mode", nargs="+", default=["gold", "e2e"], choices=["gold", "e2e"])
    ap.add_argument("--limit", type=int, default=None, help="the first N documents of each corpus only")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--save-results", type=Path, default=None, help="e2e: write the results to DIR/CORPUS.jsonl")
    ap.add_argument("--results", type=Path, default=None,
                    help="e2e: relink the entities of DIR/CORPUS.jsonl (an earlier --save-results) instead of tagging")
    ap.add_argument("--json", type=Path, default=None, help="also write the scores here")
    args = ap.parse_args(argv)
    import_claimx()
    import claimx
    from claimx.corpora import CORPORA, corpora_dir, read_pubtator_concepts
    from claimx.eval.normalization import (
        gold_mentions,
        id_sets,
        linker_accuracy,
        score_id_sets,
    )
    from claimx.linking import Linker
    from claimx.models.spec import load_spec
    from claimx.pipeline import build_base_nlp

    spec = load_spec(args.model)
    if spec.linker is None:
        ap.error(f"{spec.label} has no linker; build one with scripts/build_lexicon.py --model {spec.path}")
    t0 = time.perf_counter()
    linker = Linker.load(spec.path / spec.linker.folder, threshold=spec.linker.threshold).prepare()  # as the component
    print(f"{spec.label}: linker loaded in {time.perf_counter() - t0:.2f} s (threshold {spec.linker.threshold})",
          file=sys.stderr)
    report: dict = {"model": spec.label, "split": args.split, "threshold": spec.linker.threshold}
    nlp = build_base_nlp() if "gold" in args.mode else None
    extractor = None
    for corpus in args.corpus:
        docs = read_pubtator_concepts(corpora_dir() / CORPORA[corpus][args.split])[: args.limit]
        labels = LABELS[corpus]
        gold = {d.id: id_sets((m.label, m.ids) for m in gold_mentions(d, corpus)) for d in docs}
        if "gold" in args.mode:
            t = time.perf_counter()
            mentions, linked, pred = [], [], {}
            for d in docs:
                short = {a.text: a._.long_form.text for a in nlp(d.text)._.abbreviations}
                ms = [m for m in gold_mentions(d, corpus) if m.label in labels]
                concepts = linker.link_entities(d.text, [(m.start, m.end, m.label) for m in ms], short)
                mentions += ms
                linked += concepts
                pred[d.id] = id_sets((m.label, c.ids) for m, c in zip(ms, concepts) if c is not None)
            report[f"{corpus}/gold"] = {
                "documents": len(docs),
                "accuracy": {label: linker_accuracy([m for m in mentions if m.label == label],
                                                    [c for m, c in zip(mentions, linked) if m.label == label])
                             for label in labels},
                "cdr": score_id_sets(gold, pred, labels), "seconds": round(time.perf_counter() - t, 1)}
        if "e2e" in args.mode:
            t = time.perf_counter()
            if args.results is not None:
                results = list(claimx.read_results(args.results / f"{corpus}.jsonl"))
                texts = {d.id: d.text for d in docs}
                for r in results:
                    text = texts[r.id]
                    concepts = linker.link_entities(text, [(e.start, e.end, e.label) for e in r.entities],
                                                    {a.short: a.long for a in r.abbreviations})
                    r.entities = [type(e)(**{**vars(e), "concept": c}) for e, c in zip(r.entities, concepts)]
            else:
                extractor = extractor or claimx.load(spec, precision=args.precision)
                results = list(extractor.pipe({"id": d.id, "title": d.title, "abstract": d.abstract} for d in docs))
                if args.save_results is not None:
                    args.save_results.mkdir(parents=True, exist_ok=True)
                    with open(args.save_results / f"{corpus}.jsonl", "w", encoding="utf-8") as f:
                        f.writelines(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in results)
            pred = {r.id: id_sets((e.label, e.concept.ids) for e in r.entities if e.concept is not None) for r in results}
            linked = sum(e.concept is not None for r in results for e in r.entities if e.label in labels)
            total = sum(e.label in labels for r in results for e in r.entities)
            report[f"{corpus}/e2e"] = {"documents": len(docs), "entities": total, "linked": linked,
                                       "cdr": score_id_sets(gold, pred, labels), "seconds": round(time.perf_counter() - t, 1)}
    for name, row in report.items():
        if not isinstance(row, dict):
            continue
        for label, s in row["cdr"].items():
            acc = row.get("accuracy", {}).get(label)
            extra = f"  mention accuracy {acc['accuracy']:.4f} ({acc['mentions']})" if acc else ""
            print(f"{name:14s} {label:8s} P {s['p']:.4f}  R {s['r']:.4f}  F1 {s['f1']:.4f}{extra}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
