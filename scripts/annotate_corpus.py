#!/usr/bin/env python
"""Build the project's own mechanistic-claim corpus (corpora/mechclaims): batches → labels → stand-off.

Steps (batches and annotator outputs hold abstract text and live under runs/, which git ignores):

    python scripts/annotate_corpus.py batches --out runs/annotation      # sample documents, split sentences
    python scripts/annotate_corpus.py supplement --out runs/annotation   # + review/perspective abstracts (train)
    python scripts/annotate_corpus.py genre --out runs/annotation        # + the genre set (train and genre_dev)
    python scripts/annotate_corpus.py structure --out runs/annotation  # + noun-phrase mechanism sentences (train)
    python scripts/annotate_corpus.py synthetic runs/synthetic/w0*.jsonl   # + abstracts the project wrote (train)
        # (only abstracts not in the corpus yet are batched; a later set: --prefixes v x)
    python scripts/annotate_corpus.py add runs/annotation/out/g01.jsonl ...   # append annotated batches
    python scripts/annotate_corpus.py validate runs/annotation/out/b01.jsonl   # an annotator checks a batch
    python scripts/annotate_corpus.py build runs/annotation                # → corpora/mechclaims/annotations.jsonl
    python scripts/annotate_corpus.py agreement runs/annotation            # double-annotated documents
    python scripts/annotate_corpus.py stats                                # counts table for the corpus card

Annotator output, one line per document (sentence indices as in the batch):
    {"doc": "genia:PMID-10022882", "labels": [
        {"i": 0, "claim": true, "key": true, "type": "mechanistic", "certainty": "asserted", "negated": false,
         "roles": [["AGENT", "interleukin-1beta"], ["EFFECT", "NF-kappaB activation"], ["MECHANISM", "5-lipoxygenase", 2]]},
        {"i": 1, "claim": false}, ...]}
A role is [label, text as written in the sentence, optional 1-based occurrence of that text in the sentence].
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

from _bootstrap import import_claimx

warnings.filterwarnings("ignore", category=FutureWarning)  # a regex in scispaCy's tokenizer rules

# documents drawn per source (train splits only: the claim-sentence dev split is an evaluation set)
SAMPLE = {"claim_sentences": 130, "bc5cdr": 90, "biored": 70, "genia": 80, "ncbi": 50}
DEV_FRACTION = 0.15
DOUBLE = 40           # dev documents annotated twice, independently
BATCHES = 14
SEED = 13
# The supplement: review / perspective / hypothesis abstracts, which the random sample nearly lacks ("we summarize
# the ... model of", "we present evidence supporting ..."): every train-split document of these sources whose text
# matches, in source order, split into SUPPLEMENT_BATCHES batches; all go to the train split.
SUPPLEMENT_SOURCES = ("claim_sentences", "genia", "bc5cdr", "ncbi", "biored")
SUPPLEMENT_BATCHES = 3
REVIEW_STYLE = re.compile(
    r"\b(we (summarize|review|discuss|present evidence|highlight|outline|propose a (new |novel )?(model|hypothesis|framework))"
    r"|this (review|perspective|commentary|article) (summarizes|discusses|reviews|highlights)"
    r"|in this (review|perspective|commentary|minireview)|here,? we review|recent (advances|evidence) (suggest|support))", re.I)


def cmd_batches(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import sentence_spans
    from claimx.corpora.texts import document_parts, join_title

    rng = random.Random(SEED)
    docs, seen = [], set()
    for source, n in SAMPLE.items():
        parts = document_parts(source, "train")
        texts = {k: join_title(*v) for k, v in parts.items()}
        ids = sorted(texts)
        rng.shuffle(ids)
        picked = 0
        for did in ids:
            key = texts[did][:200].lower()
            if key in seen or len(texts[did]) < 200:
                continue  # the same abstract in two corpora (BC5CDR/BioRED/NCBI overlap), or a title only
            seen.add(key)
            docs.append((source, did, parts[did]))
            picked += 1
            if picked == n:
                break
    rng.shuffle(docs)
    n_dev = round(len(docs) * DEV_FRACTION)
    out = Path(args.out)
    make_folders(out)
    plan, rows = [], []
    for k, (source, did, (title, abstract)) in enumerate(docs):
        spans = sentence_spans(title, abstract)
        text = join_title(title, abstract)
        rows.append({"doc": f"{source}:{did}", "split": "dev" if k < n_dev else "train",
                     "sentences": [{"i": i, "text": text[s:e]} for i, (s, e) in enumerate(spans)]})
    # spread dev documents over all batches; double annotation = the first DOUBLE dev documents again
    for b in range(BATCHES):
        plan.append((f"b{b + 1:02d}", rows[b::BATCHES]))
    double = [r for r in rows if r["split"] == "dev"][:DOUBLE]
    plan += [("d01", double[: DOUBLE // 2]), ("d02", double[DOUBLE // 2:])]
    for name, batch in plan:
        with (out / "batches" / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for r in batch:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "plan.json").write_text(json.dumps({name: [r["doc"] for r in batch] for name, batch in plan}, indent=1))
    n_sent = sum(len(r["sentences"]) for r in rows)
    print(f"{len(rows)} documents ({n_dev} dev), {n_sent} sentences, {Counter(s for s, _, _ in docs)}; "
          f"{len(plan)} batches in {out / 'batches'}")
    return 0


def cmd_supplement(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import sentence_spans
    from claimx.corpora.texts import document_parts, join_title

    out = Path(args.out)
    have = {tuple(r["doc"].split(":", 1)) for p in sorted((out / "batches").glob("b*.jsonl"))
            for r in map(json.loads, p.open(encoding="utf-8"))}  # the random sample's documents
    if not have:
        print(f"no sample batches in {out / 'batches'}: run `batches` first", file=sys.stderr)
        return 1
    seen = set()
    rows = []
    for source in SUPPLEMENT_SOURCES:
        for did, (title, abstract) in sorted(document_parts(source, "train").items()):
            text = join_title(title, abstract)
            if (source, did) in have or text[:200].lower() in seen or not REVIEW_STYLE.search(text):
                continue
            seen.add(text[:200].lower())
            spans = sentence_spans(title, abstract)
            rows.append({"doc": f"{source}:{did}", "split": "train",
                         "sentences": [{"i": i, "text": text[s:e]} for i, (s, e) in enumerate(spans)]})
    write_batches(out / "batches", "s", rows, SUPPLEMENT_BATCHES)
    print(f"{len(rows)} review-style documents, {sum(len(r['sentences']) for r in rows)} sentences, "
          f"{SUPPLEMENT_BATCHES} batches s01..s{SUPPLEMENT_BATCHES:02d} in {out / 'batches'}")
    return 0


def make_folders(out: Path) -> None:
    """``out/batches`` (what annotators read) and ``out/out`` (what they write)."""
    for sub in ("batches", "out"):
        (out / sub).mkdir(parents=True, exist_ok=True)


def corpus_documents(docs: list[dict]) -> tuple[set[str], set[str]]:
    """The ids of MechClaims documents and their texts' first 200 characters, lower-cased (a text drawn twice
    from two corpora is one document)."""
    return {d["id"] for d in docs}, {d["text"][:200].lower() for d in docs}


def write_batches(folder: Path, prefix: str, docs: list[dict], n: int) -> None:
    """``docs`` dealt round-robin into ``n`` JSONL batches ``{prefix}01.jsonl`` … in ``folder``."""
    for b in range(n):
        with (folder / f"{prefix}{b + 1:02d}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in docs[b::n])


# The genre set (issue 14): perspective, review, hypothesis and commentary abstracts not in the corpus yet,
# chosen by what they are — the authors review a field, state a position or propose a model — from the
# sources' train splits (→ split "train") and dev splits (→ split "genre_dev", an evaluation set kept apart).
GENRE = re.compile(
    r"\b(in this (review|perspective|commentary|article|minireview|overview)|this (review|perspective|commentary|"
    r"article|overview) (summari[sz]es|discusses|reviews|describes|highlights|focuses|examines|provides|considers)|"
    r"(here,? )?we (review|summari[sz]e|discuss|propose|argue|hypothesi[sz]e|speculate|outline|highlight|present evidence)|"
    r"(is|are) (reviewed|discussed|summari[sz]ed)|recent (advances|findings|evidence|studies|progress)|"
    r"current (knowledge|understanding|evidence|concepts)|hypothesis (that|is|of)|model (of|in which|for)\b)", re.I)
GENRE_BATCH = 30


def cmd_genre(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import load_mechclaims, sentence_spans
    from claimx.corpora.texts import document_parts, join_title

    have, seen = corpus_documents(load_mechclaims(None))
    rows: dict[str, list[dict]] = {"train": [], "genre_dev": []}
    for split, target in (("train", "train"), ("dev", "genre_dev")):
        for source in SUPPLEMENT_SOURCES:
            for did, (title, abstract) in sorted(document_parts(source, split).items()):
                text = join_title(title, abstract)
                if f"{source}:{did}" in have or text[:200].lower() in seen or len(text) < 300:
                    continue
                markers = len(GENRE.findall(text))
                if markers < args.min_markers:
                    continue
                seen.add(text[:200].lower())
                spans = sentence_spans(title, abstract)
                rows[target].append({"doc": f"{source}:{did}", "split": target, "markers": markers,
                                     "sentences": [{"i": i, "text": text[s:e]} for i, (s, e) in enumerate(spans)]})
    out = Path(args.out)
    make_folders(out)
    rng = random.Random(SEED)
    for target, prefix in (("train", "g"), ("genre_dev", "h")):
        docs = rows[target]
        rng.shuffle(docs)
        docs.sort(key=lambda r: -r.pop("markers"))  # texts with more genre phrases first (stable: shuffled ties)
        docs = docs[: args.most if target == "train" else args.most_dev]
        n = max(1, -(-len(docs) // GENRE_BATCH))
        write_batches(out / "batches", prefix, docs, n)
        if target == "genre_dev":  # every genre_dev document annotated a second time, independently
            write_batches(out / "batches", "e", docs, n)
        print(f"{target}: {len(rows[target])} candidates, {len(docs)} in {n} batches {prefix}01.. "
              f"({sum(len(r['sentences']) for r in docs)} sentences)")
    return 0


# The structure set (issue 14): train documents with a sentence that names a mechanism as a noun phrase, with or
# without a causal verb — a model or hypothesis *of* something, an "X-based/-mediated pathology", evidence
# presented for something. Chosen by sentence structure, not by any example's words; many matches are methods
# ("a rat model of X") and so teach the contrast between a model the authors hold and one they use. (The
# look-behinds test the word before the one before "model", so they drop only "experimental rat model of"-like
# phrases, not "a rat model of"; kept as they are because they define the annotated selection.)
STRUCTURE = (
    re.compile(r"\b(?<!animal )(?<!mouse )(?<!rat )(?<!murine )(?<!experimental )[\w-]+ "
               r"(model|hypothesis|theory|account|framework|concept|paradigm) of\b", re.I),
    re.compile(r"\b\w+-(based|mediated|dependent|driven|related) ([\w-]+ ){0,2}(pathology|pathophysiology|dysfunction|"
               r"deficits?|impairment|abnormalit(y|ies)|dysregulation|injury|damage|toxicity|loss)\b", re.I),
    re.compile(r"\b(we|this (review|study|paper|article)) (present|provide|summari[sz]e|review|discuss|offer)s? "
               r"([\w-]+ ){0,3}(evidence|data|findings) (supporting|for|that|implicating|linking)\b", re.I),
)
STRUCTURE_BROAD = re.compile(r"\b(role|involvement|contribution) of ([\w-]+ ){1,5}(in|to)\b|"
                             r"(?<!in the )\bpresence of ([\w-]+ ){1,5}in\b", re.I)


def cmd_structure(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import load_mechclaims, sentence_spans
    from claimx.corpora.texts import document_parts, join_title

    have, seen = corpus_documents(load_mechclaims(None))
    strict, broad = [], []
    for source in SUPPLEMENT_SOURCES:
        for did, (title, abstract) in sorted(document_parts(source, "train").items()):
            text = join_title(title, abstract)
            if f"{source}:{did}" in have or text[:200].lower() in seen or len(text) < 300:
                continue
            spans = sentence_spans(title, abstract)
            sents = [text[s:e] for s, e in spans]
            if any(p.search(t) for p in STRUCTURE for t in sents):
                bucket = strict
            elif any(STRUCTURE_BROAD.search(t) for t in sents):
                bucket = broad
            else:
                continue
            seen.add(text[:200].lower())
            bucket.append({"doc": f"{source}:{did}", "split": "train",
                           "sentences": [{"i": i, "text": t} for i, t in enumerate(sents)]})
    rng = random.Random(SEED)
    rng.shuffle(broad)
    docs = strict + broad[: max(0, args.most - len(strict))]
    rng.shuffle(docs)
    out = Path(args.out)
    make_folders(out)
    n = max(1, -(-len(docs) // GENRE_BATCH))
    write_batches(out / "batches", "m", docs, n)
    write_batches(out / "batches", "n", docs[: args.double], 1)  # annotated a second time, independently
    print(f"{len(strict)} documents with a structure sentence, {len(broad)} with a broad one; {len(docs)} in {n} "
          f"batches m01.. ({sum(len(r['sentences']) for r in docs)} sentences); {args.double} again in n01")
    return 0


# The synthetic set (issue 14): the shared pool holds too few perspective / review / hypothesis / commentary
# abstracts (29 of 274 with a genre phrase), so writer subagents wrote 100 across twenty fields — none on the
# worked example's subject — in the genre's own mix of background, scope statements and positions. Their texts are
# the project's own (corpora/synthetic/abstracts.jsonl); annotators label them like any other batch.
SYNTHETIC = Path(__file__).resolve().parents[1] / "corpora" / "synthetic" / "abstracts.jsonl"


def cmd_synthetic(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import sentence_spans
    from claimx.corpora.texts import join_title

    docs = []
    for name in args.written:
        with Path(name).open(encoding="utf-8") as f:
            docs += [json.loads(line) for line in f if line.strip()]
    ids = [d["id"] for d in docs]
    bad = [i for i in ids if not i.startswith("synthetic:")] + [i for i, n in Counter(ids).items() if n > 1]
    if bad:
        raise SystemExit(f"ids must be unique and start with 'synthetic:': {bad[:5]}")
    if SYNTHETIC.exists():
        with SYNTHETIC.open(encoding="utf-8") as f:
            lost = {json.loads(line)["id"] for line in f if line.strip()} - set(ids)
        if lost and not args.force:
            raise SystemExit(f"{SYNTHETIC} holds {len(lost)} abstracts not in these files (annotations may use them): "
                             "pass every written file, or --force")
    SYNTHETIC.parent.mkdir(parents=True, exist_ok=True)
    with SYNTHETIC.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps({k: d[k] for k in ("id", "title", "abstract", "genre")}, ensure_ascii=False) + "\n"
                     for d in docs)
    from claimx.corpora.mechanistic import load_mechclaims

    annotated, _ = corpus_documents(load_mechclaims(None))
    rows = []
    for d in docs:
        if d["id"] in annotated:  # an earlier written set: labelled already
            continue
        text = join_title(d["title"], d["abstract"])
        rows.append({"doc": d["id"], "split": "train", "sentences": [
            {"i": i, "text": text[s:e]} for i, (s, e) in enumerate(sentence_spans(d["title"], d["abstract"]))]})
    random.Random(SEED).shuffle(rows)
    out = Path(args.out)
    make_folders(out)
    n = max(1, -(-len(rows) // 25))
    first, second = args.prefixes
    write_batches(out / "batches", first, rows, n)
    write_batches(out / "batches", second, rows[: args.double], 1)
    print(f"{len(docs)} written abstracts in {SYNTHETIC}, {len(rows)} new; {n} batches {first}01.. "
          f"({sum(len(r['sentences']) for r in rows)} sentences); {args.double} again in {second}01")
    return 0


def cmd_add(args) -> int:
    """Append annotated batches (out/<name>.jsonl, with batches/<name>.jsonl beside) to annotations.jsonl."""
    import_claimx()
    from claimx.corpora.mechanistic import ANNOTATIONS, build_record, load_mechclaims, text_of

    path = Path(args.annotations) if args.annotations else ANNOTATIONS
    have = {d["id"] for d in load_mechclaims(None, path=path)}
    lines, n = [], Counter()
    with SYNTHETIC.open(encoding="utf-8") as f:  # a written abstract's genre is the one it was written in
        written = {r["id"]: r["genre"] for r in map(json.loads, filter(str.strip, f))}
    for name in args.outputs:
        out = Path(name)
        batch = {r["doc"]: r for r in map(json.loads, (out.parent.parent / "batches" / out.name).open(encoding="utf-8"))}
        for d in map(json.loads, filter(str.strip, out.open(encoding="utf-8"))):
            if d["doc"] in have:
                raise SystemExit(f"{d['doc']} is in the corpus already")
            have.add(d["doc"])
            source, did = d["doc"].split(":", 1)
            rec = build_record(source, did, text_of(source, did), d["labels"], split=batch[d["doc"]]["split"])
            genre = d.get("genre") or written.get(d["doc"])
            if genre:
                rec["genre"] = genre
            lines.append(json.dumps(rec) + "\n")
            n[(rec["split"], rec.get("genre", "?"))] += 1
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(path.read_text(encoding="utf-8") + "".join(lines), encoding="utf-8")
    load_mechclaims(None, path=tmp)  # every span checked against the shared texts
    tmp.replace(path)
    print(f"added {len(lines)} documents to {path}: {dict(sorted(n.items()))}")
    return 0


def cmd_validate(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import resolve_labels

    path = Path(args.file)
    batch = path.parent.parent / "batches" / path.name
    sentences = {r["doc"]: [s["text"] for s in r["sentences"]] for r in map(json.loads, batch.open(encoding="utf-8"))}
    problems, done = [], set()
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if d["doc"] not in sentences:
                raise ValueError(f"document {d['doc']!r} is not in {batch.name}")
            resolve_labels(sentences[d["doc"]], d["labels"])
            done.add(d["doc"])
        except Exception as e:  # noqa: BLE001 - report every line
            problems.append(f"{path.name} line {n}: {e}")
    missing = [d for d in sentences if d not in done]
    for p in problems:
        print(p)
    print(f"{len(done)} documents valid, {len(problems)} with problems, {len(missing)} not done yet"
          + (f": {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}" if missing else ""))
    return 1 if problems or missing else 0


def _read_outputs(folder: Path, prefix: str, sub: str = "out") -> dict[str, dict]:
    out = {}
    for p in sorted((folder / sub).glob(f"{prefix}*.jsonl")):
        for line in p.open(encoding="utf-8"):
            if line.strip():
                d = json.loads(line)
                out[d["doc"]] = d
    return out


def cmd_build(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import ANNOTATIONS, build_record, text_of

    folder = Path(args.folder)
    batches = {}
    for p in sorted((folder / "batches").glob("[bs]*.jsonl")):  # the sample and the supplement
        for line in p.open(encoding="utf-8"):
            r = json.loads(line)
            batches[r["doc"]] = r
    labels = _read_outputs(folder, "b", args.labels_dir) | _read_outputs(folder, "s", args.labels_dir)
    resolved = _read_outputs(folder, "r", args.labels_dir)  # adjudicated double-annotated documents replace the first pass
    labels.update(resolved)
    missing = [d for d in batches if d not in labels]
    if missing:
        print(f"{len(missing)} documents not annotated yet: {missing[:5]}", file=sys.stderr)
        if not args.partial:
            return 1
    out = Path(args.out) if args.out else ANNOTATIONS
    out.parent.mkdir(parents=True, exist_ok=True)
    n = Counter()
    with out.open("w", encoding="utf-8") as f:
        for doc, r in batches.items():
            if doc not in labels:
                continue
            source, did = doc.split(":", 1)
            rec = build_record(source, did, text_of(source, did), labels[doc]["labels"], split=r["split"],
                               adjudicated=doc in resolved)
            f.write(json.dumps(rec) + "\n")
            n["documents"] += 1
            n["sentences"] += len(rec["sentences"])
            n["claims"] += len(rec["claims"])
            n["mechanistic"] += sum(c["type"] == "mechanistic" for c in rec["claims"])
            n[rec["split"]] += 1
    print(f"wrote {out}: {dict(n)}")
    return 0


def cmd_edit(args) -> int:
    """Apply reviewed role edits to annotations.jsonl: lines {"doc", "claim_start", "rule", "old", "new"} with
    role offsets relative to the claim sentence ("old" null: add "new"; "new" null: delete "old"). Every edit
    is checked (the old role exists; the new span is inside the sentence, on word boundaries, not ragged), the
    corpus is re-loaded through the loader's checks, and the changes per rule are printed."""
    import_claimx()
    from claimx.corpora.mechanistic import ANNOTATIONS, load_mechclaims

    path = Path(args.annotations) if args.annotations else ANNOTATIONS
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {r["id"]: r for r in records}
    edits = [json.loads(line) for p in args.edits for line in Path(p).read_text(encoding="utf-8").splitlines() if line.strip()]
    n = Counter()
    for e in edits:
        rec = by_id[e["doc"]]
        claim = next(c for c in rec["claims"] if c["start"] == e["claim_start"])
        shift = claim["start"]
        absolute = lambda r: None if r is None else {"label": r["label"], "start": r["start"] + shift, "end": r["end"] + shift}  # noqa: E731
        old, new = absolute(e["old"]), absolute(e["new"])
        if old is not None:
            if old not in claim["roles"]:
                raise SystemExit(f"{e['doc']} @{shift}: no role {e['old']} to change")
            claim["roles"].remove(old)
        if new is not None and new not in claim["roles"]:
            claim["roles"].append(new)
        claim["roles"].sort(key=lambda r: (r["start"], r["end"], r["label"]))
        split = rec.get("split", "?")
        n[(e["rule"], "deleted" if new is None else "added" if old is None else "changed", split)] += 1
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    load_mechclaims(None, path=tmp)  # every span checked against the shared texts; raises on any bad edit
    tmp.replace(path)
    for (rule, what, split), k in sorted(n.items()):
        print(f"{rule:10} {what:8} {split:6} {k}")
    print(f"{sum(n.values())} edits applied to {path}")
    return 0


