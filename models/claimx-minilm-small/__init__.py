"""claimx-minilm-small: the claimx model folder as an installable package.

Installed, this package directory *is* the model folder (claimx.json, model.safetensors, tokenizer
files, model card). claimx finds it through the ``claimx.models`` entry point, so
``claimx.load("claimx-minilm-small")`` works; ``claimx.load(claimx_minilm_small.get_model_path())`` does too.
"""

from pathlib import Path


def get_model_path() -> Path:
    """The folder holding the model files."""
    return Path(__file__).resolve().parent
