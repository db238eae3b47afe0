"""Character spans ↔ word-piece BIO tags, and decoding tags back to spans.

The entity and role heads tag every word piece, one BIO column per label (``O=0, B=1, I=2``), so
labels may nest (an OUTCOME span can hold a DISORDER) and a corpus that annotates only some labels
supervises only those columns. Spans are decoded with the pieces' character offsets; roles take the
best BIO path per sentence (`decode_roles`). Plain Python/numpy: no torch.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

__all__ = ["B", "BIO", "I", "IGNORE", "O", "Prediction", "decode_bio", "decode_roles", "encode_bio", "merge_touching",
           "trim_entity_ends", "trim_punctuation", "viterbi_bio"]

O, B, I = 0, 1, 2
BIO: tuple[str, ...] = ("O", "B", "I")
IGNORE = -100  # target value that the loss skips (special tokens, padding, unannotated labels)

SpanTuple = tuple[int, int, str]  # (start, end, label)
Prediction = tuple[int, int, str, float]  # (start, end, label, score)


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


def viterbi_bio(logp: np.ndarray) -> np.ndarray:
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


def decode_roles(probs: np.ndarray, offsets: Sequence[tuple[int, int]], labels: Sequence[str], text: str,
                 sentences: Sequence[tuple[int, int]], word_ids: Sequence[int] | None = None) -> list[Prediction]:
    """Role spans ``(start, end, label, score)`` from per-piece O/B/I probabilities ``[n, roles, 3]``: the best
    BIO path per role and sentence (spans do not break at one uncertain piece, as they do piece by piece:
    dev role partial F1 0.37 → 0.41). Sentences where no piece reaches P(B) + P(I) = 0.2 are skipped.
    Spans of one role that touch (only whitespace between) are one span: the path's B in mid-phrase
    ("Mutations in" + "IDH1 or" + "IDH2") is a boundary guess, and annotators never put two roles of
    one label side by side (1 of 788 neighbouring pairs in MechClaims dev; dev partial F1 +0.010)."""
    n, n_roles, _ = probs.shape
    tags = np.zeros((n, n_roles), dtype=np.int64)
    starts = np.fromiter((o[0] for o in offsets), dtype=np.int64, count=n)
    inside = probs[..., 1:].sum(-1).max(-1) >= 0.2  # [n]: some role is likely at this piece
    spans = [(a, b) for a, b in (np.searchsorted(starts, sent) for sent in sentences) if b > a and inside[a:b].any()]
    if spans:
        length = max(b - a for a, b in spans)
        logp = np.zeros((len(spans), length, n_roles, 3), dtype=np.float32)
        logp[..., 1:] = -np.inf  # padding: O
        for k, (a, b) in enumerate(spans):
            logp[k, :b - a] = np.log(np.clip(probs[a:b], 1e-9, 1.0))
        paths = viterbi_bio(logp.transpose(0, 2, 1, 3).reshape(-1, length, 3)).reshape(len(spans), n_roles, length)
        for k, (a, b) in enumerate(spans):
            tags[a:b] = paths[k, :, :b - a].T
    chosen = np.take_along_axis(probs, tags[..., None], -1)[..., 0]
    return trim_punctuation(merge_touching(decode_bio(tags, chosen, offsets, labels, word_ids, text), text), text)


_RAGGED_END, _RAGGED_START = " ,;:(/-", " ,;:)/-"  # and an unmatched round bracket
_GENOTYPE = re.compile(r"[+-]/[+-]$")  # "HFE-/-", "p53+/-": knockout notation ends the name
_NUMBER_START = re.compile(r"-\d")  # "-1607 promoter polymorphism": a position
_WORD = re.compile(r"\w*")
# "X-induced Y": the guideline's AGENT is "X", so a span ending on the hyphen before these is not widened
_SUFFIXES = frozenset({"activated", "associated", "based", "containing", "deficient", "dependent", "derived",
                       "exposed", "induced", "like", "mediated", "negative", "null", "positive", "related",
                       "resistant", "sensitive", "specific", "stimulated", "treated"})


def _unmatched(text: str, start: int, end: int, bracket: str) -> bool:
    other = "(" if bracket == ")" else ")"
    return text.count(bracket, start, end) > text.count(other, start, end)


def _first_unclosed(text: str, start: int, end: int) -> int | None:
    """The position of the first "(" in ``text[start:end]`` that is not closed inside it, or None."""
    depth, first = 0, None
    for i in range(start, end):
        if text[i] == "(":
            first = i if depth == 0 else first
            depth += 1
        elif text[i] == ")" and depth:
            depth -= 1
    return first if depth else None


def trim_punctuation(spans: Sequence[Prediction], text: str) -> list[Prediction]:
    """``spans`` without the ragged ends a piece-level path leaves (guideline: a role starts and ends on a word).
    A span ending on a hyphen inside a word takes the next word part ("IL-" of "IL-6" → "IL-6"), unless that part
    is a suffix such as "induced" ("IL-12-" of "IL-12-induced" → "IL-12"); spaces, commas, semicolons, colons,
    slashes, hyphens and unmatched round brackets then go from both ends, except knockout notation at the end
    ("HFE-/-") and a minus sign before a number at the start ("-1607 promoter polymorphism"). With claimx-minilm
    0.3.1 on MechClaims dev: roles exact F1 0.387 -> 0.394, partial 0.502 -> 0.503. A bracket opened inside the
    span and never closed ends it ("protein kinase C (PKC" → "protein kinase C": MechClaims leaves a definition
    out of a role 130 times, keeps it 27; 1 dev and 2 genre_dev spans, F1 unchanged). Sorted by (start, end, label)."""
    out: list[Prediction] = []
    for start, end, label, score in spans:
        if text[end - 1:end] == "-" and text[end:end + 1].isalnum():
            part = _WORD.match(text, end).group()
            if part.lower() not in _SUFFIXES:
                end += len(part)
        while end > start and not _GENOTYPE.search(text, start, end) and (
                text[end - 1] in _RAGGED_END or (text[end - 1] == ")" and _unmatched(text, start, end, ")"))):
            end -= 1
        while start < end and not _NUMBER_START.match(text, start) and (
                text[start] in _RAGGED_START or (text[start] == "(" and _unmatched(text, start, end, "("))):
            start += 1
        cut = _first_unclosed(text, start, end)
        if cut is not None:  # "pathology (CSP": a definition begun, never closed, is left out
            end = cut
            while end > start and text[end - 1] in _RAGGED_END:
                end -= 1
        if start < end:
            out.append((start, end, label, score))
    out.sort(key=lambda p: (p[0], p[1], p[2]))
    return out


_FUNCTION_WORDS = "in|of|and|or|with|for|to|the|at|by|on|from|than|versus|vs"
#: a lower-case function word ending a mention of two or more words ("rate of adherence in")
_TRAILING_WORD = re.compile(rf"\s+(?:{_FUNCTION_WORDS})$")
#: a mention that is nothing but a lower-case function word ("as" of "as-needed budesonide-formoterol")
_LONE_WORD = re.compile(rf"(?:{_FUNCTION_WORDS}|as|a|an)")


def trim_entity_ends(spans: Sequence[Prediction], text: str) -> list[Prediction]:
    """``spans`` without a full stop, comma, semicolon, colon or space at their end, nor a lower-case function word
    after another word: a mention names a drug, disorder or outcome, never the sentence's punctuation (EBM-NLP's
    gold outcomes end on a sentence's full stop 14% of the time, and models trained on them copy it: "depressive
    symptoms."). A mention that is only a lower-case function word is dropped ("as" of "as-needed"). Case
    matters: "vitamin A" keeps its "A", "As" (arsenic) stays. Order kept."""
    out: list[Prediction] = []
    for start, end, label, score in spans:
        while True:
            while end > start and text[end - 1] in " .,;:":
                end -= 1
            word = _TRAILING_WORD.search(text, start, end)
            if word is None:
                break
            end = word.start()
        if start < end and not _LONE_WORD.fullmatch(text, start, end):
            out.append((start, end, label, score))
    return out


def merge_touching(spans: Sequence[Prediction], text: str) -> list[Prediction]:
    """``spans`` with neighbours of one label and only whitespace between them joined (score: the
    length-weighted mean); sorted by (start, end, label)."""
    out: list[Prediction] = []
    for start, end, label, score in sorted(spans, key=lambda p: (p[2], p[0], p[1])):
        if out and out[-1][2] == label and out[-1][1] <= start and not text[out[-1][1]:start].strip():
            s0, e0, _, sc0 = out[-1]
            out[-1] = (s0, end, label, (sc0 * (e0 - s0) + score * (end - start)) / (e0 - s0 + end - start))
        else:
            out.append((start, end, label, score))
    out.sort(key=lambda p: (p[0], p[1], p[2]))
    return out
