"""Shared fixtures: paths to the examples and one Extractor per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLAIMX_SHARED", ROOT.parent / "shared"))
EXAMPLE_JSONL = SHARED / "examples" / "abstract.jsonl"
EXAMPLE_XML = SHARED / "examples" / "pubmed-29768149.xml"
SHIPPED_EXAMPLES = ROOT / "corpora" / "examples" / "abstracts.jsonl"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "examples").is_dir():
        pytest.skip(f"shared data not found at {SHARED}; set CLAIMX_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def extractor():
    import claimx

    return claimx.load(device="cpu")


@pytest.fixture(scope="session")
def example(shared: Path) -> dict:
    import json

    return json.loads(EXAMPLE_JSONL.read_text(encoding="utf-8"))
