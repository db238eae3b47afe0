"""Character spans ↔ word-piece BIO tags, windows over long texts, and decoding back to spans.

The entity head tags every word piece of a fast (Rust) tokenizer, one BIO column per label
(``O=0, B=1, I=2``), so labels may nest (an OUTCOME span can hold a DISORDER) and a corpus
that annotates only some labels supervises only those columns. Pieces carry their character
``offsets`` (from ``return_offsets_mapping``), so no text is ever re-tokenized on decode.

Texts longer than the encoder's limit are cut into overlapping windows, on sentence starts
where possible (`make_windows`); each piece is predicted by the window in which it sits
farthest from a cut (`window_owners`). Everything here is plain Python/numpy: no torch.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "B",
    "BIO",
    "I",
    "IGNORE",
    "O",
    "Pieces",
    "decode_bio",
    "encode_bio",
    "make_windows",
    "sentence_piece_starts",
    "sentence_starts",
    "tokenize",
    "window_owners",
]

O, B, I = 0, 1, 2
BIO: tuple[str, ...] = ("O", "B", "I")
IGNORE = -100  # target value that the loss skips (special tokens, padding, unannotated labels)

SpanTuple = tuple[int, int, str]  # (start, end, label)
Prediction = tuple[int, int, str, float]  # (start, end, label, score)

# A cheap sentence-start finder for texts that come without sentence spans (training data,
# plain strings): only used to choose where long texts are cut into windows.
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


def sentence_starts(text: str) -> list[int]:
    """Character offsets where a sentence probably starts (excluding 0); rule of thumb only."""
    return [m.end() for m in _SENT_START.finditer(text)]


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


def encode_bio(
    offsets: Sequence[tuple[int, int]], spans: Sequence[SpanTuple], labels: Sequence[str]
) -> np.ndarray:
    """BIO tags ``[n_pieces, n_labels]`` for character ``spans``.

    A piece overlapping a span is inside it; the first such piece gets B. Where two spans of
    one label share pieces, the earlier span keeps them. Spans with unknown labels are ignored.
    """
    col = {label: j for j, label in enumerate(labels)}
    tags = np.zeros((len(offsets), len(labels)), dtype=np.int64)
    starts = [s for s, _ in offsets]
    ends = [e for _, e in offsets]
    for start, end, label in sorted(spans):
        j = col.get(label)
        if j is None:
            continue
        first = bisect_right(ends, start)  # first piece ending after the span starts
        last = bisect_left(starts, end)  # first piece starting at or after the span end
        inside = [i for i in range(first, last) if ends[i] > starts[i] and tags[i, j] == O]
        for k, i in enumerate(inside):
            tags[i, j] = B if k == 0 else I
    return tags


def decode_bio(
    tags: np.ndarray,
    probs: np.ndarray,
    offsets: Sequence[tuple[int, int]],
    labels: Sequence[str],
    word_ids: Sequence[int] | None = None,
    text: str | None = None,
) -> list[Prediction]:
    """Character spans ``(start, end, label, score)`` from BIO ``tags`` ``[n, n_labels]``.

    ``probs`` holds the probability of each chosen tag; a span's score is their mean over its
    pieces. An I that does not continue a span starts one. Fix-ups: with ``word_ids`` a span
    that starts or ends inside a word is widened to the whole word (spans of one label that
    then touch are merged); with ``text`` leading/trailing whitespace is trimmed. Sorted by
    (start, end, label).
    """
    out: list[Prediction] = []
    n = len(offsets)
    for j, label in enumerate(labels):
        runs: list[list[int]] = []  # [first piece, last piece]
        scores: list[list[float]] = []
        cur = False
        for i in range(n):
            t = int(tags[i, j])
            if offsets[i][1] <= offsets[i][0]:
                continue  # a piece with no characters neither starts nor breaks a span
            if t == B or (t == I and not cur):
                runs.append([i, i])
                scores.append([float(probs[i, j])])
                cur = True
            elif t == I:
                runs[-1][1] = i
                scores[-1].append(float(probs[i, j]))
            else:
                cur = False
        if word_ids is not None:
            runs, scores = _snap_to_words(runs, scores, word_ids)
        for (a, b), sc in zip(runs, scores):
            start, end = offsets[a][0], offsets[b][1]
            if text is not None:
                while start < end and text[start].isspace():
                    start += 1
                while end > start and text[end - 1].isspace():
                    end -= 1
            if start < end:
                out.append((start, end, label, sum(sc) / len(sc)))
    out.sort(key=lambda p: (p[0], p[1], p[2]))
    return out


def _snap_to_words(
    runs: list[list[int]], scores: list[list[float]], word_ids: Sequence[int]
) -> tuple[list[list[int]], list[list[float]]]:
    n = len(word_ids)
    snapped: list[list[int]] = []
    snapped_scores: list[list[float]] = []
    for (a, b), sc in zip(runs, scores):
        while a > 0 and word_ids[a - 1] == word_ids[a]:
            a -= 1
        while b + 1 < n and word_ids[b + 1] == word_ids[b]:
            b += 1
        if snapped and a <= snapped[-1][1]:  # widened into the previous span's word: merge
            snapped[-1][1] = max(b, snapped[-1][1])
            snapped_scores[-1].extend(sc)
        else:
            snapped.append([a, b])
            snapped_scores.append(list(sc))
    return snapped, snapped_scores
