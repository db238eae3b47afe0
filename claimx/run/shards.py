"""Many input files into an output folder: one output per input file, `--shard i/N`, always resumable.

`run_shard(inputs, out_dir, shard=(i, n))` takes every `n`-th input file (file `k` of the sorted list
belongs to shard `k % n`) and writes, for each, `OUT_DIR/<name>.jsonl` (or `.parquet`) with its error
report `<name>.errors.jsonl` and its run record `<name>.jsonl.manifest.json` (see `claimx.run.jobs`).
Rerunning the same command skips the files that are complete and resumes the others at the record
where they stopped, so an array job can be killed at any point and simply run again.

After each file, the shard's manifest `OUT_DIR/claimx-shard-<i>-of-<n>.json` is rewritten atomically:
per input file its size and SHA-256, the output and error report with their SHA-256, and the counts.
A file that cannot be read at all is reported there (and on stderr) and the others go on.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, Interrupted, UsageError
from ..io.readers import SUFFIXES, collect_inputs
from ..models.spec import load_spec
from ..options import ExtractOptions
from .jobs import Manifest, manifest_path, run_extract, write_json_atomic

if TYPE_CHECKING:
    from ..extractor import Extractor

__all__ = ["FileDone", "ShardSummary", "output_names", "parse_shard", "run_shard", "shard_files"]

_CHUNK = 1 << 20


def parse_shard(spec: str | None) -> tuple[int, int]:
    """`"i/N"` (0 ≤ i < N) → `(i, N)`; None → `(0, 1)`."""
    if spec is None:
        return 0, 1
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise UsageError(f"--shard {spec!r} is not i/N; e.g. --shard 0/8 for the first of 8 shards") from None
    if n < 1 or not 0 <= i < n:
        raise UsageError(f"--shard {spec}: need 0 <= i < N (shards are numbered from 0), e.g. --shard 0/{max(n, 1)}")
    return i, n


def shard_files(files: Sequence[Path], shard: tuple[int, int]) -> list[Path]:
    """The files of shard `i` of `n`: every `n`-th of the sorted list, starting at `i`."""
    i, n = shard
    return [p for k, p in enumerate(sorted(files)) if k % n == i]


def _stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def output_names(files: Sequence[Path]) -> dict[Path, str]:
    """Each input file's output name without suffix: its name without the input ending (`pubmed25n0001.xml.gz`
    → `pubmed25n0001`); an error when two inputs would share one."""
    names: dict[str, Path] = {}
    for p in files:
        stem = _stem(p)
        if stem in names:
            raise UsageError(f"{names[stem]} and {p} would both be written to {stem}.*; rename one or run them separately")
        names[stem] = p
    return {p: s for s, p in names.items()}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class FileDone:
    """One input file's line in the shard manifest."""

    input: str
    input_bytes: int
    input_sha256: str
    output: str | None = None
    output_sha256: str | None = None
    errors: str | None = None
    errors_sha256: str | None = None
    records: int = 0
    written: int = 0
    failed: int = 0
    seconds: float = 0.0
    error: str | None = None  # the file could not be processed at all: why


@dataclass
class ShardSummary:
    """What a shard run did; `files` as in the shard manifest."""

    shard: tuple[int, int]
    files: list[FileDone] = field(default_factory=list)
    skipped_files: int = 0  # complete before this run
    seconds: float = 0.0

    @property
    def failed_files(self) -> list[FileDone]:
        return [f for f in self.files if f.error is not None]

    def line(self) -> str:
        i, n = self.shard
        records = sum(f.records for f in self.files)
        written = sum(f.written for f in self.files)
        failed = sum(f.failed for f in self.files)
        bad = f", {len(self.failed_files)} files could not be processed" if self.failed_files else ""
        return (
            f"claimx: shard {i}/{n}: {len(self.files)} files ({self.skipped_files} already done){bad}; "
            f"{records} records, {written} written, {failed} failed, in {self.seconds:.1f} s"
        )


def run_shard(
    inputs: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    shard: tuple[int, int] = (0, 1),
    options: ExtractOptions = ExtractOptions(),
    extractor: Extractor | None = None,
) -> ShardSummary:
    """Extract every input file of `shard` into `out_dir`, one output per input file, resuming what was
    done (see the module docstring). Raises `UsageError` / `InputError` / `ModelError` before any output;
    a file that fails during the run is recorded in the shard manifest and the others go on."""
    fmt = options.format or "jsonl"
    specs = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if any(str(s) == "-" for s in specs):
        raise UsageError("--out-dir needs input files, not stdin (-); use -o for stdin")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out-dir {out} is a file; give a folder (it is created if missing)")
    out_real = out.resolve()
    files = collect_inputs(specs, input_format=options.input_format, exclude=lambda p: out_real in p.resolve().parents)
    files = [p.resolve() for p in files]
    names = output_names(files)
    mine = shard_files(files, shard)
    out.mkdir(parents=True, exist_ok=True)
    i, n = shard
    summary = ShardSummary(shard)
    shard_file = out / f"claimx-shard-{i:05d}-of-{n:05d}.json"
    spec = extractor.spec if extractor is not None else load_spec(options.model)
    label = spec.label
    start = time.perf_counter()

    def record(complete: bool) -> None:
        write_json_atomic(shard_file, {"shard": f"{i}/{n}", "model": label, "format": fmt, "files_in_shard": len(mine),
                                       "complete": complete, "files": [asdict(f) for f in summary.files]})

    for path in mine:
        target = out / f"{names[path]}.{fmt}"
        errors = out / f"{names[path]}.errors.jsonl"
        mfile = manifest_path(target)
        previous = _manifest(mfile)
        done = FileDone(str(path), path.stat().st_size, sha256(path))
        if previous is not None and previous.complete and target.exists():
            summary.skipped_files += 1
        else:
            if extractor is None:
                from ..extractor import Extractor

                extractor = Extractor.from_options(replace(options, model=spec))
            try:
                run_extract(path, target, options=replace(options, format=fmt), errors=errors,
                            resume=previous is not None, extractor=extractor)
            except (InputError, UsageError, OSError) as e:
                done.error = str(e)
                print(f"claimx: error: {path}: {e}; the other files go on", file=sys.stderr)
            except Interrupted:
                record(False)
                raise
            previous = _manifest(mfile)
        if done.error is None and previous is not None:
            done.output, done.output_sha256 = target.name, sha256(target)
            done.errors, done.errors_sha256 = errors.name, sha256(errors) if errors.exists() else None
            done.records, done.written, done.failed, done.seconds = previous.records, previous.written, previous.failed, previous.seconds
        summary.files.append(done)
        record(False)
    summary.seconds = time.perf_counter() - start
    record(not summary.failed_files)
    return summary


def _manifest(path: Path) -> Manifest | None:
    try:
        return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
