"""Normalization scored as in BioCreative V CDR: per document, the set of concept ids of each entity label,
micro P / R / F1 over the documents; and the linker alone on gold mentions (accuracy).

Corpus ids are read into the linker's id space: "D007649" -> "MESH:D007649", "C000123" -> "MESH:C000123",
"OMIM:114480" kept; a mention's several ids (composite "|", NCBI's combination "+", BioRED's ",") are
separate ids, "-1" / "-" (no concept) none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..corpora.pubtator import LABEL_MAPS
from ..results import LINKED_LABELS
from .scoring import prf

if TYPE_CHECKING:
    from ..corpora.pubtator import ConceptDoc
    from ..results import Concept

__all__ = ["GoldMention", "concept_ids", "gold_mentions", "id_sets", "linker_accuracy", "score_id_sets"]

_SPLIT = re.compile(r"[|+,;]")
_MESH = re.compile(r"^(?:MESH:)?([CD]\d+)$", re.IGNORECASE)


def concept_ids(raw: Iterable[str]) -> tuple[str, ...]:
    """A corpus mention's ids in the linker's id space, in order, without repeats."""
    out: list[str] = []
    for part in raw:
        for i in _SPLIT.split(part):
            i = i.strip()
            m = _MESH.match(i)
            if m:
                i = "MESH:" + m.group(1).upper()
            elif not i.upper().startswith("OMIM:"):
                continue  # "-1", "-", empty: no concept
            if i not in out:
                out.append(i)
    return tuple(out)


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    label: str
    ids: tuple[str, ...]


def gold_mentions(doc: ConceptDoc, corpus: str) -> list[GoldMention]:
    """The DRUG / DISORDER mentions of a corpus document with their ids (mentions without an id too)."""
    labels = LABEL_MAPS[corpus]
    return [GoldMention(m.start, m.end, labels[m.type], concept_ids(m.ids)) for m in doc.mentions
            if labels.get(m.type) in LINKED_LABELS]


def id_sets(mentions: Iterable[tuple[str, Iterable[str]]]) -> dict[str, set[str]]:
    """label -> the set of ids of `(label, ids)` mentions: what the CDR measure compares per document."""
    out: dict[str, set[str]] = {label: set() for label in LINKED_LABELS}
    for label, ids in mentions:
        if label in out:
            out[label].update(ids)
    return out


def score_id_sets(gold: Mapping[str, Mapping[str, set[str]]], pred: Mapping[str, Mapping[str, set[str]]],
                  labels: Sequence[str] = LINKED_LABELS) -> dict[str, dict[str, float]]:
    """Per label, micro P / R / F1 of the per-document id sets over the documents of `gold`."""
    out = {}
    for label in labels:
        tp = fp = fn = 0
        for doc_id, g in gold.items():
            gs, ps = g.get(label, set()), pred.get(doc_id, {}).get(label, set())
            tp, fp, fn = tp + len(gs & ps), fp + len(ps - gs), fn + len(gs - ps)
        out[label] = prf(tp, fp, fn)
    return out


def linker_accuracy(gold: Sequence[GoldMention], pred: Sequence[Concept | None]) -> dict[str, float]:
    """Of the gold mentions that have ids: the share whose predicted ids equal the gold ids (`accuracy`), the
    share whose first predicted id is one of them (`lenient`), and P / R / F1 counting a wrong link as a false
    positive and an unlinked mention as a false negative (what a threshold trades)."""
    n = correct = lenient = linked = 0
    for g, p in zip(gold, pred):
        if not g.ids:
            continue
        n += 1
        if p is None:
            continue
        linked += 1
        correct += set(p.ids) == set(g.ids)
        lenient += p.ids[0] in g.ids
    return {"mentions": n, "accuracy": round(correct / n, 4) if n else 0.0,
            "lenient": round(lenient / n, 4) if n else 0.0,
            **prf(correct, linked - correct, n - correct)}
