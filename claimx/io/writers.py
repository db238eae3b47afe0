"""Writers: JSONL and Parquet outputs, and the JSONL error report, all resumable.

Each writer reports its `position`, the state of the output that is durable so far: for JSONL the
byte size after the last `flush()`, for Parquet the number of complete part files. A job records it
(see `claimx.run.jobs`) and, to resume, opens the writer again at that position: JSONL is cut back to the
recorded size (which also removes a half-written line), Parquet parts beyond the recorded count are
deleted. Parquet is written as part files of at least `rows_per_part` rows in `OUT.parts/` (each
written to a `.tmp` file and renamed into place) and merged into `OUT` at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from ..options import OUTPUT_FORMATS

__all__ = ["PARQUET_SCHEMA", "JsonlWriter", "ParquetWriter", "Writer", "open_writer", "parts_of"]

_CONCEPT = pa.struct([("id", pa.string()), ("name", pa.string()), ("score", pa.float64())])  # null when unlinked
_ROLE = pa.struct([("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("expanded", pa.string())])
#: Arrow schema of one output record; `meta` (when asked for) is stored as a JSON string.
PARQUET_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("entities", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                                         ("concept", _CONCEPT)]))),
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
    """What a job needs from an output: write, make durable, report where it stands, finish or stop."""

    @property
    def position(self) -> int:
        """How much of the output is durable: JSONL bytes after the last flush, Parquet complete parts."""
        ...

    def write(self, records: Iterable[dict[str, Any]]) -> None: ...

    def flush(self) -> None:
        """Make what was written durable (as far as `position` says)."""
        ...

    def close(self) -> None:
        """Finish the output (Parquet: write the last part and merge the parts into the file)."""
        ...

    def abort(self) -> None:
        """Stop without finishing: release the file, leave what is durable for a resume."""
        ...

    def cleanup(self) -> None:
        """Remove what only a resume would need, once the finished run is recorded."""
        ...


def _is_regular(fd: int) -> bool:
    return stat.S_ISREG(os.fstat(fd).st_mode)


class JsonlWriter:
    """One JSON object per line to a file or to stdout (`path=None`).

    `resume_from` (a byte size recorded by an earlier run) cuts the file back to that size and appends
    after it. Only regular files are fsynced: `/dev/null`, `/dev/stdout` and pipes are written as they are.
    """

    def __init__(self, path: str | Path | None, *, resume_from: int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._size = 0
        self._f: IO[bytes] | None = None
        self._regular = False
        if self.path is None:
            return
        self._f = open(self.path, "wb" if resume_from is None else "ab")
        self._regular = _is_regular(self._f.fileno())
        if resume_from is not None and self._regular:
            self._f.truncate(resume_from)
            self._size = resume_from

    @property
    def position(self) -> int:
        return self._size

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        if not text:
            return
        # a lone surrogate (an escape such as "\ud800" in the input) is written back as that escape
        data = text.encode("utf-8", "backslashreplace")
        if self._f is not None:
            self._f.write(data)
            self._size += len(data)
        elif (buffer := getattr(sys.stdout, "buffer", None)) is not None:
            sys.stdout.flush()
            buffer.write(data)
        else:  # a text-only stdout (e.g. replaced in a test or notebook)
            sys.stdout.write(data.decode("utf-8"))

    def flush(self) -> None:
        if self._f is None:
            sys.stdout.flush()
            return
        self._f.flush()
        if self._regular:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        self.flush()
        if self._f is not None:
            self._f.close()

    def abort(self) -> None:
        if self._f is not None:
            self._f.close()

    def cleanup(self) -> None:
        pass


_PART = re.compile(r"part-(\d+)\.parquet")


def parts_of(path: str | Path) -> dict[int, Path]:
    """The complete part files in `OUT.parts/`, by number."""
    parts = Path(path).with_name(Path(path).name + ".parts")
    if not parts.is_dir():
        return {}
    found = {}
    for f in parts.iterdir():
        if m := _PART.fullmatch(f.name):
            found[int(m.group(1))] = f
    return found


class ParquetWriter:
    """Parquet with `PARQUET_SCHEMA`, written in part files of at least `rows_per_part` rows (whole calls to
    `write`: a part is written once that many rows are waiting) and merged into `path` on `close()`.

    `resume_from` (a part count recorded by an earlier run) keeps those parts, deletes later ones and
    stray `.tmp` files, and goes on numbering after them. With `keep_parts`, `close()` leaves the parts
    until `cleanup()`, so that a job can record the finished run first.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        resume_from: int | None = None,
        rows_per_part: int = 10_000,
        keep_parts: bool = False,
    ) -> None:
        if rows_per_part < 1:
            raise ValueError(f"rows_per_part must be at least 1, got {rows_per_part}")
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.rows_per_part = rows_per_part
        self.keep_parts = keep_parts
        self._rows: list[dict[str, Any]] = []
        if resume_from is None:
            shutil.rmtree(self.parts, ignore_errors=True)
        self.parts.mkdir(exist_ok=True)
        if resume_from is not None:
            for stale in self.parts.glob("*.tmp"):
                stale.unlink()
            for number, part in parts_of(self.path).items():
                if number >= resume_from:
                    part.unlink()
            missing = sorted(set(range(resume_from)) - set(parts_of(self.path)))
            if missing:
                raise ValueError(f"cannot resume {self.path}: part {missing[0]} of {resume_from} is missing from {self.parts}")
        self._next = resume_from or 0

    @property
    def position(self) -> int:
        return self._next

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        for r in records:
            row = dict(r)
            row["meta"] = json.dumps(row["meta"], ensure_ascii=False) if "meta" in row else None
            self._rows.append(row)
        if len(self._rows) >= self.rows_per_part:
            self.end_part()

    def end_part(self) -> None:
        """Write the waiting rows as one part file now (however few)."""
        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows, schema=PARQUET_SCHEMA)
        final = self.parts / f"part-{self._next:06d}.parquet"
        tmp = final.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pq.write_table(table, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        self._next += 1
        self._rows = []

    def flush(self) -> None:
        """Parts are durable once written; rows still waiting are not (the job records only whole parts)."""

    def close(self) -> None:
        self.end_part()
        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, PARQUET_SCHEMA) as out:
            for _, part in sorted(parts_of(self.path).items()):
                out.write_table(pq.read_table(part, schema=PARQUET_SCHEMA))
        os.replace(tmp, self.path)
        if not self.keep_parts:
            self.cleanup()

    def abort(self) -> None:
        self._rows = []

    def cleanup(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


def open_writer(
    path: str | Path | None,
    fmt: str,
    *,
    resume_from: int | None = None,
    rows_per_part: int = 10_000,
    keep_parts: bool = False,
) -> Writer:
    """A writer for `fmt` ("jsonl" or "parquet"); `path=None` writes JSONL to stdout.

    `resume_from` is the `position` an earlier run recorded (None: start afresh).
    """
    if fmt == "jsonl":
        return JsonlWriter(path, resume_from=resume_from)
    if fmt == "parquet":
        if path is None:
            raise ValueError("Parquet cannot be written to stdout; give an output file with -o")
        return ParquetWriter(path, resume_from=resume_from, rows_per_part=rows_per_part, keep_parts=keep_parts)
    raise ValueError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}")
