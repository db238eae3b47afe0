"""Entities and claims from one encoder pass per window.

``predict_documents(model, tokenizer, [(text, sentence_spans), ...])`` returns, per document,
the entity spans and, per sentence, the claim probabilities and the role spans inside it. The
claim branch starts from the same pass's hidden states (``ClaimxEncoder.encode_states``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .claim_data import ClaimDoc, build_claim_windows, collate_claims
from .claim_heads import ROLE_LABELS, TYPE_CLASSES
from .encoder import ClaimxEncoder
from .inference import autocast_dtype, batch_windows
from .tagging import Prediction, decode_bio, tokenize

__all__ = ["DocumentPrediction", "SentencePrediction", "predict_documents"]


@dataclass
class SentencePrediction:
    """Claim probabilities of one sentence: ``types`` over TYPE_CLASSES (``none`` first) and the
    probabilities of key / hedged / negated."""

    start: int
    end: int
    types: np.ndarray
    key: float
    hedged: float
    negated: float

    @property
    def claim(self) -> float:
        return float(1.0 - self.types[0])

    @property
    def type(self) -> str:
        return TYPE_CLASSES[1 + int(np.argmax(self.types[1:]))]


@dataclass
class DocumentPrediction:
    entities: list[Prediction] = field(default_factory=list)
    sentences: list[SentencePrediction] = field(default_factory=list)
    roles: list[Prediction] = field(default_factory=list)  # (start, end, label, score) in the text


@torch.inference_mode()
def predict_documents(
    model: ClaimxEncoder,
    tokenizer,
    items: Sequence[tuple[str, Sequence[tuple[int, int]]]],
    device: str | torch.device = "cpu",
    *,
    batch_token_budget: int = 16384,
    precision: str = "auto",
) -> list[DocumentPrediction]:
    """Entities, sentence claim probabilities and role spans for ``(text, sentence spans)`` items."""
    device = torch.device(device)
    docs = [ClaimDoc(str(i), "input", text, [tuple(s) for s in spans], [None] * len(spans), [None] * len(spans),
                     [None] * len(spans), [None] * len(spans)) for i, (text, spans) in enumerate(items)]
    pieces = tokenize(tokenizer, [d.text for d in docs])
    settings = model.entities
    windows = build_claim_windows(docs, tokenizer, settings, pieces=pieces)
    n_ent, has_claims = len(settings.labels), model.claims is not None
    ent_tags = [np.zeros((len(p), n_ent), dtype=np.int64) for p in pieces]
    ent_probs = [np.zeros((len(p), n_ent), dtype=np.float32) for p in pieces]
    role_tags = [np.zeros((len(p), len(ROLE_LABELS)), dtype=np.int64) for p in pieces]
    role_probs = [np.zeros((len(p), len(ROLE_LABELS)), dtype=np.float32) for p in pieces]
    sent_out: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [{} for _ in docs]
    amp = autocast_dtype(device, precision)
    was_training = model.training
    model.eval()
    try:
        for batch in batch_windows(windows, batch_token_budget):
            t = collate_claims(batch, tokenizer.pad_token_id)
            ids = t["input_ids"].to(device, non_blocking=True)
            mask = t["attention_mask"].to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
                last, below = model.encode_states(ids, mask)
                ent = model.heads["entities"](last)
                out = (model.heads["claims"](below, mask, t["sentence_of_piece"].to(device), t["position"].to(device))
                       if has_claims else None)
            ep, et = (x.cpu().numpy() for x in ent.float().softmax(-1).max(-1))
            if out is not None:
                rprob = out["roles"].float().softmax(-1)  # [B, T, roles, 3]: O, B, I
                inside = rprob[..., 1:].sum(-1) >= model.claims.role_threshold
                bi = rprob[..., 1:].max(-1)
                rt = torch.where(inside, bi.indices + 1, 0).cpu().numpy()
                rp = torch.where(inside, bi.values, rprob[..., 0]).cpu().numpy()
                types = out["type"].float().softmax(-1).cpu().numpy()
                flags = out["flags"].float().sigmoid().cpu().numpy()
            offset = 0
            for r, w in enumerate(batch):
                s0, s1, own = w.start, w.end, w.owned
                rows = np.arange(s0, s1)[own]
                n = s1 - s0
                ent_tags[w.doc][rows] = et[r, 1:n + 1][own]
                ent_probs[w.doc][rows] = ep[r, 1:n + 1][own]
                if out is not None:
                    role_tags[w.doc][rows] = rt[r, 1:n + 1][own]
                    role_probs[w.doc][rows] = rp[r, 1:n + 1][own]
                    for j, sid in enumerate(w.sentence_ids):
                        sent_out[w.doc][sid] = (types[offset + j], flags[offset + j])
                offset += len(w.position)
    finally:
        model.train(was_training)
    results = []
    for d, doc in enumerate(docs):
        p = pieces[d]
        words = p.word_ids if settings.snap_to_words else None
        res = DocumentPrediction(decode_bio(ent_tags[d], ent_probs[d], p.offsets, settings.labels, words, doc.text))
        if has_claims:
            none = (np.eye(len(TYPE_CLASSES))[0].astype(np.float32), np.zeros(3, dtype=np.float32))
            for sid, (s, e) in enumerate(doc.sentences):
                types, flags = sent_out[d].get(sid, none)  # a sentence with no pieces is no claim
                res.sentences.append(SentencePrediction(s, e, types, float(flags[0]), float(flags[1]), float(flags[2])))
            res.roles = decode_bio(role_tags[d], role_probs[d], p.offsets, ROLE_LABELS, words, doc.text)
        results.append(res)
    return results
