"""Typed results: what claimx returns for one document (the output contract in docs/design.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Abbreviation", "Claim", "Entity", "Result", "Role"]


@dataclass(frozen=True)
class Entity:
    """A DRUG, DISORDER or OUTCOME mention; offsets index the document text, `end` exclusive."""

    start: int
    end: int
    text: str
    label: str
    score: float


@dataclass(frozen=True)
class Abbreviation:
    """One mention of a short form defined in the document, with its long form."""

    short: str
    long: str
    start: int
    end: int


@dataclass(frozen=True)
class Role:
    """An AGENT, MECHANISM or EFFECT span of a claim; `expanded` has abbreviations spelled out."""

    label: str
    start: int
    end: int
    text: str
    expanded: str


@dataclass(frozen=True)
class Claim:
    """A claim sentence with its type, certainty, negation and roles."""

    start: int
    end: int
    text: str
    statement: str
    type: str
    certainty: str
    negated: bool
    key: bool
    score: float
    roles: list[Role] = field(default_factory=list)


@dataclass
class Result:
    """Everything claimx found in one document.

    `text` is the document text the offsets point into (`title + " " + abstract`); it is kept for
    rendering but is not part of `to_dict()`, which follows the output contract exactly.
    """

    id: str | None
    text: str
    entities: list[Entity] = field(default_factory=list)
    abbreviations: list[Abbreviation] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    model: str = ""
    meta: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as written to JSONL/Parquet (`meta` only when it was asked for)."""
        out: dict[str, Any] = {
            "id": self.id,
            "entities": [asdict(e) for e in self.entities],
            "abbreviations": [asdict(a) for a in self.abbreviations],
            "claims": [asdict(c) for c in self.claims],
            "model": self.model,
        }
        if self.meta is not None:
            out["meta"] = self.meta
        return out
