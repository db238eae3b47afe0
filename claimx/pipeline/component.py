"""The trained spaCy component `claimx_model`: entities (`doc.ents`, `doc._.entities`) and claims (`doc._.claims`).

    nlp.add_pipe("claimx_model", config={"model": "claimx-minilm", "device": "auto"})

after a sentence splitter and an abbreviation detector (`claimx.pipeline.build_nlp` assembles the whole
pipeline). `predict()` runs one batched encoder pass and has no side effects; `set_annotations()`
writes the Docs. A model without a claim component yields entities and no claims: nothing is guessed by rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from ..models.predictor import DEFAULT_TOKEN_BUDGET, DocumentPrediction, Predictor
from ..models.spec import ModelSpec, load_spec
from .abbreviations import abbreviation_mentions
from .claims import decode_claims
from .entities import set_entities

__all__ = ["ClaimxModel"]


class ClaimxModel:
    """Runs a loaded `Predictor` over Docs and sets their entities and claims."""

    def __init__(self, nlp: Language, name: str, predictor: Predictor) -> None:
        self.name = name
        self.predictor = predictor
        Doc.set_extension("claims", default=None, force=True)
        Doc.set_extension("entities", default=None, force=True)  # exact (start, end, label, score)
        Span.set_extension("score", default=1.0, force=True)

    @property
    def spec(self) -> ModelSpec:
        assert self.predictor.spec is not None
        return self.predictor.spec

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    def predict(self, docs: list[Doc]) -> list[DocumentPrediction]:
        """Entities and claim probabilities per doc (no side effects): one batched encoder pass over all docs."""
        return self.predictor.predict([(doc.text, _sentence_spans(doc)) for doc in docs])

    def set_annotations(self, docs: list[Doc], predictions: list[DocumentPrediction]) -> None:
        settings = self.predictor.model.claims
        for doc, pred in zip(docs, predictions):
            set_entities(doc, pred.entities)
            doc._.claims = []
            if settings is not None:
                doc._.claims = decode_claims(doc.text, pred.sentences, pred.roles, abbreviation_mentions(doc),
                                             claim_threshold=settings.claim_threshold,
                                             key_threshold=settings.key_threshold)


def _sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    if not doc.has_annotation("SENT_START"):
        return [(0, len(doc.text))]
    return [(s.start_char, s.end_char) for s in doc.sents]


@Language.factory("claimx_model", default_config={"model": None, "spec": None, "device": "auto", "precision": "auto",
                                                 "batch_token_budget": DEFAULT_TOKEN_BUDGET})
def make_claimx_model(nlp: Language, name: str, model: str | None, spec: dict | None, device: str, precision: str,
                      batch_token_budget: int) -> ClaimxModel:
    """`model`: a model folder or installed model name (None: `$CLAIMX_MODEL` or the default model); `spec`: its
    `claimx.json` when the caller has read it already (`build_nlp` passes its `ModelSpec`), else it is read here."""
    loaded = ModelSpec.from_dict(model, spec) if spec is not None and model is not None else load_spec(model)
    predictor = Predictor.load(loaded, device=device, precision=precision, batch_token_budget=batch_token_budget)
    return ClaimxModel(nlp, name, predictor)
