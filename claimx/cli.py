"""The `claimx` command line: thin Typer wrappers over `claimx.jobs`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .io.readers import InputError
from .jobs import Interrupted, JobError, run_extract
from .model_info import ModelError
from .records import Fields

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract claims from biomedical abstracts.")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"claimx: error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def extract(
    inputs: list[str] = typer.Argument(
        ...,
        metavar="INPUT...",
        help="One or more .jsonl(.gz), PubMed .xml(.gz) or .txt(.gz) files, folders or globs, or - for JSONL on stdin.",
    ),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: JSONL on stdout)."),
    format: Optional[str] = typer.Option(None, "--format", help="jsonl or parquet (default: from the -o suffix, else jsonl)."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Error report, one JSON line per bad record (default: stderr)."),
    batch_size: int = typer.Option(256, "--batch-size", help="Records per batch; JSONL output and the error report are flushed each batch."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
    precision: str = typer.Option("auto", "--precision", help="auto (bf16 where the hardware has it), bf16, fp32 or int8 (CPU)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: the shipped model)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same command from OUT.manifest.json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no summary."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 if any record failed."),
    id_field: list[str] = typer.Option(["id", "pmid"], "--id-field", help="JSONL field(s) holding the id."),
    title_field: list[str] = typer.Option(["title"], "--title-field", help="JSONL field(s) holding the title."),
    text_field: list[str] = typer.Option(["abstract", "text"], "--text-field", help="JSONL field(s) holding the text."),
    keep_meta: bool = typer.Option(False, "--keep-meta", help="Pass other input fields through under 'meta'."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="jsonl, xml or txt, when the file name does not tell."),
    rows_per_part: int = typer.Option(10_000, "--rows-per-part", help="Parquet: rows per part file, i.e. per resume checkpoint."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="One output per input file in this folder; a rerun resumes (see README)."),
    shard: Optional[str] = typer.Option(None, "--shard", help="i/N: with --out-dir, only every N-th input file from the i-th (0-based), for array jobs."),
    engine: str = typer.Option("local", "--engine", help="local, or ray (needs claimx[ray] and --out-dir; RAY_ADDRESS picks the cluster)."),
    workers: int = typer.Option(1, "--workers", help="Ray: model actors (one model each)."),
    gpus_per_worker: float = typer.Option(0, "--gpus-per-worker", help="Ray: GPUs per model actor."),
) -> None:
    """Extract entities, abbreviations and claims; one JSON record per input record."""
    fields = Fields(tuple(id_field), tuple(title_field), tuple(text_field))
    if engine not in ("local", "ray"):
        raise _fail(f"unknown --engine {engine!r}; use local or ray")
    if (out_dir is not None or engine == "ray") and (output is not None or resume or errors is not None):
        raise _fail("--out-dir (and --engine ray) name their own outputs and always resume; leave out -o, --errors and --resume")
    if shard is not None and (out_dir is None or engine == "ray"):
        raise _fail("--shard needs --out-dir and the local engine (Ray spreads the work itself)")
    if engine == "ray":
        if out_dir is None:
            raise _fail("--engine ray writes a folder of files; give it with --out-dir")
        _extract_ray(inputs, out_dir, format or "parquet", model, device, precision, batch_size, workers, gpus_per_worker,
                     fields, keep_meta, input_format, quiet)
        return
    if out_dir is not None:
        _extract_dir(inputs, out_dir, shard, format or "jsonl", model, device, precision, batch_size, fields, keep_meta,
                     input_format, rows_per_part, quiet, strict)
        return
    try:
        summary = run_extract(
            inputs,
            output,
            fmt=format,
            errors=errors,
            batch_size=batch_size,
            device=device,
            model=model,
            resume=resume,
            progress=not quiet,
            fields=fields,
            keep_meta=keep_meta,
            input_format=input_format,
            rows_per_part=rows_per_part,
            precision=precision,
        )
    except (InputError, JobError, ModelError) as e:
        raise _fail(str(e)) from None
    except Interrupted as e:
        typer.echo(f"claimx: {e}", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `claimx extract ... | head`: the reader left; not an error
        raise typer.Exit(0) from None
    except OSError as e:  # a file that cannot be opened or written during the run (disk full, ...)
        where = f" ({e.filename})" if e.filename else ""
        raise _fail(f"{e.strerror or e}{where}; fix that and rerun with --resume if -o was a file", 1) from None
    if not quiet:
        typer.echo(summary.line(), err=True)
    if summary.failed and (strict or not summary.written and not summary.skipped):
        raise typer.Exit(1)


def _extract_dir(inputs: list[str], out_dir: Path, shard: str | None, fmt: str, model: Path | None, device: str,
                 precision: str, batch_size: int, fields: Fields, keep_meta: bool, input_format: str | None, rows_per_part: int,
                 quiet: bool, strict: bool) -> None:
    from .shards import parse_shard, run_shard

    try:
        summary = run_shard(inputs, out_dir, shard=parse_shard(shard), fmt=fmt, batch_size=batch_size, device=device,
                            model=model, progress=not quiet, fields=fields, keep_meta=keep_meta,
                            input_format=input_format, rows_per_part=rows_per_part, precision=precision)
    except (InputError, JobError, ModelError) as e:
        raise _fail(str(e)) from None
    except Interrupted as e:
        typer.echo(f"claimx: interrupted after {e.records} records of the current file; rerun the same command to continue", err=True)
        raise typer.Exit(130) from None
    if not quiet:
        typer.echo(summary.line(), err=True)
    if summary.failed_files or (strict and any(f.failed for f in summary.files)):
        raise typer.Exit(1)


def _extract_ray(inputs: list[str], out_dir: Path, fmt: str, model: Path | None, device: str, precision: str, batch_size: int,
                 workers: int, gpus: float, fields: Fields, keep_meta: bool, input_format: str | None, quiet: bool) -> None:
    try:
        from .distributed import run_ray
    except ImportError:
        raise _fail('the Ray engine needs Ray: pip install "claimx[ray]"') from None
    if fmt not in ("jsonl", "parquet"):
        raise _fail(f"unknown output format {fmt!r}; use --format jsonl or parquet")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise _fail(f"--out-dir {out_dir} is not empty; Ray writes a fresh folder: give a new or empty one")
    try:
        rows = run_ray(inputs, out_dir, fmt=fmt, model=model, device=device, batch_size=batch_size, concurrency=workers,
                       num_gpus=gpus, fields=fields, keep_meta=keep_meta, input_format=input_format,
                       precision=precision)
    except (InputError, JobError, ModelError) as e:
        raise _fail(str(e)) from None
    if not quiet:
        typer.echo(f"claimx: ray: wrote {rows} rows to {out_dir} (rows with a non-null 'error' are records that failed)", err=True)


_RESULTS = typer.Argument(..., metavar="CLAIMS...", help="Output of claimx extract: .jsonl(.gz) or .parquet files, or folders of them.")


def _echo_error(error) -> None:
    """One error-report line (a RecordError as JSON) on stderr."""
    import json

    typer.echo(json.dumps(error.to_dict(), ensure_ascii=False), err=True)


class _Results:
    """The results of `paths`, streamed once; each unreadable line is printed to stderr as an error-report line."""

    def __init__(self, paths: list[Path]) -> None:
        from .io.results import ResultsError, result_files

        try:
            result_files(paths)  # a missing path is a usage error before anything is read
        except ResultsError as e:
            raise _fail(str(e)) from None
        self.paths, self.read = paths, 0

    def __iter__(self):
        from .io.results import read_results
        from .records import RecordError

        for item in read_results(self.paths):
            if isinstance(item, RecordError):
                _echo_error(item)
            else:
                self.read += 1
            yield item

    def check(self) -> None:
        if not self.read:
            raise _fail("no readable results in " + ", ".join(map(str, self.paths)), 1)


def _write_text(path: Optional[Path], text: str) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise _fail(f"cannot write {path}: {e.strerror or e}") from None


@app.command()
def show(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Abstracts, as for claimx extract."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="HTML page to write (default: stdout)."),
    results: list[Path] = typer.Option([], "--results", help="Show these claimx extract outputs (joined with INPUT by id) instead of running the model."),
    limit: int = typer.Option(50, "--limit", help="Show the first N records; 0 for all."),
    title: str = typer.Option("claimx", "--title", help="Page title."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: the shipped model)."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
    precision: str = typer.Option("auto", "--precision", help="auto, bf16, fp32 or int8 (CPU)."),
    id_field: list[str] = typer.Option(["id", "pmid"], "--id-field", help="JSONL field(s) holding the id."),
    title_field: list[str] = typer.Option(["title"], "--title-field", help="JSONL field(s) holding the title."),
    text_field: list[str] = typer.Option(["abstract", "text"], "--text-field", help="JSONL field(s) holding the text."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="jsonl, xml or txt, when the file name does not tell."),
) -> None:
    """An HTML page of abstracts with their entities, claims and roles marked (self-contained)."""
    from .records import RecordError
    from .views import render_html, results_to_show

    from .io.results import ResultsError

    fields = Fields(tuple(id_field), tuple(title_field), tuple(text_field))
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        raise _fail(f"-o {output}: name the page .html")
    if limit < 0:
        raise _fail(f"--limit {limit}: give a number of records, or 0 for all")
    try:
        items = list(results_to_show(inputs, results=results, limit=limit or None, fields=fields,
                                     input_format=input_format, model=model, device=device, precision=precision))
    except (InputError, ModelError, ResultsError) as e:
        raise _fail(str(e)) from None
    for item in items:
        if isinstance(item, RecordError):
            _echo_error(item)
    _write_text(output, render_html(items, title=title))
    if not items:
        raise _fail("nothing to show: no records in the input" + (" or the results" if results else ""), 1)
    if all(isinstance(item, RecordError) for item in items):
        raise _fail("nothing to show: every record failed (see the lines above)", 1)


@app.command()
def report(
    claims: list[Path] = _RESULTS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="HTML report to write (default: stdout)."),
    title: str = typer.Option("claimx corpus report", "--title", help="Report title."),
    link: Optional[str] = typer.Option(None, "--link", help="URL template for source ids, with {id} (default: PubMed for numeric ids)."),
    top: int = typer.Option(25, "--top", help="Rows in the table of mechanistic relations."),
) -> None:
    """A corpus report: claim counts, plots, top agents/mechanisms/effects, most supported mechanistic relations."""
    from .report import build_report, check_link

    if link is not None:
        try:
            check_link(link)
        except ValueError as e:
            raise _fail(f"--link: {e}") from None
    if top < 0:
        raise _fail(f"--top {top}: give a number of rows")
    results = _Results(claims)
    page = build_report(results, title=title, link=link, top=top)
    results.check()
    _write_text(output, page)


@app.command()
def graph(
    claims: list[Path] = _RESULTS,
    output: Path = typer.Option(..., "-o", "--output", help="graph.graphml, or graph.csv for graph.nodes.csv + graph.edges.csv (Neo4j import)."),
    min_support: int = typer.Option(1, "--min-support", help="Keep edges stated by at least N abstracts."),
) -> None:
    """The mechanism graph: concepts merged across abstracts, edges with support, contradiction and evidence."""
    from .graph import build_graph, graph_paths, write_graph

    try:
        graph_paths(output)
    except ValueError as e:
        raise _fail(str(e)) from None
    results = _Results(claims)
    g = build_graph(results, min_support=min_support)
    results.check()
    try:
        paths = write_graph(g, output)
    except OSError as e:
        raise _fail(f"cannot write {output}: {e.strerror or e}") from None
    typer.echo(f"claimx: graph of {g.number_of_nodes()} concepts and {g.number_of_edges()} relations "
               f"written to {', '.join(map(str, paths))}", err=True)


@app.callback()
def _root() -> None:
    """claimx: claims, drugs, disorders and outcomes from biomedical abstracts."""


def main() -> None:
    app()
