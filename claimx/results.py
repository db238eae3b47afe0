"""Typed results: what claimx returns for one document (the output contract in docs/design.md), and the
contract's vocabulary: entity labels, claim types, certainty values and role labels, defined here once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["CERTAINTIES", "CLAIM_TYPES", "ENTITY_LABELS", "LINKED_LABELS", "RELATIONAL_TYPES", "ROLE_LABELS", "Abbreviation",
           "Claim", "Concept", "Entity", "Result", "Role"]

#: `Entity.label`: what an entity mention is (docs/claims-guideline.md).
ENTITY_LABELS: tuple[str, ...] = ("DRUG", "DISORDER", "OUTCOME")
#: The entity labels linked to a concept (`Entity.concept`); OUTCOME never is.
LINKED_LABELS: tuple[str, ...] = ("DRUG", "DISORDER")
#: `Claim.type`: what kind of claim a sentence makes.
CLAIM_TYPES: tuple[str, ...] = ("mechanistic", "causal", "correlational", "descriptive")
#: The claim types that carry AGENT / MECHANISM / EFFECT roles (guideline section 4).
RELATIONAL_TYPES: frozenset[str] = frozenset(CLAIM_TYPES) - {"descriptive"}
#: `Claim.certainty`: stated plainly or hedged ("may", "suggests").
CERTAINTIES: tuple[str, ...] = ("asserted", "hedged")
#: `Role.label`: the parts of a relational claim.
ROLE_LABELS: tuple[str, ...] = ("AGENT", "MECHANISM", "EFFECT")


@dataclass(frozen=True)
class Concept:
    """The concept an entity is linked to: `id` "MESH:D007649" (a supplementary concept "MESH:C…"; "OMIM:…" for
    a few diseases the corpora annotate with OMIM only; a composite mention's ids joined by "|"), its `name`
    and the linker's `score` (exact match: the share of the string's annotations that gave this id; fuzzy
    match: the similarity)."""

    id: str
    name: str
    score: float

    @property
    def ids(self) -> list[str]:
        """The single ids: one, or the parts of a composite mention ("breast and ovarian cancer")."""
        return self.id.split("|")


@dataclass(frozen=True)
class Entity:
    """A DRUG, DISORDER or OUTCOME mention; offsets index the document text, `end` exclusive. `concept`: the
    MeSH concept a DRUG / DISORDER is linked to, or None (unlinked, OUTCOME, or a model without a linker)."""

    start: int
    end: int
    text: str
    label: str
    score: float
    concept: Concept | None = None


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

    def _repr_html_(self) -> str:
        """The annotated view in notebooks (Jupyter calls this)."""
        from .analysis.views import render_html

        return render_html(self, title=f"claimx: {self.id}", page=False)

    @classmethod
    def from_dict(cls, obj: Any, text: str = "") -> Result:
        """A Result from one output-contract record (a parsed `claimx extract` line or Parquet row).

        The contract holds no document text: pass `text` to render the result (`claimx show`).
        Raises ValueError naming the first field that does not fit the contract.
        """
        if not isinstance(obj, Mapping):
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        rid = obj.get("id")
        if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int))):
            raise ValueError(f"'id' must be a string, got {type(rid).__name__}")
        for name in ("entities", "abbreviations", "claims"):
            if not isinstance(obj.get(name), list):
                raise ValueError(f"missing or non-list field {name!r}")
        claims = []
        for i, c in enumerate(obj["claims"]):
            where = f"claims[{i}]"
            if not isinstance(c, Mapping) or not isinstance(c.get("roles", []), list):
                raise ValueError(f"{where} is not a claim object with a 'roles' list")
            roles = [_build(Role, r, f"{where}.roles[{j}]") for j, r in enumerate(c.get("roles", []))]
            claims.append(_build(Claim, {**c, "roles": roles}, where))
        return cls(
            id=None if rid is None else str(rid),
            text=text,
            entities=[_build(Entity, e, f"entities[{i}]") for i, e in enumerate(obj["entities"])],
            abbreviations=[_build(Abbreviation, a, f"abbreviations[{i}]") for i, a in enumerate(obj["abbreviations"])],
            claims=claims,
            model=str(obj.get("model") or ""),
            meta=_meta(obj.get("meta")),
        )


def _meta(value: Any) -> dict[str, Any] | None:
    """`meta`: an object, null, or (from Parquet) an object as JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("'meta' is text but not a JSON object") from None
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(f"'meta' must be an object, got {type(value).__name__}")
    return value


# field annotation (a string under `from __future__ import annotations`) -> accepted JSON value types
_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def _build(cls: type, obj: Any, where: str) -> Any:
    """An instance of the dataclass `cls` from a mapping, checking each scalar field's type."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"{where} must be an object, got {type(obj).__name__}")
    values = {}
    for f in fields(cls):
        if f.name not in obj:
            if f.name in ("roles", "concept"):  # results written before concepts existed have none
                values[f.name] = [] if f.name == "roles" else None
                continue
            raise ValueError(f"{where} has no field {f.name!r}")
        value = obj[f.name]
        want = _TYPES.get(f.type)
        if want and (not isinstance(value, want) or (bool not in want and isinstance(value, bool))):
            raise ValueError(f"{where}.{f.name} must be {f.type}, got {type(value).__name__}")
        if f.name == "concept" and value is not None:
            value = _build(Concept, value, f"{where}.concept")
        values[f.name] = value
    return cls(**values)
