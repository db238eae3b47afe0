"""Document texts of the shared corpora, by source and id, for stand-off annotations.

The project's own corpus stores no text of others: each document is ``(source, id)`` and its text is
``title + " " + abstract`` read here from ``../shared/corpora`` — or, for the abstracts the project wrote
itself (source ``synthetic``), from ``corpora/synthetic/`` in the project.

    texts = document_texts("genia", "train")      # {"PMID-10022882": "Reactive oxygen ... "}
    parts = document_parts("genia", "train")      # {"PMID-10022882": ("Reactive oxygen ...", "We previously ...")}
"""

from __future__ import annotations

import json
from pathlib import Path

from . import CORPORA as _PUBTATOR_FILES
from . import corpora_dir

__all__ = ["PROJECT_SOURCES", "SOURCES", "document_parts", "document_texts", "join_title"]

#: source -> split -> path under corpora/ (PubTator sources reuse the entity loaders' files)
SOURCES: dict[str, dict[str, str]] = {
    "claim_sentences": {
        "train": "claim_extraction_achakulvisut/train_labels.json",
        "dev": "claim_extraction_achakulvisut/validation_labels.json",
    },
    "genia": {"train": "bionlp_st2011_ge/train", "dev": "bionlp_st2011_ge/devel"},
    **{name: _PUBTATOR_FILES[name] for name in ("bc5cdr", "ncbi", "biored")},
    "synthetic": {"train": "synthetic/abstracts.jsonl"},
}
#: sources whose texts are the project's own (corpora/ of a checkout, like MechClaims itself), not ../shared's
PROJECT_SOURCES = {"synthetic"}
_PROJECT_CORPORA = Path(__file__).resolve().parents[2] / "corpora"


def join_title(title: str, abstract: str) -> str:
    """``title + " " + abstract`` (PubTator convention), stripped; just one of them if the other is empty."""
    title, abstract = title.strip(), abstract.strip()
    return f"{title} {abstract}" if title and abstract else title or abstract


def document_texts(source: str, split: str, shared_root: str | Path | None = None) -> dict[str, str]:
    """``{document id: title + " " + abstract}`` of ``split`` of ``source`` (one of :data:`SOURCES`)."""
    return {k: join_title(t, a) for k, (t, a) in document_parts(source, split, shared_root).items()}


def document_parts(source: str, split: str, shared_root: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """``{document id: (title, abstract)}``, both stripped, of ``split`` of ``source``."""
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}; use one of {sorted(SOURCES)}")
    if split not in SOURCES[source]:
        raise ValueError(f"Source {source!r} has no split {split!r}; use one of {sorted(SOURCES[source])}")
    base = _PROJECT_CORPORA if source in PROJECT_SOURCES else corpora_dir(shared_root)
    path = base / SOURCES[source][split]
    if not path.exists():
        raise FileNotFoundError(f"Missing {path}: " + ("the project's corpora/ folder is incomplete (a checkout has it)"
                                                        if source in PROJECT_SOURCES else
                                                        "the shared corpora folder is incomplete (see its SOURCE.md)."))
    out: dict[str, tuple[str, str]] = {}
    if source in PROJECT_SOURCES:  # {"id": "synthetic:w01-01", "title", "abstract", "genre"} per line
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    prefix, _, did = d["id"].partition(":")
                    if prefix != source or not did:
                        raise ValueError(f"{path}: id {d['id']!r} is not '{source}:<id>'")
                    out[did] = (d["title"].strip(), d["abstract"].strip())
    elif source == "claim_sentences":
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    out[str(d["paper_id"])] = ((d.get("title") or "").strip(), (d.get("abstract") or "").strip())
    elif source == "genia":
        for p in sorted(path.glob("PMID-*.txt")):  # abstracts only; PMC-* are full-text sections
            title, _, abstract = p.read_text(encoding="utf-8").partition("\n")
            out[p.stem] = (title.strip(), abstract.strip())
    else:  # PubTator: "ID|t|title" and "ID|a|abstract" lines
        with path.open(encoding="utf-8") as f:
            for line in f:
                did, sep, rest = line.partition("|")
                if sep and rest[:2] in ("t|", "a|"):
                    title, abstract = out.get(did, ("", ""))
                    value = rest[2:].rstrip("\n").strip()
                    out[did] = (value, abstract) if rest[0] == "t" else (title, value)
    return out
