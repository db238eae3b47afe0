"""The spaCy component `claimx_linker`: each DRUG / DISORDER entity linked to a MeSH concept.

    nlp.add_pipe("claimx_linker", config={"model": "claimx-minilm"}, after="claimx_model")

It reads `doc._.entities` (set by `claimx_model`) and `doc._.abbreviations` and sets `doc._.concepts`: one
`Concept` or None per entity, in the same order. Offsets and labels are never changed. The lexicon and the
fuzzy threshold come from the model folder (`linker/`, `"linker"` in `claimx.json`; `claimx.linking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from ..errors import ModelError
from ..linking import Linker
from ..models.spec import ModelSpec, load_spec

__all__ = ["ConceptLinker"]


class ConceptLinker:
    """Sets `doc._.concepts` from `doc._.entities` with a loaded `Linker`."""

    def __init__(self, nlp: Language, name: str, linker: Linker) -> None:
        self.name = name
        self.linker = linker
        Doc.set_extension("concepts", default=None, force=True)

    def __call__(self, doc: Doc) -> Doc:
        text, entities, short = _mentions(doc)
        doc._.concepts = self.linker.link_entities(text, entities, short)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Docs in batches: the mentions of a whole batch are linked at once (one fuzzy matrix product), then
        each doc takes its concepts from the linker's cache."""
        for batch in minibatch(docs, size=batch_size):
            views = [_mentions(doc) for doc in batch]
            self.linker.link_many([(text[s:e], label) for text, entities, _ in views for s, e, label in entities])
            for doc, (text, entities, short) in zip(batch, views):
                doc._.concepts = self.linker.link_entities(text, entities, short)
                yield doc


def _mentions(doc: Doc) -> tuple[str, list[tuple[int, int, str]], dict[str, str]]:
    """The doc's text, its entities as (start, end, label) and its short forms -> long forms."""
    entities = doc._.entities if doc.has_extension("entities") and doc._.entities is not None else []
    short = {a.text: a._.long_form.text for a in (doc._.abbreviations if doc.has_extension("abbreviations") else [])
             if getattr(a._, "long_form", None) is not None}
    return doc.text, [(s, e, label) for s, e, label, _ in entities], short


@Language.factory("claimx_linker", default_config={"model": None, "spec": None})
def make_concept_linker(nlp: Language, name: str, model: str | None, spec: dict | None) -> ConceptLinker:
    """`model`: a model folder or installed model name (None: the default model); `spec`: its `claimx.json`
    when the caller has read it (`build_nlp` does). Raises `ModelError` when the model has no linker."""
    loaded = ModelSpec.from_dict(model, spec) if spec is not None and model is not None else load_spec(model)
    if loaded.linker is None:
        raise ModelError(f"{loaded.label} has no concept linker ('linker' is not in the components of its claimx.json); "
                         "build one with scripts/build_lexicon.py --model FOLDER")
    folder = loaded.path / loaded.linker.folder
    if not folder.is_dir():
        raise ModelError(f"{folder} is missing: the model's claimx.json lists a linker; restore the folder from the release")
    return ConceptLinker(nlp, name, Linker.load(folder, threshold=loaded.linker.threshold).prepare())
