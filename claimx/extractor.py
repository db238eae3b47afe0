"""`claimx.load()` and the Extractor: the one streaming core behind the CLI and the Python API."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .errors import InvalidRecordError
from .models.spec import ModelSpec, load_spec
from .options import ExtractOptions
from .pipeline import build_nlp
from .records import Fields, Record, RecordError, error_id, record_from_mapping
from .results import Abbreviation, Entity, Result

__all__ = ["Extractor", "load"]

log = logging.getLogger("claimx")

Input = str | Mapping[str, Any] | Record


class Extractor:
    """Runs the claimx pipeline over documents. Make one with `claimx.load()`.

    `ex("text")`, `ex({"id": ..., "title": ..., "abstract": ...})` → `Result`;
    `ex.pipe(items, batch_size=64)` streams `Result`s in input order.
    """

    def __init__(self, nlp: Language, spec: ModelSpec, *, fields: Fields = Fields(), keep_meta: bool = False) -> None:
        self.nlp = nlp
        self.spec = spec
        self.fields = fields
        self.keep_meta = keep_meta

    @classmethod
    def from_options(cls, options: ExtractOptions) -> Extractor:
        """The Extractor `options` describe (their model, device, precision, input fields and `keep_meta`)."""
        return load(options.model, device=options.device, precision=options.precision, fields=options.fields,
                    keep_meta=options.keep_meta)

    def __call__(self, item: Input) -> Result:
        return next(self.pipe([item], batch_size=1))

    def pipe(self, items: Iterable[Input], *, batch_size: int = 64) -> Iterator[Result]:
        """Results for `items` (strings, dicts, dataset rows or `Record`s), in order.

        Raises `InvalidRecordError` naming the item when one cannot be read; use `process()` to
        get those as `RecordError`s instead.
        """
        for out in self.process((self._record(item, i) for i, item in enumerate(items)), batch_size=batch_size):
            if isinstance(out, RecordError):
                raise InvalidRecordError(f"item {out.line} (id {out.id}): {out.error}")
            yield out

    def process(self, items: Iterable[Record | RecordError], *, batch_size: int = 64) -> Iterator[Result | RecordError]:
        """The streaming core: records in, results (or the reader's errors) out, order kept."""
        it = iter(items)
        while chunk := list(islice(it, batch_size)):
            records = [r for r in chunk if isinstance(r, Record)]
            # the strings and lexemes a chunk adds to the vocabulary go with it (else they pile up: ~20 an abstract)
            with self.nlp.memory_zone():
                docs = iter(self._docs(records, batch_size))
                out = [self.to_result(item, next(docs)) if isinstance(item, Record) else item for item in chunk]
            yield from out
            _trim_heap()

    def _record(self, item: Input, index: int) -> Record | RecordError:
        if isinstance(item, Record):
            return item
        try:
            if isinstance(item, str):
                return record_from_mapping({"text": item}, line=index)
            return record_from_mapping(item, self.fields, keep_meta=self.keep_meta, line=index)
        except InvalidRecordError as e:
            rid = next((item[k] for k in self.fields.id if item.get(k) is not None), None) if isinstance(item, Mapping) else None
            return RecordError(index, error_id(rid), str(e))

    def make_doc(self, record: Record) -> Doc:
        """A Doc of `record`'s text, ready for `nlp`: sentence breaks forced at its title/abstract and section starts."""
        doc = self.nlp.make_doc(record.text)
        doc.user_data["claimx_breaks"] = record.breaks
        return doc

    def _docs(self, records: list[Record], batch_size: int) -> list[Doc | RecordError]:
        """Run the pipeline on a chunk; if it fails, retry one by one so only the culprit is lost."""
        try:
            return list(self.nlp.pipe((self.make_doc(r) for r in records), batch_size=batch_size))
        except Exception:  # noqa: BLE001 - isolate the record that broke the batch
            out: list[Doc | RecordError] = []
            for r in records:
                try:
                    out.append(self.nlp(self.make_doc(r)))
                except Exception as e:  # noqa: BLE001
                    log.exception("record %s failed", r.id)
                    out.append(RecordError(r.line, r.id, f"internal error ({type(e).__name__}: {e}); please report it", r.source))
            return out

    def to_result(self, record: Record, doc: Doc | RecordError) -> Result | RecordError:
        """The `Result` of `record` from its processed `doc` (a RecordError passes through)."""
        if isinstance(doc, RecordError):
            return doc
        abbreviations = sorted(
            (Abbreviation(a.text, a._.long_form.text, a.start_char, a.end_char) for a in doc._.abbreviations),
            key=lambda a: (a.start, a.end),
        )
        exact = doc._.entities if doc.has_extension("entities") and doc._.entities is not None else [
            (e.start_char, e.end_char, e.label_, e._.score) for e in doc.ents
        ]
        text = doc.text  # built from the tokens on every access: once
        concepts = doc._.concepts if doc.has_extension("concepts") else None  # one per entity of doc._.entities
        if concepts is None or len(concepts) != len(exact):
            concepts = [None] * len(exact)  # a model without a linker: concept null
        entities = [Entity(s, e, text[s:e], label, round(float(score), 4), concept)
                    for (s, e, label, score), concept in zip(exact, concepts)]
        claims = list(doc._.claims or [])
        # the abbreviation spans in user_data point back at the doc: a cycle the GC never frees (~23 KB per
        # abstract, scripts/memcheck.py); the result holds plain values, so drop them
        doc.user_data.clear()
        return Result(
            id=record.id,
            text=text,
            entities=entities,
            abbreviations=abbreviations,
            claims=claims,
            model=self.spec.label,
            meta=record.meta,
        )


def _libc_trim():
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_MALLOC_TRIM = _libc_trim()


def _trim_heap() -> None:
    """Hand freed heap pages back to the OS (glibc): batches of varying shapes otherwise leave the heap
    fragmented and the resident size creeping up run after run (scripts/memcheck.py)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def load(
    model: str | Path | ModelSpec | None = None,
    *,
    device: str = "auto",
    precision: str = "auto",
    fields: Fields = Fields(),
    keep_meta: bool = False,
) -> Extractor:
    """Load a model (a folder, an installed model's name such as "claimx-minilm", or its `ModelSpec`; None:
    `$CLAIMX_MODEL`, else the default model) on `device` ("cpu", "cuda", "cuda:N" or "auto") at `precision`:
    auto (bf16 where the hardware has it, else fp32), bf16, fp32 or int8 (CPU only). Raises `ModelError`."""
    spec = load_spec(model)  # claimx.json is read here, once (a ModelSpec is used as it is)
    nlp = build_nlp(spec, device=device, precision=precision)
    return Extractor(nlp, spec, fields=fields, keep_meta=keep_meta)
