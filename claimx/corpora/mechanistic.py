"""MechClaims, the project's own corpus: every sentence of 420 abstracts labelled per
docs/claims-guideline.md (claim, key, type, certainty, negated, AGENT / MECHANISM / EFFECT spans).

Stored stand-off in ``corpora/mechclaims/annotations.jsonl`` (document id + offsets, no text); the
loader joins it with the abstracts in ``../shared/corpora`` and checks every span against them:

    from claimx.corpora.mechanistic import load_mechclaims
    dev = load_mechclaims("dev")     # dicts in score_claims.py's gold format, with "text"
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..results import CERTAINTIES, CLAIM_TYPES, ROLE_LABELS
from .texts import document_parts, join_title

__all__ = ["ANNOTATIONS", "find_whole_word", "on_word_boundaries", "build_record", "load_mechclaims",
           "resolve_labels", "sentence_spans", "text_of"]

ANNOTATIONS = Path(__file__).resolve().parents[2] / "corpora" / "mechclaims" / "annotations.jsonl"
_STRIP = " \t\n.,;:"


@lru_cache(maxsize=1)
def _splitter():
    from ..pipeline.sentences import build_pipeline

    return build_pipeline("claimx_sentencizer", abbreviations=False)


def sentence_spans(title: str, abstract: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``title + " " + abstract`` as claimx splits them (title = first sentence)."""
    from ..pipeline.sentences import BREAKS_KEY

    text = join_title(title, abstract)
    doc = _splitter().make_doc(text)
    if title and abstract:
        doc.user_data[BREAKS_KEY] = (len(title.strip()) + 1,)
    doc = _splitter()(doc)
    return [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]


@lru_cache(maxsize=None)
def _parts(source: str, shared_root: str | None) -> dict[str, tuple[str, str]]:
    out = {}
    for split in ("dev", "train"):
        try:
            out.update(document_parts(source, split, shared_root))
        except ValueError:
            pass
    return out


