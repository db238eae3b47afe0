"""How a run reads, computes and writes: `ExtractOptions`, checked once, shared by every runner.

The same options drive `Extractor.from_options`, local runs (`claimx.run.jobs.run_extract`), sharded runs
(`claimx.run.shards.run_shard`) and Ray (`claimx.run.distributed.run_ray`); the command line builds them
from its flags. Nothing here imports torch or spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ModelError, UsageError
from .records import Fields

if TYPE_CHECKING:
    from .models.spec import ModelSpec

__all__ = ["DEVICES", "INPUT_FORMATS", "OUTPUT_FORMATS", "PRECISIONS", "ExtractOptions", "check_runtime"]

#: Where the model runs (also `cuda:N`); `auto`: a GPU when one is visible.
DEVICES = ("auto", "cpu", "cuda")
#: How the model computes. `auto`: bf16 where the hardware has it (CUDA with bf16, CPUs with AMX or
#: AVX512-BF16), else fp32; `int8`: dynamically quantized Linear layers, CPU only.
PRECISIONS = ("auto", "bf16", "fp32", "int8")
#: Input formats, when a file's name does not tell (`--input-format`).
INPUT_FORMATS = ("jsonl", "xml", "txt")
#: Output formats (`--format`).
OUTPUT_FORMATS = ("jsonl", "parquet")


def check_runtime(device: str, precision: str) -> None:
    """`ModelError` for a device or precision claimx does not know (whether the hardware has it is checked
    when the model loads)."""
    if device not in DEVICES and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r}; use {', '.join(DEVICES)} (or cuda:N)")
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; use {', '.join(PRECISIONS)}")


@dataclass(frozen=True)
class ExtractOptions:
    """Options of an extraction run, checked when made: `UsageError`, or `ModelError` for an unknown device or
    precision (whether the hardware has them is checked when the model loads)."""

    model: str | Path | ModelSpec | None = None  # a model folder, an installed model's name or its spec; None: default
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 256  # records per batch; outputs are flushed (and resumable) per batch
    fields: Fields = field(default_factory=Fields)
    keep_meta: bool = False  # pass other input fields through under `meta`
    input_format: str | None = None  # jsonl, xml or txt when a file's name does not tell (checked by the readers)
    format: str | None = None  # jsonl or parquet; None: from the output's suffix, else jsonl
    rows_per_part: int = 10_000  # Parquet: rows per part file (one resume point each)
    progress: bool = False  # a progress bar on a terminal

    def __post_init__(self) -> None:
        check_runtime(self.device, self.precision)
        if self.batch_size < 1:
            raise UsageError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.rows_per_part < 1:
            raise UsageError(f"--rows-per-part must be at least 1, got {self.rows_per_part}")
        if self.format is not None and self.format not in OUTPUT_FORMATS:
            raise UsageError(f"unknown output format {self.format!r}; use --format {' or '.join(OUTPUT_FORMATS)}")
