"""Extraction jobs: read inputs, run the Extractor, write outputs and the error report, resumably."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .extractor import Extractor, load
from .io.readers import expand_inputs, read_inputs
from .io.writers import done_ids, open_writer
from .records import Fields, Record, RecordError

__all__ = ["JobError", "Summary", "run_extract"]


class JobError(Exception):
    """A job that cannot start (bad output path, bad options); the message says how to fix it."""


@dataclass
class Summary:
    """Counts of one run: every record read ends up written, failed, or skipped (done before)."""

    read: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.written / self.seconds if self.seconds else 0.0
        skipped = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"claimx: read {self.read} records, wrote {self.written}, {self.failed} failed{skipped} "
            f"in {self.seconds:.1f} s ({rate:.1f} records/s)"
        )


def _check_writable(path: Path | None, what: str) -> None:
    if path is None:
        return
    parent = path.resolve().parent
    if not parent.is_dir():
        raise JobError(f"cannot write the {what} {path}: folder {parent} does not exist; create it first")
    if path.is_dir():
        raise JobError(f"cannot write the {what} {path}: it is a folder; give a file name")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise JobError(f"cannot write the {what} {path}: permission denied; choose a writable location")


def _skip_done(items: Iterable[Record | RecordError], done: Counter[str | None], summary: Summary) -> Iterator[Record | RecordError]:
    """Drop records an earlier run already wrote or reported (counting repeats of one id)."""
    for item in items:
        if done[item.id] > 0:
            done[item.id] -= 1
            summary.read += 1
            summary.skipped += 1
            continue
        yield item


def run_extract(
    inputs: str | Path,
    output: str | Path | None = None,
    *,
    fmt: str | None = None,
    errors: str | Path | None = None,
    batch_size: int = 64,
    device: str = "auto",
    model: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    fields: Fields = Fields(),
    keep_meta: bool = False,
    input_format: str | None = None,
    extractor: Extractor | None = None,
) -> Summary:
    """Extract claims from every record of `inputs` into `output` (stdout when None).

    Bad records go to `errors` (a JSONL report; stderr when None). With `resume`, records that an
    earlier, interrupted run of the same command wrote or reported are not done again.
    """
    out_path = Path(output) if output is not None and str(output) != "-" else None
    err_path = Path(errors) if errors is not None else None
    fmt = fmt or ("parquet" if out_path is not None and out_path.suffix == ".parquet" else "jsonl")
    if batch_size < 1:
        raise JobError(f"--batch-size must be at least 1, got {batch_size}")
    if resume and out_path is None:
        raise JobError("--resume needs an output file (-o): there is nothing to resume on stdout")
    if str(inputs) != "-":
        expand_inputs(inputs)  # fail fast on a missing input
    _check_writable(out_path, "output")
    _check_writable(err_path, "error report")
    extractor = extractor or load(model, device=device, fields=fields, keep_meta=keep_meta)

    summary = Summary()
    done = done_ids(out_path, fmt) + done_ids(err_path, "jsonl") if resume else Counter()
    writer = open_writer(out_path, fmt, append=resume)
    report = open_writer(err_path, "jsonl", append=resume) if err_path is not None else None
    start = time.perf_counter()
    bar = tqdm(desc="claimx", unit=" records", disable=not (progress and sys.stderr.isatty()), file=sys.stderr)
    try:
        items = _skip_done(read_inputs(inputs, fields, keep_meta=keep_meta, input_format=input_format), done, summary)
        results, failures = [], []
        for n, out in enumerate(extractor.process(items, batch_size=batch_size), start=1):
            summary.read += 1
            if isinstance(out, RecordError):
                summary.failed += 1
                failures.append(out.to_dict())
            else:
                summary.written += 1
                results.append(out.to_dict())
            if n % batch_size == 0:
                _flush(writer, report, results, failures)
                results, failures = [], []
            bar.update(1)
        _flush(writer, report, results, failures)
    finally:
        bar.close()
        writer.close()
        if report is not None:
            report.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _flush(writer, report, results: list[dict], failures: list[dict]) -> None:  # type: ignore[no-untyped-def]
    writer.write(results)
    writer.flush()
    if report is not None:
        report.write(failures)
        report.flush()
    elif failures:
        sys.stderr.write("".join(f"claimx: error: {json.dumps(f, ensure_ascii=False)}\n" for f in failures))
        sys.stderr.flush()
