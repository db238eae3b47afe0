"""The `claimx` command line: thin Typer wrappers, each over one function of the package.

Only Typer and claimx's light modules are imported here; each command imports what it runs, so
`claimx graph --help` does not pay for torch or spaCy. Exit status: 0; 1 when nothing could be done
(or, with `--strict`, when a record failed); 2 for usage errors, printed as one line with the error's
code (`claimx: error: [E003] ...`); 130 after Ctrl-C.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from .errors import ClaimxError, Interrupted
from .options import ExtractOptions
from .records import Fields, RecordError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract claims from biomedical abstracts.")

_INPUTS_HELP = "One or more .jsonl(.gz), PubMed .xml(.gz) or .txt(.gz) files, folders or globs, or - for JSONL on stdin."
_RESULTS = typer.Argument(..., metavar="CLAIMS...", help="Output of claimx extract: .jsonl(.gz) or .parquet files, or folders of them.")
_MODEL = typer.Option(None, "--model", help="Model folder or installed model name (default: claimx-minilm-small).")
_DEVICE = typer.Option("auto", "--device", help="cpu, cuda or auto.")
_PRECISION = typer.Option("auto", "--precision", help="auto (bf16 where the hardware has it), bf16, fp32 or int8 (CPU).")
_ID_FIELD = typer.Option(["id", "pmid"], "--id-field", help="JSONL field(s) holding the id.")
_TITLE_FIELD = typer.Option(["title"], "--title-field", help="JSONL field(s) holding the title.")
_TEXT_FIELD = typer.Option(["abstract", "text"], "--text-field", help="JSONL field(s) holding the text.")
_INPUT_FORMAT = typer.Option(None, "--input-format", help="jsonl, xml or txt, when the file name does not tell.")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"claimx: error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _exit_codes(interrupted: str = "") -> Iterator[None]:
    """claimx's errors → one line and exit 2; Ctrl-C → 130; a closed pipe → 0; a failing file → 1."""
    try:
        yield
    except ClaimxError as e:
        raise _fail(f"[{e.code}] {e}") from None
    except Interrupted as e:
        typer.echo(f"claimx: {interrupted.format(records=e.records) if interrupted else e}", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `claimx extract ... | head`: the reader left; not an error
        raise typer.Exit(0) from None
    except OSError as e:  # a file that cannot be opened or written during the run (disk full, ...)
        where = f" ({e.filename})" if e.filename else ""
        raise _fail(f"{e.strerror or e}{where}; fix that and rerun (with --resume if -o was a file)", 1) from None


@app.command()
def extract(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help=_INPUTS_HELP),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: JSONL on stdout)."),
    format: Optional[str] = typer.Option(None, "--format", help="jsonl or parquet (default: from the -o suffix, else jsonl)."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Error report, one JSON line per bad record (default: stderr)."),
    batch_size: int = typer.Option(256, "--batch-size", help="Records per batch; JSONL output and the error report are flushed each batch."),
    device: str = _DEVICE,
    precision: str = _PRECISION,
    model: Optional[str] = _MODEL,
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same command from OUT.manifest.json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no summary."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 if any record failed."),
    id_field: list[str] = _ID_FIELD,
    title_field: list[str] = _TITLE_FIELD,
    text_field: list[str] = _TEXT_FIELD,
    keep_meta: bool = typer.Option(False, "--keep-meta", help="Pass other input fields through under 'meta'."),
    input_format: Optional[str] = _INPUT_FORMAT,
    rows_per_part: int = typer.Option(10_000, "--rows-per-part", help="Parquet: rows per part file, i.e. per resume checkpoint."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="One output per input file in this folder; a rerun resumes (see README)."),
    shard: Optional[str] = typer.Option(None, "--shard", help="i/N: with --out-dir, only every N-th input file from the i-th (0-based), for array jobs."),
    engine: str = typer.Option("local", "--engine", help="local, or ray (needs claimx[ray] and --out-dir; RAY_ADDRESS picks the cluster)."),
    workers: int = typer.Option(1, "--workers", help="Ray: model actors (one model each)."),
    gpus_per_worker: float = typer.Option(0, "--gpus-per-worker", help="Ray: GPUs per model actor."),
) -> None:
    """Extract entities, abbreviations and claims; one JSON record per input record."""
    if engine not in ("local", "ray"):
        raise _fail(f"unknown --engine {engine!r}; use local or ray")
    if (out_dir is not None or engine == "ray") and (output is not None or resume or errors is not None):
        raise _fail("--out-dir (and --engine ray) name their own outputs and always resume; leave out -o, --errors and --resume")
    if shard is not None and (out_dir is None or engine == "ray"):
        raise _fail("--shard needs --out-dir and the local engine (Ray spreads the work itself)")
    if engine == "ray" and out_dir is None:
        raise _fail("--engine ray writes a folder of files; give it with --out-dir")
    with _exit_codes("interrupted after {records} records of the current file; rerun the same command to continue"
                     if out_dir is not None else ""):
        options = ExtractOptions(model=model, device=device, precision=precision, batch_size=batch_size,
                                 fields=Fields(tuple(id_field), tuple(title_field), tuple(text_field)),
                                 keep_meta=keep_meta, input_format=input_format, format=format,
                                 rows_per_part=rows_per_part, progress=not quiet)
        if engine == "ray":
            _extract_ray(inputs, out_dir, options, workers, gpus_per_worker, quiet)
        elif out_dir is not None:
            from .run.shards import parse_shard, run_shard

            done = run_shard(inputs, out_dir, shard=parse_shard(shard), options=options)
            if not quiet:
                typer.echo(done.line(), err=True)
            if done.failed_files or (strict and any(f.failed for f in done.files)):
                raise typer.Exit(1)
        else:
            from .run.jobs import run_extract

            summary = run_extract(inputs, output, options=options, errors=errors, resume=resume)
            if not quiet:
                typer.echo(summary.line(), err=True)
            if summary.failed and (strict or not summary.written and not summary.skipped):
                raise typer.Exit(1)


