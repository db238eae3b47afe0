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
    role_probs = [np.zeros((len(p), len(ROLE_LABELS), 3), dtype=np.float32) for p in pieces]  # O, B, I
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
                rp = out["roles"].float().softmax(-1).cpu().numpy()  # [B, T, roles, 3]: O, B, I
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
            res.roles = decode_roles(role_probs[d], p, doc.text, doc.sentences, words)
        results.append(res)
    return results


def _viterbi_bio(logp: np.ndarray) -> np.ndarray:
    """Best BIO paths ``[N, L]`` from log-probabilities ``[N, L, 3]`` (O, B, I) of N sequences: an I only
    after a B or an I. Pad a shorter sequence with ``(0, -inf, -inf)`` (O): that leaves its path unchanged."""
    n, length, _ = logp.shape
    rows = np.arange(n)
    back = np.zeros((n, length, 3), dtype=np.int64)
    score = logp[:, 0].copy()
    score[:, 2] = -np.inf
    for i in range(1, length):
        best = score.argmax(-1)
        bi = np.where(score[:, 1] >= score[:, 2], 1, 2)
        back[:, i] = np.stack([best, best, bi], -1)
        top = score[rows, best]
        score = np.stack([top, top, score[rows, bi]], -1) + logp[:, i]
    tags = np.zeros((n, length), dtype=np.int64)
    tags[:, -1] = score.argmax(-1)
    for i in range(length - 1, 0, -1):
        tags[:, i - 1] = back[rows, i, tags[:, i]]
    return tags


def decode_roles(probs: np.ndarray, pieces, text: str, sentences: Sequence[tuple[int, int]],
                 word_ids=None) -> list[Prediction]:
    """Role spans ``(start, end, label, score)`` from per-piece O/B/I probabilities ``[n, roles, 3]``: the best
    BIO path per role and sentence (spans do not break at one uncertain piece, as they do piece by piece:
    dev role partial F1 0.37 → 0.41). Sentences where no piece reaches P(B) + P(I) = 0.2 are skipped."""
    n, n_roles, _ = probs.shape
    tags = np.zeros((n, n_roles), dtype=np.int64)
    starts = np.fromiter((o[0] for o in pieces.offsets), dtype=np.int64, count=n)
    inside = probs[..., 1:].sum(-1).max(-1) >= 0.2  # [n]: some role is likely at this piece
    spans = [(a, b) for a, b in (np.searchsorted(starts, sent) for sent in sentences) if b > a and inside[a:b].any()]
    if spans:
        length = max(b - a for a, b in spans)
        logp = np.zeros((len(spans), length, n_roles, 3), dtype=np.float32)
        logp[..., 1:] = -np.inf  # padding: O
        for k, (a, b) in enumerate(spans):
            logp[k, :b - a] = np.log(np.clip(probs[a:b], 1e-9, 1.0))
        paths = _viterbi_bio(logp.transpose(0, 2, 1, 3).reshape(-1, length, 3)).reshape(len(spans), n_roles, length)
        for k, (a, b) in enumerate(spans):
            tags[a:b] = paths[k, :, :b - a].T
    chosen = np.take_along_axis(probs, tags[..., None], -1)[..., 0]
    return decode_bio(tags, chosen, pieces.offsets, ROLE_LABELS, word_ids, text)
