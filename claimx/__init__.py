"""claimx: claims — mechanistic, causal, correlational, descriptive — with their drugs, disorders
and outcomes, from biomedical abstracts.

    import claimx
    ex = claimx.load()                      # the shipped model; load(path, device="cuda") for others
    result = ex({"id": "1", "title": "...", "abstract": "..."})
    result.to_dict()                        # the output contract of docs/design.md
    for r in ex.pipe(records, batch_size=64): ...

    results = list(claimx.read_results("claims.jsonl"))   # `claimx extract` output read back
    claimx.to_pandas(results)               # one row per claim (rows="entities", "roles", "abbreviations")
    claimx.render_html(results[:50])        # annotated page (needs Results with text: from an Extractor)
    from claimx.graph import build_graph    # networkx mechanism graph (claimx.report.build_report: the report)
"""

import logging

from .extractor import Extractor, load
from .io.results import read_results
from .model_info import ModelError
from .records import Fields, InvalidRecordError, Record, RecordError
from .results import Abbreviation, Claim, Entity, Result, Role
from .tables import to_pandas
from .views import render_html

__all__ = [
    "Abbreviation",
    "Claim",
    "Entity",
    "Extractor",
    "Fields",
    "InvalidRecordError",
    "ModelError",
    "Record",
    "RecordError",
    "Result",
    "Role",
    "__version__",
    "load",
    "read_results",
    "render_html",
    "to_pandas",
]
__version__ = "0.1.0"

logging.getLogger("claimx").addHandler(logging.NullHandler())
