"""The spaCy pipeline: scispaCy tokenizer → `claimx_sentencizer` → `claimx_abbreviation_detector` →
`claimx_model` (entities and claims) → `claimx_linker` (MeSH concepts, when the model has a linker).

`build_nlp()` assembles it; `claimx.load()` wraps it; `build_base_nlp()` is the part before the model.
Importing this package registers the four factories, so they work in any spaCy pipeline:
`nlp.add_pipe("claimx_model", config={"model": ...})` after a sentence splitter and an abbreviation detector.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import spacy
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.language import Language

from ..models.spec import ModelSpec, load_spec
from ..records import MAX_CHARS
from . import abbreviations, component, linker, sentences  # noqa: F401  (register the factories)

__all__ = ["build_base_nlp", "build_nlp"]

# scispaCy's detector warns on every document without abbreviations (its matcher has no patterns).
warnings.filterwarnings("ignore", message=r"\[W036\] The component 'matcher' does not have any patterns")


def build_nlp(model: str | Path | ModelSpec | None = None, *, device: str = "auto", precision: str = "auto") -> Language:
    """The full claimx spaCy pipeline for `model` (a folder, an installed model name, or its `ModelSpec`, which
    the component then takes as it is; None: the default model) on `device`; `precision`: auto (bf16 where the
    hardware has it), bf16, fp32 or int8 (CPU)."""
    nlp = build_base_nlp()
    if isinstance(model, ModelSpec):
        config = {"model": str(model.path), "spec": model.to_dict()}
    else:
        config = {"model": None if model is None else str(model)}
    nlp.add_pipe("claimx_model", config={**config, "device": device, "precision": precision})
    if (model if isinstance(model, ModelSpec) else load_spec(model)).linker is not None:
        nlp.add_pipe("claimx_linker", config=config)
    return nlp


def build_base_nlp() -> Language:
    """Tokenizer, sentences and abbreviations: the pipeline up to the model (no weights)."""
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # a regex in scispaCy's tokenizer rules
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.max_length = MAX_CHARS + 1
    nlp.add_pipe("claimx_sentencizer")
    nlp.add_pipe("claimx_abbreviation_detector")
    return nlp
