"""Results as pandas DataFrames for notebook analysis: one row per claim, entity, role or abbreviation.

    df = claimx.to_pandas(claimx.read_results("claims.jsonl"))          # one row per claim
    ents = claimx.to_pandas(results, rows="entities")
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..records import RecordError
from ..results import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ROWS", "to_pandas"]

#: what one row can be, with its columns
ROWS: dict[str, tuple[str, ...]] = {
    "claims": ("id", "claim", "start", "end", "type", "certainty", "negated", "key", "score", "text", "statement",
               "agents", "mechanisms", "effects"),
    "roles": ("id", "claim", "label", "start", "end", "text", "expanded", "type", "certainty", "negated"),
    "entities": ("id", "start", "end", "text", "label", "score", "concept_id", "concept_name", "concept_score"),
    "abbreviations": ("id", "short", "long", "start", "end"),
}


def _rows(result: Result, rows: str) -> Iterable[dict[str, Any]]:
    if rows == "entities":
        return ({"id": result.id, **{k: v for k, v in vars(e).items() if k != "concept"}, "concept_id": e.concept and e.concept.id,
                 "concept_name": e.concept and e.concept.name, "concept_score": e.concept and e.concept.score}
                for e in result.entities)
    if rows == "abbreviations":
        return ({"id": result.id, **vars(a)} for a in result.abbreviations)
    if rows == "roles":
        return ({"id": result.id, "claim": i, **vars(r), "type": c.type, "certainty": c.certainty, "negated": c.negated}
                for i, c in enumerate(result.claims) for r in c.roles)
    return ({"id": result.id, "claim": i, **{k: v for k, v in vars(c).items() if k != "roles"},
             "agents": [r.expanded for r in c.roles if r.label == "AGENT"],
             "mechanisms": [r.expanded for r in c.roles if r.label == "MECHANISM"],
             "effects": [r.expanded for r in c.roles if r.label == "EFFECT"]}
            for i, c in enumerate(result.claims))


def to_pandas(results: Iterable[Result | RecordError | dict[str, Any]] | Result, rows: str = "claims") -> pd.DataFrame:
    """A DataFrame with one row per claim (default), role, entity or abbreviation of `results`.

    `results`: Results (from `Extractor.pipe` or `read_results`), output-contract dicts, or one Result;
    RecordErrors are skipped. `claim` numbers the claims within their document; roles carry their
    claim's type, certainty and negation; the `agents`/`mechanisms`/`effects` of a claim are lists of
    the roles' expanded texts; entities carry their concept's `concept_id`, `concept_name` and `concept_score`
    (None when unlinked).
    """
    import pandas as pd

    if rows not in ROWS:
        raise ValueError(f"unknown rows={rows!r}; use one of {', '.join(ROWS)}")
    if isinstance(results, Result):
        results = [results]
    records = [row for item in results if not isinstance(item, RecordError)
               for row in _rows(item if isinstance(item, Result) else Result.from_dict(item), rows)]
    return pd.DataFrame.from_records(records, columns=list(ROWS[rows]))