def cmd_agreement(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import build_record, text_of
    from claimx.eval.claims import agreement

    folder = Path(args.folder)
    # the independent first passes (first_pass/ keeps them once the consistency review edits out/)
    sub = "first_pass" if (folder / "first_pass").is_dir() else "out"
    first, second = _read_outputs(folder, args.first, sub), _read_outputs(folder, args.second, sub)
    pairs = []
    for doc, d2 in second.items():
        if doc in first:
            source, did = doc.split(":", 1)
            text = text_of(source, did)
            pairs.append((build_record(source, did, text, first[doc]["labels"]),
                          build_record(source, did, text, d2["labels"])))
    report = agreement(pairs)
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


def cmd_stats(args) -> int:
    import_claimx()
    from claimx.corpora.mechanistic import load_mechclaims

    docs = load_mechclaims(path=args.annotations)
    rows = [("all", docs)] + [(f"split {s}", [d for d in docs if d["split"] == s]) for s in ("train", "dev", "genre_dev")] + [
        (f"source {s}", [d for d in docs if d["source"] == s]) for s in sorted({d["source"] for d in docs})] + [
        (f"genre {g}", [d for d in docs if d.get("genre") == g]) for g in sorted({d.get("genre") for d in docs} - {None})]
    print("| part | documents | sentences | claims | mechanistic | causal | correlational | descriptive | key | "
          "hedged | negated | AGENT | MECHANISM | EFFECT |")
    print("|---|" + "---:|" * 13)
    for name, ds in rows:
        cl = [c for d in ds for c in d["claims"]]
        roles = Counter(r["label"] for c in cl for r in c["roles"])
        types = Counter(c["type"] for c in cl)
        print(f"| {name} | {len(ds)} | {sum(len(d['sentences']) for d in ds)} | {len(cl)} | "
              + " | ".join(str(types[t]) for t in ("mechanistic", "causal", "correlational", "descriptive"))
              + f" | {sum(c['key'] for c in cl)} | {sum(c['certainty'] == 'hedged' for c in cl)} | "
              f"{sum(c['negated'] for c in cl)} | {roles['AGENT']} | {roles['MECHANISM']} | {roles['EFFECT']} |")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("batches")
    p.add_argument("--out", default="runs/annotation")
    p.set_defaults(fn=cmd_batches)
    p = sub.add_parser("supplement", help="review/perspective-style train documents not in the corpus yet")
    p.add_argument("--out", default="runs/annotation")
    p.set_defaults(fn=cmd_supplement)
    p = sub.add_parser("genre", help="perspective / review / hypothesis abstracts: train and genre_dev batches")
    p.add_argument("--out", default="runs/annotation")
    p.add_argument("--most", type=int, default=150, help="train documents")
    p.add_argument("--most-dev", type=int, default=45, help="genre_dev documents")
    p.add_argument("--min-markers", type=int, default=1, help="genre phrases a text needs")
    p.set_defaults(fn=cmd_genre)
    p = sub.add_parser("structure", help="train documents naming a mechanism as a noun phrase (a model of Y, "
                       "X-based pathology, evidence for X)")
    p.add_argument("--out", default="runs/annotation")
    p.add_argument("--most", type=int, default=90, help="documents in all")
    p.add_argument("--double", type=int, default=20, help="of them annotated twice")
    p.set_defaults(fn=cmd_structure)
    p = sub.add_parser("synthetic", help="abstracts written by the project (runs/synthetic/w*.jsonl): texts to "
                       "corpora/synthetic/, batches of the new ones (y01.. and z01)")
    p.add_argument("written", nargs="+")
    p.add_argument("--out", default="runs/annotation")
    p.add_argument("--double", type=int, default=20, help="of them annotated twice")
    p.add_argument("--force", action="store_true", help="replace corpora/synthetic/abstracts.jsonl even if texts go")
    p.add_argument("--prefixes", nargs=2, default=("y", "z"), metavar=("FIRST", "SECOND"),
                   help="batch prefixes of the first and the double annotation (second set: v x)")
    p.set_defaults(fn=cmd_synthetic)
    p = sub.add_parser("add", help="append annotated batches to annotations.jsonl")
    p.add_argument("outputs", nargs="+")
    p.add_argument("--annotations")
    p.set_defaults(fn=cmd_add)
    p = sub.add_parser("validate")
    p.add_argument("file")
    p.set_defaults(fn=cmd_validate)
    p = sub.add_parser("build")
    p.add_argument("folder", nargs="?", default="runs/annotation")
    p.add_argument("--out")
    p.add_argument("--partial", action="store_true", help="write the documents annotated so far")
    p.add_argument("--labels-dir", default="out", help="subfolder with the annotators' outputs")
    p.set_defaults(fn=cmd_build)
    p = sub.add_parser("edit", help="apply reviewed role edits (consistency passes) to annotations.jsonl")
    p.add_argument("edits", nargs="+")
    p.add_argument("--annotations")
    p.set_defaults(fn=cmd_edit)
    p = sub.add_parser("agreement")
    p.add_argument("folder", nargs="?", default="runs/annotation")
    p.add_argument("--first", default="b", help="batch prefix of the first annotation (genre set: h)")
    p.add_argument("--second", default="d", help="batch prefix of the independent second one (genre set: e)")
    p.add_argument("--json")
    p.set_defaults(fn=cmd_agreement)
    p = sub.add_parser("stats", help="markdown table of the built corpus")
    p.add_argument("--annotations")
    p.set_defaults(fn=cmd_stats)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
