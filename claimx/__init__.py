"""claimx: claims — mechanistic, causal, correlational, descriptive — with their drugs, disorders
and outcomes, from biomedical abstracts.

    import claimx
    ex = claimx.load()                      # the shipped model; load(path, device="cuda") for others
    result = ex({"id": "1", "title": "...", "abstract": "..."})
    result.to_dict()                        # the output contract of docs/design.md
    for r in ex.pipe(records, batch_size=64): ...
"""

import logging

from .extractor import Extractor, load
from .model_info import ModelError
from .records import Fields, InvalidRecordError, Record, RecordError
from .results import Abbreviation, Claim, Entity, Result, Role

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
]
__version__ = "0.1.0"

logging.getLogger("claimx").addHandler(logging.NullHandler())
