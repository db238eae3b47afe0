"""The linker's lexicon: concept names and annotated mention strings, as shipped in a model's `linker/` folder.

    linker/names.tsv.gz      id <TAB> name                      every MeSH descriptor, and the supplementary (C) and
                                                                OMIM ids the corpora use, named by their commonest mention
    linker/mentions.tsv.gz   label <TAB> mention <TAB> id <TAB> count   mention strings annotated in the train splits
                                                                (DRUG / DISORDER), with how often each got each id

Ids are written `MESH:D007649`, `MESH:C000123` or `OMIM:114480`; a composite mention's ids are joined by "|"
in the order annotated ("MESH:D001943|MESH:D010051"). Lines starting with "#" are comments. Nothing here but
strings, ids and counts: no text of any abstract. `scripts/build_lexicon.py` writes these files.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MENTIONS_FILE", "NAMES_FILE", "Lexicon", "concept_url", "read_lexicon", "write_lexicon"]

NAMES_FILE = "names.tsv.gz"
MENTIONS_FILE = "mentions.tsv.gz"

_URLS = {"MESH": "https://meshb.nlm.nih.gov/record/ui?ui={}", "OMIM": "https://omim.org/entry/{}"}


def concept_url(concept: str) -> str | None:
    """The web page of one concept id: MeSH Browser for "MESH:D007649", OMIM for "OMIM:114480"; None otherwise."""
    prefix, _, local = concept.partition(":")
    template = _URLS.get(prefix)
    return template.format(local) if template and local else None


@dataclass
class Lexicon:
    """Concept names by id, and per entity label the ids each mention string was annotated with (and how often)."""

    names: dict[str, str] = field(default_factory=dict)
    mentions: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)

    def add(self, label: str, mention: str, concept: str, count: int = 1) -> None:
        self.mentions.setdefault(label, {}).setdefault(mention, Counter())[concept] += count

    def sizes(self) -> dict[str, int]:
        """Names, and mention strings per label: what a linker card reports."""
        return {"names": len(self.names), **{f"mentions_{label}": len(m) for label, m in sorted(self.mentions.items())}}


def _lines(path: Path) -> Iterable[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def read_lexicon(folder: str | Path) -> Lexicon:
    """The lexicon in `folder` (a model's `linker/`)."""
    folder = Path(folder)
    lexicon = Lexicon(names=dict(_lines(folder / NAMES_FILE)))  # type: ignore[arg-type]
    for label, mention, concept, count in _lines(folder / MENTIONS_FILE):
        lexicon.add(label, mention, concept, int(count))
    return lexicon


def write_lexicon(lexicon: Lexicon, folder: str | Path, *, header: Mapping[str, str] | None = None) -> list[Path]:
    """Write `lexicon` into `folder`, sorted (so a rebuild from the same sources gives the same bytes);
    `header`: comment lines (sources, sizes) at the top of each file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    comments = "".join(f"# {k}: {v}\n" for k, v in (header or {}).items())
    names = folder / NAMES_FILE
    mentions = folder / MENTIONS_FILE
    for path, rows in (
        (names, (f"{i}\t{n}" for i, n in sorted(lexicon.names.items()))),
        (mentions, (f"{label}\t{m}\t{i}\t{c}" for label, by in sorted(lexicon.mentions.items())
                    for m, ids in sorted(by.items()) for i, c in sorted(ids.items()))),
    ):
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write((comments + "".join(r + "\n" for r in rows)).encode("utf-8"))
    return [names, mentions]