def _extract_ray(inputs: list[str], out_dir: Path, options: ExtractOptions, workers: int, gpus: float, quiet: bool) -> None:
    try:
        from .run.distributed import run_ray
    except ImportError:
        raise _fail('the Ray engine needs Ray: pip install "claimx[ray]"') from None
    if out_dir.exists() and any(out_dir.iterdir()):
        raise _fail(f"--out-dir {out_dir} is not empty; Ray writes a fresh folder: give a new or empty one")
    rows = run_ray(inputs, out_dir, options=options, concurrency=workers, num_gpus=gpus)
    if not quiet:
        typer.echo(f"claimx: ray: wrote {rows} rows to {out_dir} (rows with a non-null 'error' are records that failed)", err=True)


def _echo_error(error: RecordError) -> None:
    """One error-report line (a RecordError as JSON) on stderr."""
    typer.echo(json.dumps(error.to_dict(), ensure_ascii=False), err=True)


class _Results:
    """The results of `paths`, streamed once; each unreadable line is printed to stderr as an error-report line."""

    def __init__(self, paths: list[Path]) -> None:
        from .io.results import result_files

        with _exit_codes():
            result_files(paths)  # a missing path is a usage error before anything is read
        self.paths, self.read = paths, 0

    def __iter__(self):
        from .io.results import read_results

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
    model: Optional[str] = _MODEL,
    device: str = _DEVICE,
    precision: str = _PRECISION,
    id_field: list[str] = _ID_FIELD,
    title_field: list[str] = _TITLE_FIELD,
    text_field: list[str] = _TEXT_FIELD,
    input_format: Optional[str] = _INPUT_FORMAT,
) -> None:
    """An HTML page of abstracts with their entities, claims and roles marked (self-contained)."""
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        raise _fail(f"-o {output}: name the page .html")
    if limit < 0:
        raise _fail(f"--limit {limit}: give a number of records, or 0 for all")
    from .analysis.views import render_html
    from .run.show import results_to_show

    with _exit_codes():
        options = ExtractOptions(model=model, device=device, precision=precision, batch_size=64,
                                 fields=Fields(tuple(id_field), tuple(title_field), tuple(text_field)),
                                 input_format=input_format)
        items = list(results_to_show(inputs, results=results, limit=limit or None, options=options))
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
    from .analysis.report import build_report, check_link

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
    from .analysis.graph import build_graph, graph_paths, write_graph

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
