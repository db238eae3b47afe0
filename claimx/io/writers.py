"""Writers: JSONL and Parquet outputs, and the JSONL error report, all resumable.

Output is flushed a batch at a time. JSONL is appended line by line, and a half-written last line
left by a killed run is cut off on resume. Parquet is written as complete part files in
`OUT.parts/` (each renamed into place once written) and merged into `OUT` when the run ends, so a
killed run leaves only whole parts behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["FORMATS", "PARQUET_SCHEMA", "JsonlWriter", "ParquetWriter", "Writer", "done_ids", "open_writer"]

FORMATS = ("jsonl", "parquet")

_ROLE = pa.struct([("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("expanded", pa.string())])
#: Arrow schema of one output record; `meta` (when asked for) is stored as a JSON string.
PARQUET_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("entities", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("label", pa.string()), ("score", pa.float64())]))),
        ("abbreviations", pa.list_(pa.struct([("short", pa.string()), ("long", pa.string()), ("start", pa.int64()), ("end", pa.int64())]))),
        (
            "claims",
            pa.list_(
                pa.struct(
                    [
                        ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("statement", pa.string()),
                        ("type", pa.string()), ("certainty", pa.string()), ("negated", pa.bool_()), ("key", pa.bool_()),
                        ("score", pa.float64()), ("roles", pa.list_(_ROLE)),
                    ]
                )
            ),
        ),
        ("model", pa.string()),
        ("meta", pa.string()),
    ]
)


class Writer(Protocol):
    def write(self, records: Iterable[dict[str, Any]]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def _repair_tail(path: Path) -> None:
    """Cut a half-written last line (no trailing newline) left by a killed run."""
    with open(path, "rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        pos = size
        while pos > 0:
            step = min(1 << 16, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                f.truncate(pos - step + nl + 1)
                return
            pos -= step
        f.truncate(0)


class JsonlWriter:
    """One JSON object per line to a file (appending on resume) or to stdout (`path=None`)."""

    def __init__(self, path: str | Path | None, *, append: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self._f: IO[str] = sys.stdout
        else:
            if append and self.path.exists():
                _repair_tail(self.path)
            self._f = open(self.path, "a" if append else "w", encoding="utf-8")

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        self._f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    def flush(self) -> None:
        self._f.flush()
        if self.path is not None:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        self.flush()
        if self.path is not None:
            self._f.close()


class ParquetWriter:
    """Parquet with `PARQUET_SCHEMA`; parts of `rows_per_part` rows are merged into `path` on close."""

    def __init__(self, path: str | Path, *, append: bool = False, rows_per_part: int = 10_000) -> None:
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.rows_per_part = rows_per_part
        self._rows: list[dict[str, Any]] = []
        if append and self.path.exists() and not self.parts.exists():
            # a finished earlier run: continue from it as the first part
            self.parts.mkdir()
            os.replace(self.path, self.parts / "part-000000.parquet")
        elif not append:
            shutil.rmtree(self.parts, ignore_errors=True)
        self.parts.mkdir(exist_ok=True)
        for stale in self.parts.glob("*.tmp"):
            stale.unlink()
        self._next = len(list(self.parts.glob("part-*.parquet")))

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        for r in records:
            row = dict(r)
            row["meta"] = json.dumps(row["meta"], ensure_ascii=False) if "meta" in row else None
            self._rows.append(row)
        if len(self._rows) >= self.rows_per_part:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows, schema=PARQUET_SCHEMA)
        final = self.parts / f"part-{self._next:06d}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        self._next += 1
        self._rows = []

    def close(self) -> None:
        self.flush()
        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, PARQUET_SCHEMA) as out:
            for part in sorted(self.parts.glob("part-*.parquet")):
                for batch in pq.ParquetFile(part).iter_batches():
                    out.write_batch(batch)
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts)


def open_writer(path: str | Path | None, fmt: str, *, append: bool = False) -> Writer:
    """A writer for `fmt` ("jsonl" or "parquet"); `path=None` writes JSONL to stdout."""
    if fmt == "jsonl":
        return JsonlWriter(path, append=append)
    if fmt == "parquet":
        if path is None:
            raise ValueError("Parquet cannot be written to stdout; give an output file with -o")
        return ParquetWriter(path, append=append)
    raise ValueError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")


def _ids_jsonl(path: Path) -> Iterator[str | None]:
    with open(path, "rb") as f:
        for raw in f:
            if raw.endswith(b"\n"):
                try:
                    yield json.loads(raw)["id"]
                except (ValueError, KeyError, TypeError):
                    continue


def _ids_parquet(path: Path) -> Iterator[str | None]:
    parts = path.with_name(path.name + ".parts")
    files = sorted(parts.glob("part-*.parquet")) if parts.exists() else ([path] if path.exists() else [])
    for f in files:
        yield from pq.read_table(f, columns=["id"]).column("id").to_pylist()


def done_ids(path: str | Path | None, fmt: str) -> Counter[str | None]:
    """How many times each id already stands in an output (or error report) left by an earlier run."""
    if path is None or not (Path(path).exists() or Path(str(path) + ".parts").exists()):
        return Counter()
    return Counter(_ids_parquet(Path(path)) if fmt == "parquet" else _ids_jsonl(Path(path)))
