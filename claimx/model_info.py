"""Model folders: where they are, what they hold, and the device they run on."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_MODEL", "PRECISIONS", "ModelError", "ModelInfo", "read_model_info", "resolve_device"]

#: How the model computes. ``auto``: bf16 where the hardware has it (CUDA with bf16, CPUs with AMX or
#: AVX512-BF16), else fp32; ``int8``: dynamically quantized Linear layers, CPU only.
PRECISIONS = ("auto", "bf16", "fp32", "int8")

#: The model shipped with claimx (`models/` beside the package); `CLAIMX_MODEL` overrides it.
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "claimx-minilm"


class ModelError(Exception):
    """A model folder or device that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class ModelInfo:
    """What `claimx.json` in a model folder says: name, version and trained components."""

    name: str
    version: str
    path: Path
    components: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The `model` field of every output record."""
        return f"{self.name} {self.version}"


def read_model_info(path: str | Path | None = None) -> ModelInfo:
    """Read a model folder (default: `CLAIMX_MODEL` or the shipped model)."""
    folder = Path(path or os.environ.get("CLAIMX_MODEL") or DEFAULT_MODEL)
    meta = folder / "claimx.json"
    if not meta.is_file():
        raise ModelError(
            f"no claimx model at {folder} (no claimx.json there); pass --model with a folder from models/, "
            "or leave it out to use the shipped default"
        )
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        return ModelInfo(
            name=data["name"], version=data["version"], path=folder, components=tuple(data.get("components", ()))
        )
    except (ValueError, KeyError, TypeError) as e:
        raise ModelError(f"{meta} is not a valid claimx model description ({e}); restore it from the release") from e


def resolve_device(device: str) -> str:
    """`auto` → `cuda` when a GPU is visible, else `cpu`; asking for `cuda` without one is an error."""
    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or auto")
    if device == "cpu":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda" if device == "auto" else device
    if device == "auto":
        return "cpu"
    raise ModelError(f"device {device!r} asked for, but CUDA is not available here; use --device cpu or auto")
