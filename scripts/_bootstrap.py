"""Put this checkout's `claimx` on `sys.path` for the scripts (run them as `python scripts/NAME.py`).

`import claimx` itself is light (no torch, no spaCy), so a training box that has only torch,
transformers and safetensors can use `claimx.models` and `claimx.eval`. Scripts only; the package
never imports this.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_claimx() -> None:
    """Import this checkout's claimx (the scripts call it before their claimx imports)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import claimx  # noqa: F401


import_claimx()
