"""Read `claimx extract` output back: JSONL (`.jsonl`, `.jsonl.gz`) or Parquet files, or folders of them
(an `--out-dir` or `--engine ray` folder), as Results; a line that is not a result becomes a RecordError."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ResultsError
from ..records import RecordError, error_id
from ..results import Result

__all__ = ["read_results", "result_files"]

_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")
_FIX = "give the output of `claimx extract` (one result object per line)"


def _is_results(path: Path) -> bool:
    name = path.name
    return name.endswith(_SUFFIXES) and not name.endswith((".errors.jsonl", ".errors.jsonl.gz"))


def result_files(paths: Iterable[str | Path]) -> list[Path]:
    """The result files named by `paths` (files, or folders searched recursively), in the order given."""
    files: list[Path] = []
    for spec in paths:
        path = Path(spec)
        if path.is_dir():
            # Parquet part files (X.parquet.parts/) are a run's checkpoints, not results of their own
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_results(p)
                           and not any(d.name.endswith(".parts") for d in p.relative_to(path).parents))
            if not found:
                raise ResultsError(f"{path} holds no .jsonl, .jsonl.gz or .parquet results; {_FIX}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ResultsError(f"no such file or folder: {path}")
    return files


def read_results(paths: Iterable[str | Path] | str | Path) -> Iterator[Result | RecordError]:
    """Every result in the files, in order; each unreadable line or row is a RecordError (file, line, why)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for path in result_files(paths):
        if path.name.endswith(".parquet"):
            yield from _parquet(path)
        else:
            yield from _jsonl(path)


def _parse(obj: object, name: str, line: int) -> Result | RecordError:
    rid = error_id(obj.get("id")) if isinstance(obj, dict) else None
    if isinstance(obj, dict) and obj.get("error"):  # a failed record of a Ray run: file/line/error columns
        return RecordError(line=obj.get("line"), id=rid, error=str(obj["error"]), file=str(obj.get("file") or name))
    try:
        return Result.from_dict(obj)
    except ValueError as e:
        return RecordError(line=line, id=rid, error=f"not a claimx result: {e}; {_FIX}", file=name)


def _jsonl(path: Path) -> Iterator[Result | RecordError]:
    opener = gzip.open if path.name.endswith(".gz") else open
    name = str(path)
    try:
        with opener(path, "rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    yield RecordError(line=number, id=None, error=f"not valid JSON ({e}); {_FIX}", file=name)
                    continue
                yield _parse(obj, name, number)
    except (OSError, EOFError) as e:  # unreadable or truncated .gz: what was read stands
        yield RecordError(line=None, id=None, error=f"cannot read the rest of the file: {e}", file=name)


def _parquet(path: Path) -> Iterator[Result | RecordError]:
    import pyarrow.parquet as pq

    name = str(path)
    try:
        table = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a file that is not Parquet
        yield RecordError(line=None, id=None, error=f"not a readable Parquet file ({e}); {_FIX}", file=name)
        return
    row = 0
    for batch in table.iter_batches():
        for obj in batch.to_pylist():
            row += 1
            yield _parse(obj, name, row)
