"""Encoder inputs: word pieces with character offsets, windows over long texts, batches under a token budget.

Texts are tokenized once into word pieces of a fast (Rust) tokenizer, with their character ``offsets``,
so no text is re-tokenized on decode. Texts longer than the encoder's limit are cut into overlapping
windows, on sentence starts where possible (`make_windows`); each piece is predicted by the window in
which it sits farthest from a cut (`window_owners`), and each sentence by the window that owns its
first piece. A `Window` is one encoder row: ``[CLS] pieces [SEP]`` plus which sentence each piece
belongs to, what inference and training both feed the model. `pack` groups windows into batches
whose padded size stays under a token budget; `collate` pads a batch into tensors.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .spec import EntitySettings

if TYPE_CHECKING:
    import torch

__all__ = [
    "N_POSITION",
    "Pieces",
    "Window",
    "collate",
    "document_windows",
    "make_windows",
    "pack",
    "position_features",
    "sentence_piece_starts",
    "sentence_pieces",
    "rough_sentence_spans",
    "tokenize",
    "window_owners",
]

N_POSITION = 4  # sentence position features: relative position, first, last, standalone sentence

_SENT_START = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Pieces:
    """One text as word pieces, without special tokens."""

    ids: list[int]
    offsets: list[tuple[int, int]]  # character range of each piece in the text
    word_ids: list[int]  # pre-tokenizer word of each piece (pieces of one word share it)

    def __len__(self) -> int:
        return len(self.ids)


def tokenize(tokenizer, texts: Sequence[str]) -> list[Pieces]:
    """Word pieces of ``texts`` with offsets and word ids; needs a fast tokenizer."""
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"{type(tokenizer).__name__} is not a fast tokenizer; claimx needs character offsets "
            "(load the tokenizer with use_fast=True from a folder that has tokenizer.json)"
        )
    if not texts:
        return []
    enc = tokenizer(
        list(texts), add_special_tokens=False, return_offsets_mapping=True,
        return_attention_mask=False, return_token_type_ids=False, verbose=False,
    )
    out = []
    for i, ids in enumerate(enc["input_ids"]):
        words = enc.word_ids(i)
        offsets = [tuple(o) for o in enc["offset_mapping"][i]]
        # a piece without a word (should not happen without special tokens) gets its own id
        words = [w if w is not None else -1 - k for k, w in enumerate(words)]
        out.append(Pieces(list(ids), offsets, words))
    return out


def rough_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` by a rule of thumb, for texts that come without
    sentence spans (training data): only used to choose where long texts are cut into windows."""
    starts = [0] + [m.end() for m in _SENT_START.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(starts, starts[1:]) if b > a]


def sentence_piece_starts(offsets: Sequence[tuple[int, int]], char_starts: Sequence[int]) -> list[int]:
    """Indices of the first piece at or after each character offset (sorted, unique, not 0)."""
    starts = [s for s, _ in offsets]
    out = {bisect_left(starts, c) for c in char_starts}
    return sorted(i for i in out if 0 < i < len(offsets))


