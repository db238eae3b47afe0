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
    batch_size: int = typer.Option(64, "--batch-size", help="Records per batch; JSONL output and the error report are flushed each batch."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
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
) -> None:
    """Extract entities, abbreviations and claims; one JSON record per input record."""
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
            fields=Fields(tuple(id_field), tuple(title_field), tuple(text_field)),
            keep_meta=keep_meta,
            input_format=input_format,
            rows_per_part=rows_per_part,
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


@app.callback()
def _root() -> None:
    """claimx: claims, drugs, disorders and outcomes from biomedical abstracts."""


def main() -> None:
    app()
