"""Entity predictions → the Doc: exact character spans, plus their spaCy-token view.

The tagger predicts character spans on its own word pieces, which can end inside a spaCy token
("cocaine" in "cocaine-induced"). Those exact spans are what claimx outputs: `doc._.entities`
holds them as `(start, end, label, score)`, nested ones too (an OUTCOME holding a DISORDER).
An abbreviation's short form (`doc._.abbreviations`) takes the label and score of the entity
predicted on its long form, at every occurrence.

For spaCy users the same entities are also set on tokens: `doc.spans[SPANS_KEY]` (the smallest
token spans covering them, overlaps kept) and `doc.ents` (no overlaps: the longest span wins, then
the higher score, then the earlier one), each with `span._.score`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from spacy.tokens import Doc, Span

__all__ = ["SPANS_KEY", "set_entities"]

#: `doc.spans` key holding every predicted entity as token spans, overlaps included.
SPANS_KEY = "claimx_entities"

Prediction = tuple[int, int, str, float]


def set_entities(doc: Doc, predictions: Sequence[Prediction]) -> Doc:
    """Set `doc._.entities`, `doc.spans[SPANS_KEY]`, `doc.ents` and `span._.score`."""
    if not Doc.has_extension("entities"):
        Doc.set_extension("entities", default=None)
    if not Span.has_extension("score"):
        Span.set_extension("score", default=1.0)
    scored: dict[tuple[int, int, str], float] = {}
    text = doc.text  # built from the tokens on every access: once
    for start, end, label, score in predictions:
        if text[int(start) : int(end)].strip():
            key = (int(start), int(end), label)
            scored[key] = max(float(score), scored.get(key, 0.0))
    if Doc.has_extension("abbreviations") and doc._.abbreviations:
        _label_short_forms(doc, scored)
    doc._.entities = [(s, e, label, score) for (s, e, label), score in sorted(scored.items())]
    tokens: dict[tuple[int, int, str], float] = {}
    for (start, end, label), score in scored.items():
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            key = (span.start, span.end, label)
            tokens[key] = max(score, tokens.get(key, 0.0))
    spans = []
    for (start, end, label), score in sorted(tokens.items()):
        span = Span(doc, start, end, label=label)
        span._.score = score
        spans.append(span)
    doc.spans[SPANS_KEY] = spans
    doc.ents = _no_overlaps(spans, tokens)
    return doc


def _overlapping(keys: list[tuple[int, int, str]], starts: list[int], longest: int, start: int, end: int):
    """The keys (sorted by start) of spans overlapping [start, end)."""
    for key in keys[bisect_left(starts, start - longest) : bisect_left(starts, end)]:
        if key[1] > start:
            yield key


def _label_short_forms(doc: Doc, scored: dict[tuple[int, int, str], float]) -> None:
    """Give each short form the label of the entity covering most of its long form (in place)."""
    keys = sorted(scored)
    starts = [k[0] for k in keys]
    longest = max((e - s for s, e, _ in keys), default=0)
    by_long: dict[tuple[int, int], tuple[str, float] | None] = {}
    relabel: dict[tuple[int, int], tuple[str, float]] = {}
    for short in doc._.abbreviations:
        long = getattr(short._, "long_form", None)
        if long is None:
            continue
        span = (long.start_char, long.end_char)
        if span not in by_long:
            best = None
            for key in _overlapping(keys, starts, longest, *span):
                overlap = min(key[1], span[1]) - max(key[0], span[0])
                if overlap * 2 >= span[1] - span[0] and (best is None or (overlap, scored[key]) > best[0]):
                    best = ((overlap, scored[key]), key[2], scored[key])
            by_long[span] = None if best is None else best[1:]
        if by_long[span] is not None:
            relabel[(short.start_char, short.end_char)] = by_long[span]
    for (start, end), (label, score) in relabel.items():
        for key in list(_overlapping(keys, starts, longest, start, end)):
            scored.pop(key, None)  # a different (or partial) prediction on the short form yields
    for (start, end), (label, score) in relabel.items():
        scored[(start, end, label)] = score


def _no_overlaps(spans: list[Span], scored: dict[tuple[int, int, str], float]) -> list[Span]:
    order = sorted(spans, key=lambda s: (-(s.end - s.start), -scored[(s.start, s.end, s.label_)], s.start))
    taken: set[int] = set()
    kept = []
    for span in order:
        if not taken.intersection(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return sorted(kept, key=lambda s: s.start)
