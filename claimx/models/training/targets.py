"""Training windows: the runtime's `Window`s with the targets each source supervises.

Per-piece targets (entity and role BIO tags, ``[len(window), labels]``) hold IGNORE where the loss
must not look: [CLS]/[SEP], pieces another window owns (the overlap is context), and label columns
the source does not annotate. Per-sentence targets: ``allowed`` ``[S, types]`` (the set of allowed
type classes, all False = unsupervised) and ``flags`` ``[S, 3]`` (key / hedged / negated, NaN =
unsupervised).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ...corpora.claim_sources import ClaimDoc
from ...corpora.examples import CORPUS_LABELS, Example
from ...results import RELATIONAL_TYPES
from ..bio import IGNORE, encode_bio
from ..heads import TYPE_CLASSES
from ..spec import EntitySettings
from ..windows import Window, collate, document_windows, rough_sentence_spans, sentence_pieces, tokenize

__all__ = ["TrainingWindow", "claim_targets", "claim_windows", "collate_training", "entity_tags", "entity_windows", "stack_targets",
           "window_tags"]

_TYPE = {name: i for i, name in enumerate(TYPE_CLASSES)}


@dataclass
class TrainingWindow:
    """A `Window` and its targets: ``entities`` / ``roles`` per piece, ``allowed`` / ``flags`` per sentence."""

    window: Window
    targets: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.window)


def window_tags(tags: np.ndarray, window: Window) -> np.ndarray:
    """Document-level tags ``[pieces, k]`` cut to ``window`` (with [CLS]/[SEP]): IGNORE where it does not own."""
    out = np.full((len(window), tags.shape[1]), IGNORE, dtype=np.int64)
    body = tags[window.start:window.end].copy()
    body[~window.owned] = IGNORE
    out[1:-1] = body
    return out


def entity_tags(example: Example, offsets: Sequence[tuple[int, int]], labels: Sequence[str]) -> np.ndarray:
    """Document-level BIO tags ``[pieces, labels]`` of ``example``'s gold spans over pieces at ``offsets``;
    IGNORE in the labels its corpus does not annotate (`CORPUS_LABELS`)."""
    annotated = CORPUS_LABELS.get(example.corpus, tuple({s[2] for s in example.spans}))
    tags = encode_bio(offsets, example.spans, labels)
    tags[:, [j for j, lab in enumerate(labels) if lab not in annotated]] = IGNORE
    return tags


def entity_windows(examples: Sequence[Example], tokenizer, settings: EntitySettings) -> list[TrainingWindow]:
    """Tokenize, window and BIO-encode ``examples`` (labels a corpus does not annotate are IGNORE)."""
    out: list[TrainingWindow] = []
    for d, (ex, p) in enumerate(zip(examples, tokenize(tokenizer, [e.text for e in examples]))):
        tags = entity_tags(ex, p.offsets, settings.labels)
        for w in document_windows(d, p, rough_sentence_spans(ex.text), settings, tokenizer.cls_token_id,
                                  tokenizer.sep_token_id):
            out.append(TrainingWindow(w, {"entities": window_tags(tags, w)}))
    return out


def claim_windows(docs: Sequence[ClaimDoc], tokenizer, settings: EntitySettings, roles: Sequence[str], *,
                  roles_in_claims_only: bool = False) -> list[TrainingWindow]:
    """Tokenize and window ``docs`` with their claim targets (`claim_targets`)."""
    out: list[TrainingWindow] = []
    for d, (doc, p) in enumerate(zip(docs, tokenize(tokenizer, [doc.text for doc in docs]))):
        windows = document_windows(d, p, doc.sentences, settings, tokenizer.cls_token_id, tokenizer.sep_token_id,
                                   standalone=doc.standalone)
        targets = claim_targets(doc, p.offsets, windows, roles, roles_in_claims_only=roles_in_claims_only)
        out += [TrainingWindow(w, t) for w, t in zip(windows, targets)]
    return out


def claim_targets(doc: ClaimDoc, offsets: Sequence[tuple[int, int]], windows: Sequence[Window],
                  roles: Sequence[str], *, roles_in_claims_only: bool = False) -> list[dict[str, np.ndarray]]:
    """The claim targets of ``doc``'s ``windows`` (its pieces at ``offsets``, windowed over ``doc.sentences``):
    ``allowed`` / ``flags`` per sentence, ``roles`` per piece. With ``roles_in_claims_only`` role targets are kept
    only inside sentences labelled as mechanistic, causal or correlational claims (where roles are decoded at
    inference)."""
    if doc.roles is None:
        role_tags = np.full((len(offsets), len(roles)), IGNORE, dtype=np.int64)
    else:
        role_tags = encode_bio(offsets, doc.roles, roles)
        role_tags[:, [j for j, lab in enumerate(roles) if lab not in doc.role_labels]] = IGNORE
        if roles_in_claims_only and not doc.standalone:
            relational = np.asarray([a is not None and set(a) <= RELATIONAL_TYPES for a in doc.allowed] + [False])
            role_tags[~relational[sentence_pieces(offsets, doc.sentences)]] = IGNORE  # -1 → the last False
    out = []
    for w in windows:
        allowed = np.zeros((len(w.sentence_ids), len(TYPE_CLASSES)), dtype=bool)
        flags = np.full((len(w.sentence_ids), 3), np.nan, dtype=np.float32)
        for j, k in enumerate(w.sentence_ids):
            if doc.allowed[k] is not None:
                allowed[j, [_TYPE[t] for t in doc.allowed[k]]] = True
            for c, values in enumerate((doc.key, doc.hedged, doc.negated)):
                if values[k] is not None:
                    flags[j, c] = values[k]
        out.append({"allowed": allowed, "flags": flags, "roles": window_tags(role_tags, w)})
    return out


def collate_training(batch: Sequence[TrainingWindow], pad_id: int, multiple_of: int = 8) -> dict[str, torch.Tensor]:
    """`windows.collate` of the batch plus its targets: per-piece ones padded with IGNORE, per-sentence ones
    concatenated."""
    out = collate([t.window for t in batch], pad_id, multiple_of)
    width = out["input_ids"].shape[1]
    out.update(stack_targets([t.targets for t in batch], width, IGNORE))
    return out


def stack_targets(targets: Sequence[dict[str, np.ndarray]], width: int, fill) -> dict[str, torch.Tensor]:
    """The targets of a batch's windows as tensors: per-piece ones (``entities``, ``roles``) padded to ``width``
    with ``fill``, per-sentence ones concatenated."""
    out = {}
    for name in targets[0]:
        values = [t[name] for t in targets]
        if name in ("entities", "roles"):
            padded = np.full((len(values), width, *values[0].shape[1:]), fill, dtype=values[0].dtype)
            for r, v in enumerate(values):
                padded[r, :len(v)] = v
            out[name] = torch.from_numpy(padded)
        else:
            out[name] = torch.from_numpy(np.concatenate(values))
    return out
