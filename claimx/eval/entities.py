"""Entity scores: strict mention-level P/R/F1 per label, and token-level F1 (OUTCOME).

Strict: a predicted mention counts only with the gold start, end and label. Only the labels a
corpus annotates are scored on it (a DRUG predicted in an NCBI-disease abstract is neither
right nor wrong there). Token level: the text's whitespace tokens (EBM-NLP's own tokens) are
positive for a label when a mention of it overlaps them; P/R/F1 over those decisions, the
usual measure for PICO spans whose exact edges are loosely defined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .scoring import prf

__all__ = [
    "Counts", "EntityReport", "evaluate_entities", "format_reports", "score_entities", "strict_counts", "token_counts",
]

Mention = Sequence  # (start, end, label[, score])
_TOKEN = re.compile(r"\S+")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return prf(self.tp, self.fp, self.fn)["p"]

    @property
    def recall(self) -> float:
        return prf(self.tp, self.fp, self.fn)["r"]

    @property
    def f1(self) -> float:
        return prf(self.tp, self.fp, self.fn)["f1"]

    def to_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "gold": self.tp + self.fn,
                "p": self.precision, "r": self.recall, "f1": self.f1}


def _keyed(mentions: Iterable[Mention], labels: Iterable[str]) -> set[tuple[int, int, str]]:
    keep = set(labels)
    return {(int(m[0]), int(m[1]), str(m[2])) for m in mentions if m[2] in keep}


def strict_counts(
    gold: Sequence[Iterable[Mention]], pred: Sequence[Iterable[Mention]], labels: Sequence[str]
) -> dict[str, Counts]:
    """Strict mention-level counts per label over parallel lists of documents' mentions."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predictions")
    out = {lab: Counts() for lab in labels}
    for g, p in zip(gold, pred):
        gs, ps = _keyed(g, labels), _keyed(p, labels)
        for _, _, lab in ps & gs:
            out[lab].tp += 1
        for _, _, lab in ps - gs:
            out[lab].fp += 1
        for _, _, lab in gs - ps:
            out[lab].fn += 1
    return out


def token_counts(
    texts: Sequence[str], gold: Sequence[Iterable[Mention]], pred: Sequence[Iterable[Mention]], label: str
) -> Counts:
    """Token-level counts for ``label`` (a whitespace token is positive if a mention overlaps it)."""
    c = Counts()
    for text, g, p in zip(texts, gold, pred):
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        gt = _covered(tokens, [m for m in g if m[2] == label])
        pt = _covered(tokens, [m for m in p if m[2] == label])
        c.tp += len(gt & pt)
        c.fp += len(pt - gt)
        c.fn += len(gt - pt)
    return c


def _covered(tokens: list[tuple[int, int]], mentions: list[Mention]) -> set[int]:
    from bisect import bisect_left, bisect_right

    starts = [s for s, _ in tokens]
    ends = [e for _, e in tokens]
    out: set[int] = set()
    for m in mentions:
        out.update(range(bisect_right(ends, int(m[0])), bisect_left(starts, int(m[1]))))
    return out


@dataclass
class EntityReport:
    """Scores of one model on one corpus split."""

    corpus: str
    split: str
    docs: int
    strict: dict[str, Counts]
    token: dict[str, Counts] = field(default_factory=dict)

    @property
    def micro(self) -> Counts:
        total = Counts()
        for c in self.strict.values():
            total = total + c
        return total

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "split": self.split, "docs": self.docs,
                "strict": {k: v.to_dict() for k, v in self.strict.items()} | {"ALL": self.micro.to_dict()},
                "token": {k: v.to_dict() for k, v in self.token.items()}}


def score_entities(
    corpus: str,
    split: str,
    texts: Sequence[str],
    gold: Sequence[Iterable[Mention]],
    pred: Sequence[Iterable[Mention]],
    labels: Sequence[str],
    token_labels: Sequence[str] = ("OUTCOME",),
) -> EntityReport:
    """Strict counts for ``labels`` and token counts for those of ``token_labels`` among them."""
    gold, pred = [list(g) for g in gold], [list(p) for p in pred]
    strict = strict_counts(gold, pred, labels)
    token = {lab: token_counts(texts, gold, pred, lab) for lab in labels if lab in token_labels}
    return EntityReport(corpus, split, len(texts), strict, token)


def format_reports(reports: Iterable[EntityReport], title: str | None = None,
                   pct: Callable[[float], str] = lambda x: f"{100 * x:6.2f}") -> str:
    """A plain-text table: one row per corpus and label (+ ALL), strict P/R/F1, token F1."""
    lines = [title] if title else []
    lines.append(f"{'corpus':8} {'split':5} {'label':9} {'gold':>6} {'P':>6} {'R':>6} {'F1':>6}  {'tokP':>6} {'tokR':>6} {'tokF1':>6}")
    for rep in reports:
        rows = list(rep.strict.items()) + ([("ALL", rep.micro)] if len(rep.strict) > 1 else [])
        for lab, c in rows:
            tok = rep.token.get(lab)
            extra = f"  {pct(tok.precision)} {pct(tok.recall)} {pct(tok.f1)}" if tok else ""
            lines.append(f"{rep.corpus:8} {rep.split:5} {lab:9} {c.tp + c.fn:6d} "
                         f"{pct(c.precision)} {pct(c.recall)} {pct(c.f1)}{extra}")
    return "\n".join(lines)


def evaluate_entities(tagger: Callable[[list[str]], list[list[Mention]]], examples: Sequence, *,
                      corpus: str, split: str, labels: Sequence[str] | None = None) -> EntityReport:
    """Run ``tagger`` (texts → mentions, e.g. a `Predictor`'s entities) on ``examples`` (`Example`s of
    one corpus) and score the labels that corpus annotates (or ``labels``)."""
    if labels is None:
        from ..corpora.examples import CORPUS_LABELS

        labels = CORPUS_LABELS[corpus]
    texts = [e.text for e in examples]
    pred = tagger(texts)
    return score_entities(corpus, split, texts, [e.spans for e in examples], pred, labels)
