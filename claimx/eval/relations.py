"""Relations read from claims, scored against a curated relation table: BC5CDR's chemical-induced-disease
(CID) pairs, document-level pairs of MeSH ids (BioCreative V CDR).

A relational, non-negated claim gives pairs: each AGENT that overlaps a gold Chemical mention × each EFFECT
that overlaps a gold Disease mention, mapped to ids through those mentions (so the score is of the claims,
not of entity recognition or normalization). The baseline pairs every Chemical with every Disease mention
of the same sentence (sentence co-occurrence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..results import RELATIONAL_TYPES
from .scoring import prf

if TYPE_CHECKING:
    from ..corpora.pubtator import ConceptDoc, Mention
    from ..results import Result

__all__ = ["claim_pairs", "cooccurrence_pairs", "gold_cid_pairs", "score_pairs"]

Pair = tuple[str, str]


def gold_cid_pairs(doc: ConceptDoc) -> set[Pair]:
    """The document's CID relations as (chemical id, disease id)."""
    return {(r[1], r[2]) for r in doc.relations if len(r) >= 3 and r[0] == "CID"}


def _ids(span: tuple[int, int], mentions: Iterable[Mention], kind: str) -> set[str]:
    return {i for m in mentions if m.type == kind and m.start < span[1] and span[0] < m.end for i in m.ids}


def claim_pairs(result: Result, doc: ConceptDoc, *, types: Iterable[str] = RELATIONAL_TYPES,
                agent_roles: Sequence[str] = ("AGENT",)) -> set[Pair]:
    """(chemical, disease) pairs stated by `result`'s non-negated claims of `types`: an AGENT (or another of
    `agent_roles`) over a Chemical mention and an EFFECT over a Disease mention of the same claim."""
    types = set(types)
    pairs: set[Pair] = set()
    for c in result.claims:
        if c.negated or c.type not in types:
            continue
        chems = set().union(*(_ids((r.start, r.end), doc.mentions, "Chemical") for r in c.roles if r.label in agent_roles))
        diseases = set().union(*(_ids((r.start, r.end), doc.mentions, "Disease") for r in c.roles if r.label == "EFFECT"))
        pairs |= {(a, b) for a in chems for b in diseases}
    return pairs


def cooccurrence_pairs(doc: ConceptDoc, sentences: Iterable[tuple[int, int]]) -> set[Pair]:
    """Every Chemical id × every Disease id mentioned in the same sentence."""
    pairs: set[Pair] = set()
    for s in sentences:
        pairs |= {(a, b) for a in _ids(s, doc.mentions, "Chemical") for b in _ids(s, doc.mentions, "Disease")}
    return pairs


def score_pairs(gold: Mapping[str, set[Pair]], pred: Mapping[str, set[Pair]]) -> dict[str, float]:
    """Micro P / R / F1 over the documents of `gold` (the BioCreative V CDR relation measure)."""
    tp = fp = fn = 0
    for doc_id, g in gold.items():
        p = pred.get(doc_id, set())
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return prf(tp, fp, fn)
