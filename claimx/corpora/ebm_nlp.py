"""Reader for the EBM-NLP PICO corpus in SciBERT's token IO format, plus a fixed split.

Format: ``-DOCSTART- (PMID)`` starts a document; one ``token POS chunk TAG`` line per token
(POS/chunk are placeholders); blank lines separate pseudo-sentences. TAG is ``O``, ``I-PAR``,
``I-INT`` or ``I-OUT`` (IO scheme: adjacent spans of one type cannot be told apart).

The original spacing is lost, so the document text is the tokens joined by single spaces.
The title is the start of the first pseudo-sentence (often followed by the first abstract
sentence in the same block); with single-space joining ``title + " " + rest`` is that same
string, so no title split is needed. Runs of ``I-OUT`` tokens become OUTCOME spans.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable
from pathlib import Path

from .documents import Document, Span

logger = logging.getLogger(__name__)

_DOCSTART = re.compile(r"^-DOCSTART-\s*\((\S+)\)")
_PUNCT = re.compile(r"^\W+$")

SPLIT_SEED = 13
HELDOUT_EVERY = 5  # positions 4, 9, 14, ... of the shuffled list are held out (20%)


def read_ebm_nlp(
    path: str | Path,
    corpus: str = "ebm_nlp",
    tags: dict[str, str] | None = None,
    trim_punctuation: bool = False,
) -> list[Document]:
    """Read an EBM-NLP IO file into `Document`s.

    ``tags`` maps IO tags to labels (default ``{"I-OUT": "OUTCOME"}``; other tags are O).
    Runs never cross pseudo-sentence boundaries. With ``trim_punctuation`` leading/trailing
    punctuation-only tokens (e.g. a sentence-final ``.``, ~14% of outcome runs) are cut off.
    """
    path = Path(path)
    tags = tags if tags is not None else {"I-OUT": "OUTCOME"}
    raw: list[tuple[str, list[list[tuple[str, str]]]]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            m = _DOCSTART.match(line)
            if m:
                raw.append((m.group(1), [[]]))
            elif not line.strip():
                if raw and raw[-1][1][-1]:
                    raw[-1][1].append([])
            else:
                cols = line.split(" ")
                if len(cols) != 4 or not raw:
                    raise ValueError(f"{path}:{lineno}: expected 'token POS chunk TAG' inside a "
                                     f"-DOCSTART- document, got {line[:80]!r}")
                raw[-1][1][-1].append((cols[0], cols[3]))
    return [_to_document(pmid, [s for s in sents if s], corpus, tags, trim_punctuation)
            for pmid, sents in raw]


def _to_document(
    pmid: str, sents: list[list[tuple[str, str]]], corpus: str, tags: dict[str, str], trim: bool
) -> Document:
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for sent in sents:
        run: list[tuple[int, int, str, str]] = []  # (start, end, token, label) of the open run
        for token, tag in sent + [("", "O")]:  # sentinel closes the last run
            label = tags.get(tag)
            if run and label != run[0][3]:
                if trim:
                    while run and _PUNCT.match(run[-1][2]):
                        run.pop()
                    while run and _PUNCT.match(run[0][2]):
                        run.pop(0)
                if run:
                    spans.append(Span(run[0][0], run[-1][1], run[0][3]))
                run = []
            if not token:
                break
            start = pos + (1 if parts else 0)
            parts.append(token)
            pos = start + len(token)
            if label is not None:
                run.append((start, pos, token, label))
    return Document(id=pmid, corpus=corpus, text=" ".join(parts), entities=spans)


def heldout_ids(ids: Iterable[str], seed: int = SPLIT_SEED, every: int = HELDOUT_EVERY) -> set[str]:
    """The fixed held-out ids: sort (string order), shuffle with ``random.Random(seed)``,
    hold out 0-based positions ``every-1, 2*every-1, ...`` (the project's split recipe)."""
    order = sorted(set(ids))
    random.Random(seed).shuffle(order)
    return {pmid for i, pmid in enumerate(order) if i % every == every - 1}


def split_documents(docs: list[Document], split: str) -> list[Document]:
    """``train`` (~80%), ``dev`` (~20%, held out by `heldout_ids`) or ``all`` of ``docs``."""
    if split == "all":
        return list(docs)
    if split not in ("train", "dev"):
        raise ValueError(f"Unknown EBM-NLP split {split!r}; use 'train', 'dev' or 'all'")
    held = heldout_ids(d.id for d in docs)
    return [d for d in docs if (d.id in held) == (split == "dev")]
