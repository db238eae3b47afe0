"""Batched entity prediction: texts in, ``(start, end, label, score)`` lists out.

Windows of all texts are sorted by length and packed into batches whose padded size stays
under a token budget, so one batch mixes documents; results come back in input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..model_info import PRECISIONS
from .encoder import ClaimxEncoder, EntitySettings, load_encoder
from .tagging import (
    Pieces,
    Prediction,
    decode_bio,
    make_windows,
    sentence_piece_starts,
    sentence_starts,
    tokenize,
    window_owners,
)

__all__ = ["EntityTagger", "Window", "autocast_dtype", "batch_windows", "predict_entities", "quantize_int8",
           "windows_for"]

TextInput = str | tuple[str, Sequence[tuple[int, int]] | None]  # a text, or (text, sentence spans)


@dataclass(frozen=True)
class Window:
    """Pieces ``[start, end)`` of document ``doc``."""

    doc: int
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """bf16 for ``auto`` on CUDA with bf16 and on CPUs with AVX512-BF16/AMX; None = float32 (and int8)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use {', '.join(PRECISIONS)}")
    if precision in ("fp32", "int8"):
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        cpu = torch.cpu
        for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
            if getattr(cpu, probe, lambda: False)():
                return torch.bfloat16
    return None


def windows_for(pieces: Sequence[Pieces], sentences: Sequence[Sequence[int]], settings: EntitySettings) -> list[list[Window]]:
    """Windows per document (``sentences``: character offsets where sentences start)."""
    max_len = settings.max_pieces - 2  # room for [CLS] and [SEP]
    out = []
    for d, (p, starts) in enumerate(zip(pieces, sentences)):
        bounds = sentence_piece_starts(p.offsets, starts)
        out.append([Window(d, s, e) for s, e in make_windows(len(p), max_len, settings.stride, bounds)])
    return out


def batch_windows(windows: Sequence[Window], token_budget: int) -> list[list[Window]]:
    """Longest first, each batch's ``len(batch) * (longest + 2)`` kept under ``token_budget``."""
    batches: list[list[Window]] = []
    cur: list[Window] = []
    for w in sorted(windows, key=len, reverse=True):
        width = (len(cur[0]) if cur else len(w)) + 2
        if cur and (len(cur) + 1) * width > token_budget:
            batches.append(cur)
            cur = []
        cur.append(w)
    if cur:
        batches.append(cur)
    return batches


def _collate(batch: Sequence[Window], pieces: Sequence[Pieces], cls_id: int, sep_id: int, pad_id: int):
    width = max(len(w) for w in batch) + 2
    ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for r, w in enumerate(batch):
        n = len(w)
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = pieces[w.doc].ids[w.start : w.end]
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def _split_input(item: TextInput) -> tuple[str, list[int] | None]:
    if isinstance(item, str):
        return item, None
    text, spans = item
    return text, None if spans is None else [s for s, _ in spans]


@torch.inference_mode()
def predict_entities(
    model: ClaimxEncoder,
    tokenizer,
    texts_or_sentence_spans: Iterable[TextInput],
    device: str | torch.device = "cpu",
    *,
    batch_token_budget: int = 16384,
    precision: str = "auto",
    settings: EntitySettings | None = None,
) -> list[list[Prediction]]:
    """Entities ``(start, end, label, score)`` for each input, in input order.

    An input is a text, or ``(text, sentence_spans)`` with character ``(start, end)`` spans of
    its sentences (long texts are then cut between sentences). ``batch_token_budget`` caps
    the padded size of a batch; ``precision`` is ``auto`` (bf16 where the hardware has it),
    ``bf16`` or ``fp32``.
    """
    settings = settings or model.entities
    device = torch.device(device)
    items = [_split_input(x) for x in texts_or_sentence_spans]
    texts = [t for t, _ in items]
    starts = [s if s is not None else sentence_starts(t) for t, s in items]
    pieces = tokenize(tokenizer, texts)
    per_doc = windows_for(pieces, starts, settings)
    n_labels = len(settings.labels)
    tags = [np.zeros((len(p), n_labels), dtype=np.int64) for p in pieces]
    probs = [np.zeros((len(p), n_labels), dtype=np.float32) for p in pieces]
    owners = [window_owners([(w.start, w.end) for w in ws], len(p)) for ws, p in zip(per_doc, pieces)]
    index = {w: k for ws in per_doc for k, w in enumerate(ws)}
    amp = autocast_dtype(device, precision)
    was_training = model.training
    model.eval()
    try:
        for batch in batch_windows([w for ws in per_doc for w in ws if len(w)], batch_token_budget):
            ids, mask = _collate(batch, pieces, tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
            ids = ids.to(device, non_blocking=True)
            mask = mask.to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
                logits = model(ids, mask, heads=["entities"])["entities"]
            p, t = logits.float().softmax(-1).max(-1)  # [B, T, L]
            p, t = p.cpu().numpy(), t.cpu().numpy()
            for r, w in enumerate(batch):
                own = owners[w.doc][w.start : w.end] == index[w]
                rows = np.arange(w.start, w.end)[own]
                tags[w.doc][rows] = t[r, 1 : len(w) + 1][own]
                probs[w.doc][rows] = p[r, 1 : len(w) + 1][own]
    finally:
        model.train(was_training)
    return [
        decode_bio(tags[d], probs[d], pieces[d].offsets, settings.labels,
                   pieces[d].word_ids if settings.snap_to_words else None, texts[d])
        for d in range(len(texts))
    ]


def quantize_int8(model: ClaimxEncoder) -> ClaimxEncoder:
    """The model with every ``nn.Linear`` dynamically quantized to int8 (weights int8, activations per batch)."""
    import warnings

    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor", category=UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class EntityTagger:
    """A loaded model folder ready to tag: ``EntityTagger.load(path, device="cpu")(texts)``."""

    def __init__(self, model: ClaimxEncoder, tokenizer, meta: dict[str, Any] | None = None, *,
                 device: str = "cpu", batch_token_budget: int = 16384, precision: str = "auto") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.meta = meta or {}
        self.device = torch.device(device)
        self.batch_token_budget = batch_token_budget
        self.precision = precision

    @classmethod
    def load(cls, path: str | Path, *, device: str = "cpu", precision: str = "auto", **kwargs: Any) -> EntityTagger:
        autocast_dtype(torch.device(device), precision)  # checks the name
        model, tokenizer, meta = load_encoder(path, device=device)
        if precision == "int8":
            if torch.device(device).type != "cpu":
                raise ValueError("int8 runs on the CPU only; use --precision bf16 on a GPU")
            model = quantize_int8(model)
        return cls(model, tokenizer, meta, device=device, precision=precision, **kwargs)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.entities.labels

    def __call__(self, texts_or_sentence_spans: Iterable[TextInput]) -> list[list[Prediction]]:
        return predict_entities(self.model, self.tokenizer, texts_or_sentence_spans, self.device,
                                batch_token_budget=self.batch_token_budget, precision=self.precision)