def text_of(source: str, did: str, shared_root: str | None = None) -> tuple[str, str]:
    """(title, abstract) of document ``did`` of ``source`` in the shared corpora."""
    parts = _parts(source, shared_root)
    if did not in parts:
        raise KeyError(f"Document {did!r} is not in the shared {source} corpus")
    return parts[did]


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` neither starts nor ends inside a word ("men" in "Women" does)."""
    inside = lambda i: 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()  # noqa: E731
    return not inside(start) and not inside(end)


def find_whole_word(sentence: str, text: str, occurrence: int = 1) -> int:
    """Start of the ``occurrence``-th whole-word occurrence of ``text`` in ``sentence`` (-1: none)."""
    pos, seen = -1, 0
    while seen < occurrence:
        pos = sentence.find(text, pos + 1)
        if pos < 0:
            return -1
        seen += on_word_boundaries(sentence, pos, pos + len(text))
    return pos


def resolve_labels(sentences: list[str], labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check an annotator's labels for one document and turn role texts into sentence offsets.

    Returns one dict per sentence: ``{"claim": False}`` or the claim's fields with roles as
    ``{"label", "start", "end"}`` relative to the sentence. Raises ``ValueError`` naming the problem.
    """
    by_i: dict[int, dict] = {}
    for lab in labels:
        i = lab.get("i")
        if not isinstance(i, int) or not 0 <= i < len(sentences):
            raise ValueError(f"sentence index {i!r} out of range 0..{len(sentences) - 1}")
        if i in by_i:
            raise ValueError(f"sentence {i} labelled twice")
        by_i[i] = lab
    if len(by_i) != len(sentences):
        missing = sorted(set(range(len(sentences))) - set(by_i))
        raise ValueError(f"sentences {missing} have no label (every sentence needs one)")
    out = []
    for i, sent in enumerate(sentences):
        lab = by_i[i]
        if not isinstance(lab.get("claim"), bool):
            raise ValueError(f"sentence {i}: 'claim' must be true or false")
        if not lab["claim"]:
            if lab.get("roles"):
                raise ValueError(f"sentence {i}: roles given for a sentence that is not a claim")
            out.append({"claim": False})
            continue
        if lab.get("type") not in CLAIM_TYPES:
            raise ValueError(f"sentence {i}: type {lab.get('type')!r} not in {CLAIM_TYPES}")
        if lab.get("certainty") not in CERTAINTIES:
            raise ValueError(f"sentence {i}: certainty {lab.get('certainty')!r} not in {CERTAINTIES}")
        for k in ("negated", "key"):
            if not isinstance(lab.get(k), bool):
                raise ValueError(f"sentence {i}: {k!r} must be true or false")
        roles = []
        for role in lab.get("roles") or []:
            if not isinstance(role, list) or len(role) not in (2, 3):
                raise ValueError(f"sentence {i}: role {role!r} must be [label, text] or [label, text, occurrence]")
            label, text = role[0], role[1]
            occurrence = role[2] if len(role) == 3 else 1
            if label not in ROLE_LABELS:
                raise ValueError(f"sentence {i}: role label {label!r} not in {ROLE_LABELS}")
            if not isinstance(text, str) or not text.strip(_STRIP):
                raise ValueError(f"sentence {i}: empty role text")
            if text != text.strip(_STRIP):
                raise ValueError(f"sentence {i}: role text {text!r} starts or ends with space or punctuation")
            if not isinstance(occurrence, int) or occurrence < 1:
                raise ValueError(f"sentence {i}: occurrence {occurrence!r} must be a positive integer")
            start = find_whole_word(sent, text, occurrence)
            if start < 0:
                raise ValueError(f"sentence {i}: role text {text!r} (occurrence {occurrence}) not found in the sentence")
            roles.append({"label": label, "start": start, "end": start + len(text)})
        if roles and lab["type"] == "descriptive":
            raise ValueError(f"sentence {i}: descriptive claims have no roles (guideline 4)")
        out.append({"claim": True, "key": lab["key"], "type": lab["type"], "certainty": lab["certainty"],
                    "negated": lab["negated"], "roles": sorted(roles, key=lambda r: (r["start"], r["end"], r["label"]))})
    return out


def build_record(source: str, did: str, parts: tuple[str, str], labels: list[dict[str, Any]], *,
                 split: str | None = None, adjudicated: bool = False) -> dict[str, Any]:
    """Stand-off record (no text) from an annotator's labels for document ``did``."""
    title, abstract = parts
    text = join_title(title, abstract)
    spans = sentence_spans(title, abstract)
    resolved = resolve_labels([text[s:e] for s, e in spans], labels)
    claims = []
    for (s, e), lab in zip(spans, resolved):
        if lab["claim"]:
            roles = [{"label": r["label"], "start": s + r["start"], "end": s + r["end"]} for r in lab["roles"]]
            claims.append({"start": s, "end": e, "key": lab["key"], "type": lab["type"], "certainty": lab["certainty"],
                           "negated": lab["negated"], "roles": roles})
    rec: dict[str, Any] = {"id": f"{source}:{did}", "source": source, "source_id": did}
    if split:
        rec["split"] = split
    if adjudicated:
        rec["adjudicated"] = True
    rec.update({"text_sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(), "sentences": [list(x) for x in spans],
                "claims": claims})
    return rec


def load_mechclaims(split: str | None = None, *, path: str | Path | None = None,
                    shared_root: str | None = None) -> list[dict[str, Any]]:
    """MechClaims documents (``split`` "train", "dev" or None for all) joined with their text.

    Each is score_claims.py's gold format plus ``text``, ``source``, ``split``: ``{"id", "text",
    "sentences": [[start, end]], "claims": [{"start", "end", "key", "type", "certainty", "negated",
    "roles": [{"label", "start", "end"}]}]}``. Raises ``ValueError`` if a text changed or a span is off.
    """
    path = Path(path) if path else ANNOTATIONS
    if not path.is_file():
        raise FileNotFoundError(f"No MechClaims annotations at {path}")
    docs = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if split and rec.get("split") != split:
                continue
            text = join_title(*text_of(rec["source"], rec["source_id"], shared_root))
            if hashlib.sha1(text.encode("utf-8")).hexdigest() != rec["text_sha1"]:
                raise ValueError(f"{path.name} line {n} ({rec['id']}): the shared text differs from the annotated one")
            for c in rec["claims"]:
                if [c["start"], c["end"]] not in rec["sentences"]:
                    raise ValueError(f"{path.name} line {n} ({rec['id']}): claim {c['start']}-{c['end']} is not a sentence")
                for r in c["roles"]:
                    if not (c["start"] <= r["start"] < r["end"] <= c["end"]) or text[r["start"]:r["end"]] != text[r["start"]:r["end"]].strip(_STRIP):
                        raise ValueError(f"{path.name} line {n} ({rec['id']}): role {r} outside its sentence or ragged")
                    if not on_word_boundaries(text, r["start"], r["end"]):
                        raise ValueError(f"{path.name} line {n} ({rec['id']}): role {r} "
                                         f"({text[r['start']:r['end']]!r}) starts or ends inside a word")
            docs.append({**rec, "text": text})
    return docs
