"""Distil a compact student from a trained claimx model on the train-split abstracts of ../shared/corpora.

    python scripts/distill.py --out runs/student --layers 1 3 5 --branch-layers 0 --epochs 8
    python scripts/distill.py --out runs/student ... --resume      # go on after the last finished epoch
    python scripts/distill.py --out runs/stage2 --init runs/student/model --claim-copies --repeat-genre 2 --epochs 2
                                                                   # a second stage from a trained student

Texts: every train-split document of the shared corpora (title + abstract, split into sentences as claimx
splits them) plus the causal-language and SciClaim sentences alone, one copy per text (``--claim-copies`` and
``--repeat-genre`` add rewritten copies and repeats of the MechClaims documents kept, ``--sentence-copies`` their
sentences alone, ``--repeat-causal`` repeats of the causal-language sentences); any text that also occurs in
a dev, genre-dev or held-out test split of any corpus is left out, so the student's dev scores stay comparable
with the teacher's. Texts of BC5CDR, NCBI-disease, BioRED and EBM-NLP also carry their gold
entity spans, which the student learns beside the teacher's outputs (``--gold-weight``); texts of the teacher's
claim sources (MechClaims train, claim sentences, causal language, SciClaim) carry their gold claim labels on the
sentences whose spans match (``--gold-claim-weight``). The student folder
goes to ``OUT/model`` (the teacher's linker copied in); score it with the same commands as the teacher
(eval_entities.py, eval_claims.py, bench.py ``--model``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

from _bootstrap import ROOT, import_claimx
from _runs import start_run

warnings.filterwarnings("ignore", category=FutureWarning)  # a regex in scispaCy's tokenizer rules

DOCUMENT_SOURCES = ("bc5cdr", "ncbi", "biored", "genia", "claim_sentences", "synthetic")
ENTITY_ONLY = ("ebm_nlp",)  # no title/abstract parts: their example texts are used


def _keys(text: str) -> tuple[str, str]:
    """Two keys that find the same abstract across corpora (with or without its title): its first and last
    150 letters and digits."""
    flat = re.sub(r"[^a-z0-9]+", "", text.lower())
    return flat[:150], flat[-150:]


def heldout_keys() -> set[str]:
    """Keys (`_keys`) of every dev, genre-dev and held-out text the student must not see."""
    from claimx.corpora import OVERLAP_FILE, corpora_dir, read_overlap
    from claimx.corpora.examples import load_examples
    from claimx.corpora.mechanistic import load_mechclaims
    from claimx.corpora.texts import document_texts

    texts = [t for s in DOCUMENT_SOURCES if s != "synthetic" for t in document_texts(s, "dev").values()]
    texts += [e.text for c in ENTITY_ONLY for e in load_examples(c, "dev")]
    texts += [d["text"] for split in ("dev", "genre_dev") for d in load_mechclaims(split)]
    keys = {k for t in texts for k in _keys(t)}
    return keys | {f"pmid:{pmid}" for _, pmid, _ in read_overlap(corpora_dir() / OVERLAP_FILE)}


def aligned(doc, sentences: list[tuple[int, int]]):
    """``doc`` (a gold `ClaimDoc` of the same text) over ``sentences``: a sentence keeps its gold labels where a
    gold sentence has its exact span, else is unsupervised; roles are kept (inside relational claims only, later)."""
    from dataclasses import replace

    at = {tuple(span): k for k, span in enumerate(doc.sentences)}
    pick = [at.get(tuple(span)) for span in sentences]
    return replace(doc, sentences=[tuple(span) for span in sentences],
                   **{f: [None if k is None else getattr(doc, f)[k] for k in pick]
                      for f in ("allowed", "key", "hedged", "negated")})


def claim_gold_by_text() -> dict[str, object]:
    """The teacher's gold claim documents (`ClaimDoc`) by their text: MechClaims train, claim sentences (train),
    causal language and SciClaim (the first source wins where two share a text)."""
    from claimx.corpora import claim_sources as cd

    out: dict[str, object] = {}
    for doc in (cd.load_mechclaims_docs("train") + cd.load_claim_sentences("train") + cd.load_causal()
                + cd.load_sciclaim()):
        out.setdefault(doc.text.rstrip(), doc)
    return out


def training_texts(log, limit: int | None = None, *, claim_copies: bool = False, repeat_genre: int = 1,
                   sentence_copies: str | None = None, repeat_causal: int = 1
                   ) -> tuple[list[tuple[str, list[tuple[int, int]]]], list, list, dict[str, int]]:
    """(text, sentence spans) of the distillation set (the first ``limit`` only), the gold entities of each (an
    `Example` with offsets into that text, or None), its gold claim labels (a `ClaimDoc` over those sentences, or
    None) and the count kept per source. ``claim_copies``: add the teacher's rewritten copies of the MechClaims
    train documents kept (`claim_sources.abbreviation_copies`, `frame_copies`, `tail_copies`: abbreviations defined
    in claims, reworded and lengthened reporting frames), each with its gold claim labels, once each; ``repeat_genre``:
    the kept review / perspective / hypothesis / commentary documents of MechClaims this many times;
    ``sentence_copies``: each sentence (``"all"``) or each claim sentence (``"claims"``) of the kept MechClaims
    train documents alone, with its gold claim labels (`claim_sources.sentence_copies`), as ``ex("one sentence")``
    sees it; ``repeat_causal``: the causal-language sentences this many times. The first three come from the
    teacher's claim training (`train_claims.py`), which also repeats the frame and tail copies with their originals
    and makes sentence copies of the rewritten copies too; here each copy is added once, to keep the epochs short."""
    from claimx.corpora import claim_sources as cd
    from claimx.corpora.examples import CORPUS_LABELS, Example, load_examples
    from claimx.corpora.mechanistic import sentence_spans
    from claimx.corpora.texts import document_parts, join_title

    held, seen = heldout_keys(), set()
    out: list[tuple[str, list[tuple[int, int]]]] = []
    gold: list[Example | None] = []
    claims: list = []
    claim_docs = claim_gold_by_text()
    counts: dict[str, int] = {}
    examples = {c: {e.id: e for e in load_examples(c, "train")} for c in CORPUS_LABELS}

    def add(source: str, did: str, text: str, split, *args) -> None:
        """Keep ``text`` unless held out or seen; its sentences are ``split(*args)`` (called only when kept); its
        gold entities are the ``source`` example ``did``'s where that example has the same text."""
        if limit is not None and len(out) >= limit:
            return
        keys = _keys(text)
        pmid = re.sub(r"^(?:.*:)?(?:PMID-)?", "", did)  # "bc5cdr:123", "PMID-123", "123"
        if f"pmid:{pmid}" in held or any(k in held or k in seen for k in keys):
            return
        seen.update(keys)
        sentences = [tuple(span) for span in split(*args)]
        out.append((text, sentences))
        ex = examples.get(source, {}).get(did)
        gold.append(ex if ex is not None and ex.text.rstrip() == text.rstrip() else None)  # same offsets
        doc = claim_docs.get(text.rstrip())
        claims.append(aligned(doc, sentences) if doc is not None and doc.text == text else None)
        counts[source] = counts.get(source, 0) + 1

    for source in DOCUMENT_SOURCES:
        for did, (title, abstract) in document_parts(source, "train").items():
            add(source, did, join_title(title, abstract), sentence_spans, title, abstract)
    for corpus in ENTITY_ONLY:
        for e in examples[corpus].values():
            add(corpus, e.id, e.text, sentence_spans, "", e.text)
    for d in cd.load_bioscope():
        add("bioscope", d.id, d.text, sentence_spans, "", d.text)
    for d in cd.load_causal() + cd.load_sciclaim():  # single sentences, as ex("one sentence") sees them
        add(d.source, d.id, d.text, list, d.sentences)
    kept = {g.text for g in claims if g is not None and g.source == "mechclaims"}
    genre = [i for i, g in enumerate(claims) if g is not None and g.source == "mechclaims"
             and g.meta.get("genre", "research") != "research"]
    causal = [i for i, g in enumerate(claims) if g is not None and g.source == "causal"]
    extra: list[tuple[str, int | None, object]] = [("genre repeat", i, None) for i in genre * (repeat_genre - 1)]
    extra += [("causal repeat", i, None) for i in causal * (repeat_causal - 1)]
    mech = ([d for d in cd.load_mechclaims_docs("train") if d.text in kept]  # copies of documents kept only
            if claim_copies or sentence_copies else [])
    if claim_copies:
        extra += [(f"{tag} copy", None, c) for tag, make in (("abbreviation", cd.abbreviation_copies),
                                                              ("frame", cd.frame_copies), ("tail", cd.tail_copies))
                  for c in make(mech)]
    if sentence_copies:
        extra += [("sentence copy", None, c) for c in cd.sentence_copies(mech)
                  if sentence_copies == "all" or c.allowed[0] != (cd.NOT_A_CLAIM,)]
    for name, i, copy in extra:
        if limit is not None and len(out) >= limit:
            break
        if copy is None:  # a repeat, entities and all
            out.append(out[i])
            gold.append(gold[i])
            claims.append(claims[i])
        else:  # a rewritten text: offsets moved, so no gold entities; its sentences are its original's, moved
            out.append((copy.text, [tuple(span) for span in copy.sentences]))
            gold.append(None)
            claims.append(copy)
        counts[name] = counts.get(name, 0) + 1
    labelled = [g for g in claims if g is not None]
    typed = [g for g in labelled if any(a is not None for a in g.allowed)]
    log("distillation texts: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f" ({len(out)} in all); with "
        "gold entities: " + ", ".join(f"{c} {sum(g is not None and g.corpus == c for g in gold)}" for c in examples)
        + "; with gold claim labels: " + ", ".join(
            f"{s} {sum(g.source == s for g in labelled)} ({sum(g.source == s for g in typed)} with types)"
            for s in ("mechclaims", "claim_sentences", "causal", "sciclaim")))
    return out, gold, claims, counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--teacher", default=str(ROOT / "models" / "claimx-minilm"), help="model folder or installed name")
    ap.add_argument("--layers", type=int, nargs="+", default=[1, 3, 5],
                    help="teacher encoder layers the student keeps (1 3 5: the lowest starting loss of 5 choices tried)")
    ap.add_argument("--branch-layers", type=int, default=0, help="the student's claim branch layers (0: shared top)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=3e-4)
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--gold-weight", type=float, default=1.0,
                    help="weight of the gold entity cross-entropy on texts with gold spans (0: the teacher's outputs only)")
    ap.add_argument("--entity-weight", type=float, default=1.0,
                    help="weight of the entity soft-target loss (at 1 the claim type loss is ~12x its gradient on the encoder)")
    ap.add_argument("--gold-claim-weight", type=float, default=0.0,
                    help="weight of the gold claim losses (type, flags, roles) on texts of the teacher's claim sources")
    ap.add_argument("--claim-copies", action="store_true",
                    help="add the teacher's rewritten MechClaims copies (abbreviations defined in claims, reworded and "
                         "lengthened review/perspective frames) with their gold claim labels")
    ap.add_argument("--repeat-genre", type=int, default=1,
                    help="how many times each MechClaims review/perspective/hypothesis/commentary document appears "
                         "per epoch (1 = once)")
    ap.add_argument("--sentence-copies", choices=["all", "claims"],
                    help="add each sentence (all) or each claim sentence (claims) of the MechClaims train documents kept "
                         "alone, with its gold claim labels")
    ap.add_argument("--repeat-causal", type=int, default=1,
                    help="how many times each causal-language sentence appears per epoch (1 = once)")
    ap.add_argument("--init", help="start from this student folder (same teacher, layers and branch) instead of the "
                                   "teacher's layers: a second training stage; its entity decoding is kept")
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--limit", type=int, help="first N texts only (a smoke run)")
    ap.add_argument("--name", default="claimx-minilm-small")
    ap.add_argument("--version", default="0.1.0")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--resume", action="store_true", help="go on from OUT/checkpoint.pt (saved after every epoch)")
    args = ap.parse_args(argv)
    if args.repeat_genre < 1 or args.repeat_causal < 1:
        ap.error("--repeat-genre, --repeat-causal: give 1 (once) or more")
    import_claimx()
    import torch

    from claimx.models.encoder import save_encoder
    from claimx.models.spec import load_spec
    from claimx.models.training.distill import DistillConfig, distill

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    ckpt, log, command = start_run(out, "distill.py", argv, args.resume)
    t0 = time.perf_counter()
    texts, gold, claims, counts = training_texts(log, args.limit, claim_copies=args.claim_copies,
                                                 repeat_genre=args.repeat_genre, sentence_copies=args.sentence_copies,
                                                 repeat_causal=args.repeat_causal)
    cfg = DistillConfig(teacher=args.teacher, layers=tuple(args.layers), branch_layers=args.branch_layers,
                        epochs=args.epochs, lr=args.lr, head_lr=args.head_lr, temperature=args.temperature,
                        gold_weight=args.gold_weight, entity_weight=args.entity_weight,
                        gold_claim_weight=args.gold_claim_weight,
                        batch_tokens=args.batch_tokens, init=args.init)
    try:
        student, tok, hist = distill(cfg, texts, gold=gold, claims_gold=claims, device=args.device, log=log, checkpoint=ckpt,
                                     logits_cache=out / "teacher-logits.pt")
    except ValueError as e:  # a checkpoint of another run
        raise SystemExit(str(e)) from None
    teacher = load_spec(args.teacher)
    info = {k: teacher.meta[k] for k in ("base_model", "linker") if k in teacher.meta}
    info["trained_on"] = f"the teacher's outputs on train-split texts (teacher trained on {teacher.meta.get('trained_on')})"
    info["distillation"] = {"teacher": teacher.label, "command": command, "texts": counts, "layers": args.layers,
                            "branch_layers": args.branch_layers,
                            "seconds": round(sum(h["seconds"] for h in hist), 1)}
    first = load_spec(args.init) if args.init else None
    if first is not None:  # a second stage: keep the first stage's record and its entity decoding
        info["distillation"]["init"] = {"weights": first.label, **(first.meta.get("distillation") or {})}
        if "entities_decoding_from" in first.meta:
            info["entities_decoding_from"] = first.meta["entities_decoding_from"]
        student.entities = first.entities
    folder = save_encoder(student, tok, out / "model", name=args.name, version=args.version,
                          dtype=teacher.meta.get("weights_dtype"), info=info)
    if teacher.linker is not None:  # the linker is not distilled: the student uses the teacher's lexicon
        shutil.copytree(teacher.path / teacher.linker.folder, folder / teacher.linker.folder, dirs_exist_ok=True)
        meta = json.loads((folder / "claimx.json").read_text())
        meta["components"] = [*meta["components"], "linker"]
        (folder / "claimx.json").write_text(json.dumps(meta, indent=2) + "\n")
    ckpt.unlink()
    metrics = {"command": command, "config": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(cfg).items()},
               "texts": counts, "history": hist, "seconds": round(time.perf_counter() - t0, 1)}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
