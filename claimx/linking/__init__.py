"""Concept linking: DRUG / DISORDER mentions to MeSH concepts, offline (issue 15).

`normalize` folds strings to lookup keys, `Lexicon` / `read_lexicon` hold what a model's `linker/` folder
ships, `Linker` links (exact, composite, fuzzy: `FuzzyIndex`). The spaCy component is `claimx.pipeline.linker`.
"""

from .fuzzy import FuzzyIndex
from .lexicon import Lexicon, concept_url, read_lexicon, write_lexicon
from .linker import DEFAULT_THRESHOLD, Linker
from .normalize import normalize, split_composite

__all__ = ["DEFAULT_THRESHOLD", "FuzzyIndex", "Lexicon", "Linker", "concept_url", "normalize", "read_lexicon", "split_composite", "write_lexicon"]
