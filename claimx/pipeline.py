"""The spaCy pipeline: scispaCy tokenizer → sentences → abbreviations → the claimx model.

`build_nlp()` assembles it; `claimx.load()` wraps it. The same components work in any spaCy
pipeline: `nlp.add_pipe("claimx_model", config={"model": "models/claimx-minilm"})` after a sentence
splitter and an abbreviation detector sets `doc.ents` and `doc._.claims`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from . import abbreviations, sentences  # noqa: F401  (register "claimx_abbreviation_detector", "claimx_sentencizer")
from .claims import decode_claims
from .entities import set_entities
from .model_info import ModelInfo, read_model_info
from .records import MAX_CHARS

if TYPE_CHECKING:
    from .models.claim_inference import DocumentPrediction

__all__ = ["ClaimxModel", "build_nlp"]

# scispaCy's detector warns on every document without abbreviations (its matcher has no patterns).
warnings.filterwarnings("ignore", message=r"\[W036\] The component 'matcher' does not have any patterns")


class ClaimxModel:
    """The trained part of claimx: entity tags (`doc.ents`) and claims (`doc._.claims`).

    It runs the heads the model folder declares in `claimx.json` (`components`). A model folder
    without trained heads yields no entities and no claims: nothing is guessed by rules.
    """

    def __init__(self, nlp: Language, name: str, *, model: str | None, device: str, precision: str = "auto",
                 batch_token_budget: int = 8192) -> None:
        self.name = name
        self.info: ModelInfo = read_model_info(model)
        self.device = device
        Doc.set_extension("claims", default=None, force=True)
        Doc.set_extension("entities", default=None, force=True)  # exact (start, end, label, score)
        Span.set_extension("score", default=1.0, force=True)
        self.tagger = None
        if {"entities", "claims"} & set(self.info.components):
            from .models.inference import EntityTagger

            self.tagger = EntityTagger.load(self.info.path, device=device, precision=precision,
                                            batch_token_budget=batch_token_budget)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    def predict(self, docs: list[Doc]) -> list[DocumentPrediction]:
        """Entities and claim probabilities per doc (no side effects): one batched encoder pass over all docs."""
        from .models.claim_inference import DocumentPrediction, predict_documents

        if self.tagger is None:
            return [DocumentPrediction() for _ in docs]
        items = [(doc.text, _sentence_spans(doc)) for doc in docs]
        if "claims" not in self.info.components:
            return [DocumentPrediction(entities=e) for e in self.tagger(items)]
        t = self.tagger
        items = [(text, spans if spans is not None else [(0, len(text))]) for text, spans in items]
        return predict_documents(t.model, t.tokenizer, items, t.device, batch_token_budget=t.batch_token_budget,
                                 precision=t.precision)

    def set_annotations(self, docs: list[Doc], predictions: list[DocumentPrediction]) -> None:
        settings = self.tagger.model.claims if self.tagger is not None else None
        for doc, pred in zip(docs, predictions):
            if self.tagger is not None:
                set_entities(doc, pred.entities)
            doc._.claims = []
            if settings is not None:
                abbrs = [(a.start_char, a.end_char, a._.long_form.text)
                         for a in (doc._.abbreviations if doc.has_extension("abbreviations") else [])]
                doc._.claims = decode_claims(doc.text, pred.sentences, pred.roles, abbrs,
                                             claim_threshold=settings.claim_threshold,
                                             key_threshold=settings.key_threshold)


def _sentence_spans(doc: Doc) -> list[tuple[int, int]] | None:
    if not doc.has_annotation("SENT_START"):
        return None
    return [(s.start_char, s.end_char) for s in doc.sents]


@Language.factory("claimx_model", default_config={"model": None, "device": "cpu", "precision": "auto",
                                                 "batch_token_budget": 8192})
def make_claimx_model(nlp: Language, name: str, model: str | None, device: str, precision: str,
                      batch_token_budget: int) -> ClaimxModel:
    return ClaimxModel(nlp, name, model=model, device=device, precision=precision, batch_token_budget=batch_token_budget)


def build_nlp(model: str | Path | None = None, *, device: str = "cpu", precision: str = "auto") -> Language:
    """The full claimx spaCy pipeline for the model folder `model` (default: the shipped one); `precision`:
    auto (bf16 where the hardware has it), bf16, fp32 or int8 (CPU)."""
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # a regex in scispaCy's tokenizer rules
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.max_length = MAX_CHARS + 1
    nlp.add_pipe("claimx_sentencizer")
    nlp.add_pipe("claimx_abbreviation_detector")
    nlp.add_pipe("claimx_model", config={"model": str(model) if model else None, "device": device, "precision": precision})
    return nlp
