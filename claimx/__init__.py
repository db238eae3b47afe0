"""claimx: claims — mechanistic, causal, correlational, descriptive — with their drugs, disorders
and outcomes, from biomedical abstracts.

    import claimx
    ex = claimx.load()                      # the default model; load("claimx-minilm" | folder, device="cuda")
    result = ex({"id": "1", "title": "...", "abstract": "..."})
    result.to_dict()                        # the output contract of docs/design.md
    for r in ex.pipe(records, batch_size=64): ...

    results = list(claimx.read_results("claims.jsonl"))   # `claimx extract` output read back
    claimx.to_pandas(results)               # one row per claim (rows="entities", "roles", "abbreviations")
    claimx.render_html(results[:50])        # annotated page (needs Results with text: from an Extractor)
    from claimx.analysis.graph import build_graph   # networkx mechanism graph (analysis.report: the report)

Importing claimx is cheap: torch and spaCy load when a model or pipeline is first used.
"""

from __future__ import annotations

import logging
import os
from importlib import import_module
from typing import TYPE_CHECKING, Any

# PyTorch's oneDNN (bf16 on CPU) keeps compiled kernels for every input shape (~0.4 MB each, up to 1,024 in each of
# two caches: oneDNN's and ideep's). Batches of abstracts are new shapes all the time, so memory grew with the input
# (+316 MB over 6,000 abstracts). Read at oneDNN's first use; 16 costs no measured speed. See README, Memory.
for _cache in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"):
    os.environ.setdefault(_cache, "16")

from .errors import ClaimxError, InputError, InvalidRecordError, ModelError, ResultsError, UsageError
from .options import ExtractOptions
from .records import Fields, Record, RecordError
from .results import Abbreviation, Claim, Entity, Result, Role

if TYPE_CHECKING:
    from .analysis.tables import to_pandas
    from .analysis.views import render_html
    from .extractor import Extractor, load
    from .io.results import read_results

__all__ = [
    "Abbreviation",
    "Claim",
    "ClaimxError",
    "Entity",
    "ExtractOptions",
    "Extractor",
    "Fields",
    "InputError",
    "InvalidRecordError",
    "ModelError",
    "Record",
    "RecordError",
    "Result",
    "ResultsError",
    "Role",
    "UsageError",
    "__version__",
    "load",
    "read_results",
    "render_html",
    "to_pandas",
]
__version__ = "0.1.0"

# names whose modules import torch, spaCy, pyarrow or pandas: imported on first use
_LAZY = {
    "Extractor": ".extractor",
    "load": ".extractor",
    "read_results": ".io.results",
    "render_html": ".analysis.views",
    "to_pandas": ".analysis.tables",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'claimx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


logging.getLogger("claimx").addHandler(logging.NullHandler())
