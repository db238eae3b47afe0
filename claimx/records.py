"""Input records: one document to read, and the error-report line for one that cannot be read."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .errors import InvalidRecordError

__all__ = ["MAX_CHARS", "Fields", "Record", "RecordError", "error_id", "pick", "record_from_mapping"]

#: Longest document text accepted (characters); longer records go to the error report.
MAX_CHARS = 10_000_000


@dataclass(frozen=True)
class Fields:
    """Which input fields hold the id, title and text; the first one present is used."""

    id: tuple[str, ...] = ("id", "pmid")
    title: tuple[str, ...] = ("title",)
    text: tuple[str, ...] = ("abstract", "text")


@dataclass(frozen=True)
class Record:
    """One document. Offsets in the output index `text`, i.e. `title + " " + abstract`."""

    id: str | None
    title: str
    abstract: str
    sections: tuple[int, ...] = ()  # offsets in `abstract` where a labelled section starts
    meta: dict[str, Any] | None = None
    source: str = ""
    line: int | None = None

    @cached_property
    def text(self) -> str:
        """`title + " " + abstract`, or just `abstract` when the title is empty (computed once)."""
        return f"{self.title} {self.abstract}" if self.title else self.abstract

    @property
    def breaks(self) -> tuple[int, ...]:
        """Character offsets in `text` where a sentence must start (abstract start, section starts)."""
        shift = len(self.title) + 1 if self.title else 0
        starts = ({shift} if self.title else set()) | {shift + s for s in self.sections}
        return tuple(sorted(s for s in starts if 0 < s < len(self.text)))


@dataclass(frozen=True)
class RecordError:
    """A line of the error report: which record failed and why."""

    line: int | None
    id: str | None
    error: str
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.id, "error": self.error, "file": self.file}


_SURROGATE = re.compile("[\ud800-\udfff]")


def error_id(value: Any) -> str | None:
    """The `id` of an error-report line for an input id `value`: scalars as text, anything else null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        text = str(value)
        # a lone surrogate (from an escape such as "\ud800") is written as that escape
        return text.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(text) else text
    return None


def pick(obj: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    """The first of `names` present (and not null) in `obj`, with its value."""
    for name in names:
        if obj.get(name) is not None:
            return name, obj[name]
    return None, None


def record_from_mapping(
    obj: Any,
    fields: Fields = Fields(),
    *,
    keep_meta: bool = False,
    source: str = "",
    line: int | None = None,
    default_id: str | None = None,
) -> Record:
    """Validate one input object (a parsed JSON line, a dict, a dataset row) and make a Record."""
    if not isinstance(obj, Mapping):
        raise InvalidRecordError(
            f"expected a JSON object (a dict in Python) with an '{fields.text[0]}' field, got {type(obj).__name__}"
        )
    id_name, rid = pick(obj, fields.id)
    if id_name is None:
        rid = default_id
    elif isinstance(rid, bool) or not isinstance(rid, (str, int)):
        raise InvalidRecordError(f"field '{id_name}' must be a string or integer, got {type(rid).__name__}")
    text_name, abstract = pick(obj, fields.text)
    if text_name is None:
        names = " or ".join(f"'{n}'" for n in fields.text)
        raise InvalidRecordError(
            f"missing field {names}; name the text field with --text-field or claimx.Fields(text=...)"
        )
    if not isinstance(abstract, str):
        raise InvalidRecordError(f"field '{text_name}' must be a string, got {type(abstract).__name__}")
    if not abstract.strip():
        raise InvalidRecordError(f"empty field '{text_name}': there is no text to read")
    title_name, title = pick(obj, fields.title)
    if title_name is not None and not isinstance(title, str):
        raise InvalidRecordError(f"field '{title_name}' must be a string, got {type(title).__name__}")
    known = set(fields.id) | set(fields.title) | set(fields.text)
    meta = {k: v for k, v in obj.items() if k not in known} if keep_meta else None
    checks = [(text_name, abstract), (title_name, title), (id_name, rid)]
    if meta:
        checks += [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()]
    for name, value in checks:
        if isinstance(value, str) and _SURROGATE.search(value):
            raise InvalidRecordError(
                f"field '{name}' holds an unpaired surrogate (an escape such as \\ud800 with no partner), "
                "which is not valid Unicode text; fix the escape in the input"
            )
    record = Record(
        id=None if rid is None else str(rid),
        title=title or "",  # a whitespace-only title is kept as given: text = title + " " + abstract
        abstract=abstract,
        meta=meta,
        source=source,
        line=line,
    )
    if len(record.text) > MAX_CHARS:
        raise InvalidRecordError(
            f"text has {len(record.text):,} characters, more than the {MAX_CHARS:,} claimx reads in one record; "
            "split the document into several records"
        )
    return record
