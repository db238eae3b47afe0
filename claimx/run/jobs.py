"""Extraction jobs: read inputs, run the Extractor, write outputs and the error report, resumably.

A job with an output file keeps a manifest beside it, `OUT.manifest.json`, rewritten atomically after
every durable flush: which inputs, how many input records were consumed (by position, whatever their
ids), how many were written and failed, and how far the output and the error report were durable at
that point. `--resume` cuts both back to that point and goes on after the recorded number of records.
When the run completes, the manifest stays with `"complete": true` as the run's record.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from ..errors import Interrupted, UsageError
from ..io.readers import collect_inputs, read_inputs
from ..io.writers import ParquetWriter, Writer, open_writer, parts_of
from ..models.spec import load_spec
from ..options import ExtractOptions
from ..records import Record, RecordError

if TYPE_CHECKING:
    from ..extractor import Extractor

__all__ = ["Manifest", "Summary", "manifest_path", "run_extract", "write_json_atomic"]

Item = Record | RecordError


@dataclass
class Summary:
    """Counts of one run: every record read ends up written, failed, or skipped (done before)."""

    read: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    complete_before: bool = False  # --resume found the run already complete: nothing was done

    def line(self) -> str:
        if self.complete_before:
            return (
                f"claimx: nothing to do: the run was already complete ({self.skipped} records); "
                "rerun without --resume to do it again"
            )
        rate = self.written / self.seconds if self.seconds else 0.0
        skipped = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"claimx: read {self.read} records, wrote {self.written}, {self.failed} failed{skipped} "
            f"in {self.seconds:.1f} s ({rate:.1f} records/s)"
        )


@dataclass
class Manifest:
    """`OUT.manifest.json`: where a run stands, as of its last durable flush."""

    inputs: list[str]
    format: str
    model: str
    output: str
    errors: str | None  # the error report file; None when errors go to stderr
    records: int = 0  # input records consumed, Records and RecordErrors alike, in input order
    written: int = 0
    failed: int = 0
    output_state: int = 0  # JSONL: bytes of the output; Parquet: complete part files
    errors_bytes: int | None = None  # bytes of the error report (a regular file only)
    complete: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        state = "output_bytes" if self.format == "jsonl" else "output_parts"
        return {(state if k == "output_state" else k): v for k, v in asdict(self).items()}

    def write(self, path: Path) -> None:
        """Write the manifest to `path` atomically (old or new, never half)."""
        write_json_atomic(path, self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        data = dict(data)
        data["output_state"] = data.pop("output_bytes" if data.get("format") == "jsonl" else "output_parts")
        return cls(**data)


def manifest_path(output: str | Path) -> Path:
    """Where the manifest of a run writing `output` lives."""
    out = Path(output)
    return out.with_name(out.name + ".manifest.json")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` through a fsynced temporary file and a rename: old or new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_manifest(path: Path) -> Manifest:
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(f"{path} cannot be read ({e}); rerun without --resume") from None
    return manifest


def _check_writable(path: Path | None, what: str) -> None:
    if path is None:
        return
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write the {what} {path}: folder {parent} does not exist; create it first")
    if path.is_dir():
        raise UsageError(f"cannot write the {what} {path}: it is a folder; give a file name")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write the {what} {path}: permission denied; choose a writable location")


def _is_special(path: Path) -> bool:
    """An existing file that is not a regular one: /dev/null, /dev/stdout on a terminal or pipe, a FIFO."""
    return path.exists() and not path.is_file()


def _named_files(specs: Sequence[str | Path]) -> list[Path]:
    """The inputs named one by one (not through a folder or a glob), resolved."""
    return [Path(s).resolve() for s in specs if str(s) != "-" and Path(s).exists() and not Path(s).is_dir()]


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _open(path: Path | None, fmt: str, what: str, **options: Any) -> Writer:
    try:
        return open_writer(path, fmt, **options)
    except OSError as e:
        raise UsageError(f"cannot write the {what} {path}: {e.strerror or e}; choose a writable location") from None


def run_extract(
    inputs: str | Path | Sequence[str | Path],
    output: str | Path | None = None,
    *,
    options: ExtractOptions = ExtractOptions(),
    errors: str | Path | None = None,
    resume: bool = False,
    extractor: Extractor | None = None,
) -> Summary:
    """Extract claims from every record of `inputs` (a path, folder, glob or "-", or a list of them) into
    `output` (stdout when None), as `options` say; `extractor`: one already loaded (else `Extractor.from_options(options)`).

    Bad records go to `errors` (a JSONL report; stderr when None). Everything that can be checked is
    checked before any output is opened; `UsageError` / `InputError` / `ModelError` say what to fix.
    With `resume`, an interrupted run of the same command goes on where its manifest says it stopped.
    Ctrl-C raises `Interrupted` (a KeyboardInterrupt) once what was done is saved.
    """
    specs = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if not specs:
        raise UsageError("no input given; name a .jsonl, .xml(.gz) or .txt file, a folder, a glob or -")
    out_path = Path(output) if output is not None and str(output) != "-" else None
    err_path = Path(errors) if errors is not None else None
    fmt = options.format or ("parquet" if out_path is not None and out_path.suffix == ".parquet" else "jsonl")
    if fmt == "parquet" and out_path is None:
        raise UsageError("Parquet cannot be written to stdout; give an output file with -o")
    if resume and out_path is None:
        raise UsageError("--resume needs an output file (-o): there is nothing to resume on stdout")

    # where things go, resolved once (a symlink names what it points at); /dev/stdout, /dev/null and pipes
    # are "special": written as they are, never truncated, fsynced, resumed or compared
    out_real = out_path.resolve() if out_path is not None else None
    err_real = err_path.resolve() if err_path is not None else None
    out_special = out_path is not None and _is_special(out_path)
    err_special = err_path is not None and _is_special(err_path)
    if fmt == "parquet" and out_special:
        raise UsageError(f"Parquet needs a regular file for -o, not {out_path}")
    if out_real is not None and out_real == err_real and not out_special:
        raise UsageError(f"-o and --errors are both {out_path}; give the error report its own file")
    named = _named_files(specs)
    for path, real, special, what in ((out_path, out_real, out_special, "output"), (err_path, err_real, err_special, "error report")):
        if real is not None and real in named and not special:
            raise UsageError(f"the {what} {path} is also an input; write it to another file")

    resumable = out_real is not None and not out_special
    manifest_file = manifest_path(out_real) if resumable and out_real is not None else None
    own = {p for p in (out_real, err_real, manifest_file) if p is not None}
    if manifest_file is not None:
        own.add(manifest_file.with_name(manifest_file.name + ".tmp"))
    parts_dir = out_real.with_name(out_real.name + ".parts") if out_real is not None else None

    def is_own(p: Path) -> bool:
        real = p.resolve()
        return real in own or (parts_dir is not None and parts_dir in real.parents)

    files = collect_inputs(specs, input_format=options.input_format, exclude=is_own)
    _check_writable(out_path, "output")
    _check_writable(err_path, "error report")
    input_names = [str(p) if str(p) == "-" else str(p.resolve()) for p in files]
    err_name = None if err_path is None else str(err_path if err_special else err_real)

    previous: Manifest | None = None
    if resume:
        assert out_real is not None
        if not resumable or manifest_file is None:
            raise UsageError(f"--resume needs a regular output file; {out_path} is not one")
        previous = _previous_run(manifest_file, out_real, err_real, err_name, fmt, input_names)
        if previous is not None and previous.complete:
            if fmt == "parquet" and parts_dir is not None:
                shutil.rmtree(parts_dir, ignore_errors=True)  # left by a kill between the record and the clean-up
            return Summary(skipped=previous.records, complete_before=True)
    spec = extractor.spec if extractor is not None else load_spec(options.model)
    if previous is not None and previous.model != spec.label:
        raise UsageError(
            f"{out_path} was written with model {previous.model!r}, this run uses {spec.label!r}; "
            "use the same --model, or rerun without --resume"
        )
    try:
        if extractor is None:
            from ..extractor import Extractor

            extractor = Extractor.from_options(replace(options, model=spec))
    except KeyboardInterrupt:
        if previous is not None:
            raise Interrupted(previous.records, True) from None
        raise Interrupted(0, False, started=False) from None
    label = spec.label

    # open (and truncate) only now that everything that can be checked was
    writer = _open(
        out_real if fmt == "parquet" else out_path,
        fmt,
        "output",
        resume_from=previous.output_state if previous else None,
        **({"rows_per_part": options.rows_per_part, "keep_parts": True} if fmt == "parquet" else {}),
    )
    try:
        report = _open(err_path, "jsonl", "error report", resume_from=previous.errors_bytes if previous else None) if err_path else None
    except UsageError:
        writer.abort()
        raise
    manifest = previous or Manifest(
        inputs=input_names,
        format=fmt,
        model=label,
        output=str(out_real),
        errors=err_name,
    )
    job = _Job(writer, report, manifest_file if resumable else None, manifest, options.progress,
               report_sized=not err_special)
    items = read_inputs(files, options.fields, keep_meta=options.keep_meta, input_format=options.input_format)
    return job.run(items, extractor, options.batch_size)


def _previous_run(
    manifest_file: Path, out: Path, err: Path | None, err_name: str | None, fmt: str, inputs: list[str]
) -> Manifest | None:
    """The manifest of the run to resume, checked against this run and the files on disk (None: start afresh)."""
    parts = out.with_name(out.name + ".parts")
    if not manifest_file.exists():
        if out.exists() or (fmt == "parquet" and parts.exists()):
            raise UsageError(f"no {manifest_file.name}: cannot tell what was done; rerun without --resume")
        return None
    m = _read_manifest(manifest_file)
    name = manifest_file.name
    if m.format != fmt:
        raise UsageError(
            f"{name} records a {m.format} run but this one writes {fmt}; use --format {m.format} or rerun without --resume"
        )
    if m.inputs != inputs:
        raise UsageError(f"the inputs differ from those in {name} ({len(m.inputs)} files); give the same inputs or rerun without --resume")
    if m.errors != err_name:
        where = f"--errors {m.errors}" if m.errors else "no --errors (errors to stderr)"
        raise UsageError(f"the run in {name} was made with {where}; use the same, or rerun without --resume")
    if m.complete:
        if not out.exists():
            raise UsageError(f"{name} says the run is complete, but {out} is missing; rerun without --resume")
        return m
    if fmt == "jsonl" and _size(out) < m.output_state:
        raise UsageError(f"{out} is shorter than {name} records ({_size(out)} < {m.output_state} bytes); rerun without --resume")
    if fmt == "parquet":
        missing = sorted(set(range(m.output_state)) - set(parts_of(out)))
        if missing:
            raise UsageError(f"part {missing[0]} of the {m.output_state} in {parts} is missing; rerun without --resume")
    if err is not None and m.errors_bytes is not None and _size(err) < m.errors_bytes:
        raise UsageError(f"{err} is shorter than {name} records ({_size(err)} < {m.errors_bytes} bytes); rerun without --resume")
    return m


@dataclass
class _Job:
    """One run's writing: results and errors in batches, a manifest after each durable flush."""

    writer: Writer
    report: Writer | None
    manifest_file: Path | None
    manifest: Manifest
    progress: bool
    report_sized: bool  # the error report is a regular file, so its size can be recorded and cut back to
    results: list[dict[str, Any]] = field(default_factory=list)  # not yet written
    failures: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0  # consumed and written (maybe not yet durable: Parquet rows wait for a part)
    written: int = 0
    failed: int = 0
    flushing: bool = False

    def run(self, items: Iterator[Item], extractor: Extractor, batch_size: int) -> Summary:
        m = self.manifest
        skipped, written_before, failed_before = m.records, m.written, m.failed
        self.records, self.written, self.failed = m.records, m.written, m.failed
        start = time.perf_counter()
        bar = tqdm(desc="claimx", unit=" records", disable=not (self.progress and sys.stderr.isatty()), file=sys.stderr)
        try:
            self._checkpoint(force=True)  # a fresh run's manifest replaces a stale one before any output
            for out in extractor.process(_skip(items, m.records, self.manifest_file), batch_size=batch_size):
                (self.failures if isinstance(out, RecordError) else self.results).append(out.to_dict())
                bar.update(1)
                if len(self.results) + len(self.failures) >= batch_size:
                    self._checkpoint()
            self._checkpoint()
            self.flushing = True
            self.writer.close()
            if self.report is not None:
                self.report.close()
            self._record(complete=True, seconds=time.perf_counter() - start)
            self.writer.cleanup()
        except KeyboardInterrupt:
            if not self.flushing:  # interrupted between writes: save what is done
                try:
                    self._checkpoint(end_part=True)
                except KeyboardInterrupt:
                    pass
            self._abort()
            raise Interrupted(self.manifest.records, self.manifest_file is not None) from None
        except BaseException:
            self._abort()
            raise
        finally:
            bar.close()
        return Summary(
            read=self.records,
            written=self.written - written_before,
            failed=self.failed - failed_before,
            skipped=skipped,
            seconds=time.perf_counter() - start,
        )

    def _checkpoint(self, *, force: bool = False, end_part: bool = False) -> None:
        """Write results, then errors, flush both, then record the point in the manifest. For Parquet the
        point only moves when a part file was written. Ctrl-C waits until the checkpoint is whole."""
        with _deferred_interrupt():
            self._write_checkpoint(force=force, end_part=end_part)

    def _write_checkpoint(self, *, force: bool, end_part: bool) -> None:
        self.flushing = True
        before = self.writer.position
        self.writer.write(self.results)
        if end_part and isinstance(self.writer, ParquetWriter):
            self.writer.end_part()
        if self.report is not None:
            self.report.write(self.failures)
        elif self.failures:
            sys.stderr.write("".join(f"claimx: error: {json.dumps(f, ensure_ascii=False)}\n" for f in self.failures))
            sys.stderr.flush()
        _flush(self.writer, self.report)
        self.records += len(self.results) + len(self.failures)
        self.written += len(self.results)
        self.failed += len(self.failures)
        self.results, self.failures = [], []
        if force or not isinstance(self.writer, ParquetWriter) or self.writer.position != before:
            self._record()
        self.flushing = False

    def _record(self, *, complete: bool = False, seconds: float = 0.0) -> None:
        m = replace(
            self.manifest,
            records=self.records,
            written=self.written,
            failed=self.failed,
            output_state=self.writer.position,
            errors_bytes=self.report.position if self.report is not None and self.report_sized else None,
        )
        if complete:
            m.complete = True
            m.seconds = round(m.seconds + seconds, 3)
        if self.manifest_file is not None:
            m.write(self.manifest_file)
        self.manifest = m

    def _abort(self) -> None:
        self.writer.abort()
        if self.report is not None:
            self.report.abort()


@contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then raise it; only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # the default handler raises KeyboardInterrupt


def _skip(items: Iterable[Item], n: int, manifest_file: Path | None) -> Iterator[Item]:
    """Leave out the first `n` input records (done by the run being resumed), by position."""
    it = iter(items)
    if n:
        done = sum(1 for _ in islice(it, n))
        if done < n:
            raise UsageError(
                f"the inputs hold {done} records, fewer than the {n} that {manifest_file} says were done; "
                "they changed since: rerun without --resume"
            )
    yield from it


def _flush(writer: Writer, report: Writer | None) -> None:
    writer.flush()
    if report is not None:
        report.flush()
