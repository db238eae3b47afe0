"""claimx on Ray Data, for runs past one machine (`pip install "claimx[ray]"`).

    import claimx, claimx.run.distributed as cd
    ds = cd.read_records(["pubmed/"])                  # one row per input record (or read error)
    out = cd.extract_dataset(ds, options=claimx.ExtractOptions(device="cuda"), concurrency=8, num_gpus=1)
    out.write_parquet("s3://bucket/claims/")           # or any Ray Data sink

`claimx extract INPUT... --engine ray --out-dir DIR` does the same from the command line. Every row of
the output holds one record of the output contract (`id`, `entities`, `abbreviations`, `claims`,
`model`, `meta`) plus where it came from (`file`, `line`) and `error`: null for a result, the reason for
a record that could not be read or processed (its other fields are then empty), so nothing read is
lost. The model runs in an actor pool, one model per actor; Ray restarts an actor that dies and
retries its batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..io.readers import collect_inputs, read_inputs
from ..io.writers import PARQUET_SCHEMA
from ..options import ExtractOptions
from ..records import Fields, Record, RecordError

if TYPE_CHECKING:
    import ray.data

__all__ = ["RAY_SCHEMA", "ExtractBatch", "extract_dataset", "read_records", "run_ray"]

#: Arrow schema of the rows `extract_dataset` returns: the output contract, provenance and `error`.
RAY_SCHEMA = PARQUET_SCHEMA.append(pa.field("file", pa.string())).append(pa.field("line", pa.int64())).append(
    pa.field("error", pa.string())
)


def _read_file(row: dict[str, Any], fields: Fields, keep_meta: bool, input_format: str | None) -> Iterator[dict[str, Any]]:
    for item in read_inputs([Path(row["path"])], fields, keep_meta=keep_meta, input_format=input_format):
        if isinstance(item, RecordError):
            yield {"file": item.file, "line": item.line, "id": item.id, "title": None, "abstract": None,
                   "sections": [], "meta": None, "error": item.error}
        else:
            yield {"file": item.source, "line": item.line, "id": item.id, "title": item.title, "abstract": item.abstract,
                   "sections": list(item.sections), "meta": None if item.meta is None else json.dumps(item.meta),
                   "error": None}


def read_records(
    inputs: str | Path | Sequence[str | Path],
    *,
    fields: Fields = Fields(),
    keep_meta: bool = False,
    input_format: str | None = None,
) -> ray.data.Dataset:
    """A Dataset of input records, one file per read task (JSONL, PubMed XML, text; `.gz` too), in the
    columns `extract_dataset` reads. A record that cannot be read is a row with `error` set."""
    import ray.data

    files = collect_inputs(inputs, input_format=input_format)
    if any(str(p) == "-" for p in files):
        raise ValueError("the Ray engine reads files, not stdin (-)")
    paths = ray.data.from_items([{"path": str(p.absolute())} for p in files], override_num_blocks=max(1, len(files)))
    return paths.flat_map(_read_file, fn_kwargs={"fields": fields, "keep_meta": keep_meta, "input_format": input_format})


class ExtractBatch:
    """The actor of the pool: loads the model once, then turns batches of input rows into output rows."""

    def __init__(self, options: ExtractOptions = ExtractOptions()) -> None:
        from ..extractor import Extractor

        self.extractor = Extractor.from_options(replace(options, keep_meta=True))
        self.batch_size = options.batch_size

    def __call__(self, batch: pa.Table) -> pa.Table:
        items: list[Record | RecordError] = []
        for r in batch.to_pylist():
            if r["error"] is not None:
                items.append(RecordError(r["line"], r["id"], r["error"], r["file"]))
            else:
                meta = None if r["meta"] is None else json.loads(r["meta"])
                items.append(Record(r["id"], r["title"], r["abstract"], tuple(r["sections"]), meta, r["file"], r["line"]))
        rows = []
        for item, out in zip(items, self.extractor.process(items, batch_size=self.batch_size)):
            if isinstance(out, RecordError):
                rows.append({"id": out.id, "entities": [], "abbreviations": [], "claims": [], "model": self.extractor.spec.label,
                             "meta": None, "file": out.file, "line": out.line, "error": out.error})
            else:
                row = out.to_dict()
                row["meta"] = json.dumps(row["meta"], ensure_ascii=False) if "meta" in row else None
                rows.append({**row, "file": item.source, "line": item.line, "error": None})
        return pa.Table.from_pylist(rows, schema=RAY_SCHEMA)


def extract_dataset(
    ds: ray.data.Dataset,
    *,
    options: ExtractOptions = ExtractOptions(),
    concurrency: int = 1,
    num_cpus: float | None = None,
    num_gpus: float = 0,
    batch_class: type[ExtractBatch] = ExtractBatch,
) -> ray.data.Dataset:
    """Run claimx over `ds` (rows as `read_records` makes them) with `options` (model, device, precision,
    batch size) in a pool of `concurrency` actors, each with `num_cpus` / `num_gpus`; returns rows in
    `RAY_SCHEMA`. A dead actor is restarted and its batch retried. Leave the read tasks a CPU: a pool
    that takes every CPU of the cluster waits for them forever. `batch_class` may be a subclass of
    `ExtractBatch` (e.g. to add columns)."""
    import ray.data

    return ds.map_batches(
        batch_class,
        fn_constructor_kwargs={"options": options},
        batch_size=options.batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_cpus=num_cpus,
        num_gpus=num_gpus or None,
    )  # Ray Data's actor pools restart dead actors and retry their tasks (max_restarts / max_task_retries -1)


def run_ray(
    inputs: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    options: ExtractOptions = ExtractOptions(),
    concurrency: int = 1,
    num_gpus: float = 0,
    address: str | None = None,
) -> int:
    """`claimx extract --engine ray`: read `inputs`, extract, write `out_dir` as Parquet (default) or JSONL files
    (`options.format`); connects to the cluster at `address` (default: `RAY_ADDRESS`, else a local Ray). Returns
    the rows written."""
    import ray

    fmt = options.format or "parquet"
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    records = read_records(inputs, fields=options.fields, keep_meta=options.keep_meta, input_format=options.input_format)
    out = extract_dataset(records, options=options, concurrency=concurrency, num_gpus=num_gpus)
    if not options.keep_meta:
        out = out.drop_columns(["meta"])
    if fmt == "parquet":
        out.write_parquet(str(out_dir))
    else:
        out.write_json(str(out_dir))
    return _count(Path(out_dir), fmt)


def _files(out: Path, fmt: str) -> list[Path]:
    return sorted(out.glob("*.parquet" if fmt == "parquet" else "*.json*"))


def _count(out: Path, fmt: str) -> int:
    import pyarrow.parquet as pq

    if fmt == "parquet":
        return sum(pq.ParquetFile(p).metadata.num_rows for p in _files(out, fmt))
    return sum(sum(1 for _ in open(p, "rb")) for p in _files(out, fmt))
