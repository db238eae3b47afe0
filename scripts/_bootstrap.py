"""Make ``claimx.models`` / ``claimx.eval`` importable on a bare training box.

``claimx/__init__.py`` imports the spaCy pipeline; a GPU machine that only trains and scores the
encoder needs torch + transformers + safetensors, not spaCy/scispaCy. When the full package cannot
be imported for lack of one of those, ``claimx`` is registered as a bare package so its
torch-only submodules load. Scripts only; the package never imports this.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_OPTIONAL = {"spacy", "scispacy", "thinc", "datasets", "typer", "lxml", "pyarrow"}


def import_claimx() -> bool:
    """Import claimx; returns False when it fell back to the bare (spaCy-free) package."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        import claimx  # noqa: F401
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in _OPTIONAL:
            raise
        for name in [m for m in sys.modules if m == "claimx" or m.startswith("claimx.")]:
            del sys.modules[name]
        pkg = types.ModuleType("claimx")
        pkg.__path__ = [str(ROOT / "claimx")]
        sys.modules["claimx"] = pkg
        print(f"note: {e.name} is not installed; using claimx's torch-only modules", file=sys.stderr)
        return False
    return True