def make_windows(
    n: int, max_len: int, stride: int = 128, boundaries: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Windows ``[start, end)`` of at most ``max_len`` pieces covering ``0..n``.

    Consecutive windows overlap by up to ``stride`` pieces (context for the pieces near a cut).
    With sentence ``boundaries`` (piece indices), a window ends on a sentence start when one
    falls in its second half, and the next one starts on the first sentence start inside the
    overlap, so cuts fall between sentences where the text allows it.
    """
    if max_len < 8:
        raise ValueError(f"max_len must be at least 8 pieces, got {max_len}")
    if n <= max_len:
        return [(0, n)]
    stride = max(0, min(stride, max_len // 4))
    bounds = sorted(set(boundaries))
    windows: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + max_len, n)
        if end < n and bounds:
            k = bisect_right(bounds, end) - 1
            if k >= 0 and bounds[k] > start + max_len // 2:
                end = bounds[k]
        windows.append((start, end))
        if end >= n:
            return windows
        nxt = max(end - stride, start + 1)
        if bounds:
            k = bisect_left(bounds, nxt)
            if k < len(bounds) and bounds[k] < end:
                nxt = bounds[k]
        start = nxt


def window_owners(windows: Sequence[tuple[int, int]], n: int) -> np.ndarray:
    """For each piece, the index of the window that predicts it: the one where the piece is
    farthest from a cut (a document edge is no cut)."""
    owner = np.zeros(n, dtype=np.int64)
    if len(windows) <= 1:
        return owner
    best = np.full(n, -1, dtype=np.int64)
    idx = np.arange(n)
    for w, (s, e) in enumerate(windows):
        pos = idx[s:e]
        left = pos - s if s > 0 else np.full(e - s, n)
        right = e - 1 - pos if e < n else np.full(e - s, n)
        dist = np.minimum(left, right)
        better = dist > best[s:e]
        owner[s:e][better] = w
        best[s:e][better] = dist[better]
    return owner




def position_features(index: int, count: int, *, standalone: bool = False) -> list[float]:
    """Where a sentence sits in its document: ``[i / (n - 1), first, last, standalone]``; a sentence given alone
    (``standalone``, or the only sentence of its text: `ex("one sentence")`) is marked standalone."""
    if standalone or count == 1:
        return [0.0, 0.0, 0.0, 1.0]
    return [index / max(1, count - 1), float(index == 0), float(index == count - 1), 0.0]


def sentence_pieces(offsets: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each piece, the index of the sentence its first character falls in (-1: none)."""
    starts = np.asarray([s for s, _ in offsets], dtype=np.int64)
    out = np.full(len(offsets), -1, dtype=np.int64)
    for k, (s, e) in enumerate(sentences):
        lo, hi = np.searchsorted(starts, s, "left"), np.searchsorted(starts, e, "left")
        out[lo:hi] = k
    return out


@dataclass
class Window:
    """One encoder row: pieces ``[start, end)`` of document ``doc`` between [CLS] and [SEP], and the
    sentences whose first piece it owns (numbered locally, in document order)."""

    doc: int
    start: int
    end: int
    ids: np.ndarray  # [end - start + 2] piece ids with [CLS] and [SEP]
    owned: np.ndarray  # [end - start] bool: the pieces this window predicts
    sentence_of_piece: np.ndarray  # [len(ids)] local sentence index of each piece, -1: none (or [CLS]/[SEP])
    sentence_ids: tuple[int, ...]  # the document's index of each local sentence
    position: np.ndarray  # [len(sentence_ids), N_POSITION] float32

    def __len__(self) -> int:
        return len(self.ids)


def document_windows(doc: int, pieces: Pieces, sentences: Sequence[tuple[int, int]], settings: EntitySettings,
                     cls_id: int, sep_id: int, *, standalone: bool = False) -> list[Window]:
    """The windows of one document (character ``sentences`` spans; cuts fall on their starts where
    possible). Windows without pieces are left out; ``standalone``: a sentence given without its document."""
    bounds = sentence_piece_starts(pieces.offsets, [s for s, _ in sentences[1:]])
    spans = make_windows(len(pieces), settings.max_pieces - 2, settings.stride, bounds)
    owner = window_owners(spans, len(pieces))
    sent_of = sentence_pieces(pieces.offsets, sentences)
    ks, firsts = np.unique(sent_of, return_index=True)
    by_window: dict[int, list[int]] = {}
    for k, i in zip(ks, firsts):  # a sentence belongs to the window owning its first piece
        if k >= 0:
            by_window.setdefault(int(owner[i]), []).append(int(k))
    ids = np.asarray(pieces.ids, dtype=np.int64)
    out = []
    for wi, (start, end) in enumerate(spans):
        if end <= start:
            continue
        mine = sorted(by_window.get(wi, []))
        lookup = np.full(len(sentences) + 1, -1, dtype=np.int64)  # document sentence (or -1: the last slot) → local
        lookup[mine] = np.arange(len(mine))
        sop = np.full(end - start + 2, -1, dtype=np.int64)
        sop[1:-1] = lookup[sent_of[start:end]]
        position = np.asarray([position_features(k, len(sentences), standalone=standalone) for k in mine],
                              dtype=np.float32).reshape(-1, N_POSITION)
        out.append(Window(doc, start, end, np.concatenate([[cls_id], ids[start:end], [sep_id]]),
                          owner[start:end] == wi, sop, tuple(mine), position))
    return out


def pack(lengths: Sequence[int], token_budget: int, order: Iterable[int] | None = None) -> list[list[int]]:
    """Indices of ``lengths`` in ``order`` (default: longest first) grouped into batches whose padded size,
    ``len(batch) * longest``, stays within ``token_budget`` (a longer single item makes its own batch)."""
    if order is None:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    longest = 0
    for i in order:
        width = max(longest, lengths[i])
        if cur and (len(cur) + 1) * width > token_budget:
            batches.append(cur)
            cur, width = [], lengths[i]
        cur.append(i)
        longest = width
    if cur:
        batches.append(cur)
    return batches


def collate(windows: Sequence[Window], pad_id: int, multiple_of: int = 8) -> dict[str, torch.Tensor]:
    """``input_ids``, ``attention_mask`` and ``sentence_of_piece`` ``[B, T]`` (padded to a multiple of
    ``multiple_of``; sentence indices made global to the batch) and ``position`` ``[S, N_POSITION]``."""
    import torch

    width = -(-max(len(w) for w in windows) // multiple_of) * multiple_of
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    sop = np.full((len(windows), width), -1, dtype=np.int64)
    offset = 0
    for r, w in enumerate(windows):
        n = len(w)
        ids[r, :n] = w.ids
        mask[r, :n] = 1
        sop[r, :n] = np.where(w.sentence_of_piece >= 0, w.sentence_of_piece + offset, -1)
        offset += len(w.sentence_ids)
    return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
            "sentence_of_piece": torch.from_numpy(sop),
            "position": torch.from_numpy(np.concatenate([w.position for w in windows]))}
