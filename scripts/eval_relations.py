#!/usr/bin/env python
"""Chemical-induced-disease relations read from claimx's claims, against BC5CDR's curated CID pairs
(document-level MeSH pairs; the BioCreative V CDR relation measure), side by side with sentence
co-occurrence of the same gold mentions. Roles are mapped to ids through the gold mentions they overlap
(`claimx.eval.relations`), so this scores the claims alone.

    python scripts/eval_relations.py [--model models/claimx-minilm] [--split dev] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bootstrap import import_claimx


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder or installed name (default: the default model)")
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--limit", type=int, default=None, help="the first N documents only")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--json", default=None, help="also write the table here")
    ap.add_argument("--keep-trained", action="store_true",
                    help="keep the documents whose text MechClaims train holds (left out by default: the claim model saw them)")
    args = ap.parse_args(argv)
    import_claimx()
    import claimx
    from claimx.corpora import CORPORA, corpora_dir, read_pubtator_concepts
    from claimx.corpora.mechanistic import load_mechclaims
    from claimx.eval.relations import claim_pairs, cooccurrence_pairs, gold_cid_pairs, score_pairs
    from claimx.records import record_from_mapping
    from claimx.results import RELATIONAL_TYPES

    docs = read_pubtator_concepts(corpora_dir() / CORPORA["bc5cdr"][args.split])
    seen = set() if args.keep_trained else {d["source_id"] for d in load_mechclaims("train")}
    left_out = sum(d.id in seen for d in docs)
    docs = [d for d in docs if d.id not in seen][: args.limit]
    ex = claimx.load(args.model, device="cpu", precision=args.precision)
    t0 = time.perf_counter()
    records = [record_from_mapping({"id": d.id, "title": d.title, "abstract": d.abstract}, line=i) for i, d in enumerate(docs)]
    sentences, results = {}, {}
    for rec, doc in zip(records, ex.nlp.pipe(ex.make_doc(r) for r in records)):
        sentences[rec.id] = [(s.start_char, s.end_char) for s in doc.sents]
        results[rec.id] = ex.to_result(rec, doc)
    secs = time.perf_counter() - t0

    gold = {d.id: gold_cid_pairs(d) for d in docs}
    claim_sents = {d.id: [(c.start, c.end) for c in results[d.id].claims if c.type in RELATIONAL_TYPES and not c.negated]
                   for d in docs}
    variants = {
        "claims: AGENT x EFFECT (relational, not negated)": {d.id: claim_pairs(results[d.id], d) for d in docs},
        "claims: AGENT x EFFECT (causal + mechanistic)": {d.id: claim_pairs(results[d.id], d, types=("causal", "mechanistic"))
                                                           for d in docs},
        "claims: AGENT or MECHANISM x EFFECT": {d.id: claim_pairs(results[d.id], d, agent_roles=("AGENT", "MECHANISM"))
                                                 for d in docs},
        "co-occurrence in relational claim sentences": {d.id: cooccurrence_pairs(d, claim_sents[d.id]) for d in docs},
        "co-occurrence in any sentence (baseline)": {d.id: cooccurrence_pairs(d, sentences[d.id]) for d in docs},
    }
    table = {name: score_pairs(gold, pred) for name, pred in variants.items()}
    print(f"BC5CDR {args.split}: {len(docs)} documents ({left_out} left out: in MechClaims train), "
          f"{sum(map(len, gold.values()))} CID pairs; model {ex.spec.label}; {secs:.0f}s")
    print(f"{'pairs from':<50}{'P':>8}{'R':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}")
    for name, s in table.items():
        print(f"{name:<50}{s['p']:>8.3f}{s['r']:>8.3f}{s['f1']:>8.3f}{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"split": args.split, "documents": len(docs), "left_out": left_out, "model": ex.spec.label, "scores": table}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
