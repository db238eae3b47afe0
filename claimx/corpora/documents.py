"""Typed documents with character-offset entity spans, and conversion to `datasets`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Span:
    """An entity mention: ``text[start:end]`` (0-based, end exclusive) with its label."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"Span needs 0 <= start < end, got start={self.start} end={self.end}")


@dataclass
class Document:
    """One abstract: ``text`` is ``title + " " + abstract``; ``entities`` index into it."""

    id: str
    corpus: str
    text: str
    entities: list[Span] = field(default_factory=list)

    def mention(self, span: Span) -> str:
        """The surface string of ``span`` in this document."""
        return self.text[span.start : span.end]


@lru_cache(maxsize=1)
def features() -> datasets.Features:
    """The `datasets` schema of `to_dataset` (datasets is imported only here: a training box may lack it)."""
    import datasets

    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "corpus": datasets.Value("string"),
            "text": datasets.Value("string"),
            "entities": datasets.List(
                {"start": datasets.Value("int32"), "end": datasets.Value("int32"), "label": datasets.Value("string")}
            ),
        }
    )


def to_dataset(docs: Iterable[Document]) -> datasets.Dataset:
    """Convert documents to a `datasets.Dataset` (columns: id, corpus, text, entities)."""
    rows = [
        {
            "id": d.id,
            "corpus": d.corpus,
            "text": d.text,
            "entities": [{"start": s.start, "end": s.end, "label": s.label} for s in d.entities],
        }
        for d in docs
    ]
    import datasets

    return datasets.Dataset.from_list(rows, features=features())


def from_dataset(ds: datasets.Dataset) -> list[Document]:
    """Inverse of `to_dataset`."""
    return [
        Document(
            id=r["id"],
            corpus=r["corpus"],
            text=r["text"],
            entities=[Span(e["start"], e["end"], e["label"]) for e in r["entities"]],
        )
        for r in ds
    ]
