"""Training data for the entity head: documents with gold DRUG / DISORDER / OUTCOME spans (`Example`).

Each corpus annotates only some labels (NCBI-disease: DISORDER; EBM-NLP: OUTCOME): `CORPUS_LABELS`
says which, so training masks the others (an unannotated drug in an NCBI abstract is never taught as
"O"). Examples come from `claimx.corpora` or from gzipped JSONL files written by `write_examples`
(so a GPU box needs neither spaCy nor the corpus readers).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CORPUS_LABELS",
    "EVAL_CORPORA",
    "Example",
    "as_examples",
    "load_examples",
    "read_examples",
    "write_examples",
]

#: The claimx labels each corpus annotates (kept in sync with claimx.corpora.LABEL_MAPS).
CORPUS_LABELS: dict[str, tuple[str, ...]] = {
    "bc5cdr": ("DRUG", "DISORDER"),
    "ncbi": ("DISORDER",),
    "biored": ("DRUG", "DISORDER"),
    "ebm_nlp": ("OUTCOME",),
}


@dataclass(frozen=True)
class Example:
    """A document with gold spans ``(start, end, label)``; ``corpus`` says which labels count."""

    id: str
    corpus: str
    text: str
    spans: tuple[tuple[int, int, str], ...]


def as_examples(docs: Iterable) -> list[Example]:
    """`claimx.corpora.Document`s (or anything with id/corpus/text/entities) → `Example`s."""
    return [
        Example(d.id, d.corpus, d.text, tuple((s.start, s.end, s.label) for s in d.entities)) for d in docs
    ]


def write_examples(examples: Iterable[Example], path: str | Path) -> int:
    """Write examples as gzipped JSONL; returns how many."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps({"id": e.id, "corpus": e.corpus, "text": e.text,
                                 "spans": [list(s) for s in e.spans]}, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_examples(path: str | Path) -> list[Example]:
    with gzip.open(Path(path), "rt", encoding="utf-8") as fh:
        return [
            Example(r["id"], r["corpus"], r["text"], tuple((int(s), int(e), str(lab)) for s, e, lab in r["spans"]))
            for r in map(json.loads, fh)
        ]


#: Corpora whose held-out splits the entity model is evaluated on.
EVAL_CORPORA: tuple[str, ...] = tuple(CORPUS_LABELS)


def load_examples(
    corpus: str,
    split: str,
    *,
    data_dir: str | Path | None = None,
    evaluated_on: Sequence[str] = EVAL_CORPORA,
    shared_root: str | Path | None = None,
) -> list[Example]:
    """Documents of ``corpus`` for ``split``:

    ``train``  the train split minus documents in the dev or test splits of ``evaluated_on``;
    ``dev``    the dev split;
    ``final``  train + dev (for the shipped model) minus documents in the test splits of
               ``evaluated_on`` (CROSS_DATASET_OVERLAP.tsv), one copy per id.

    With ``data_dir`` they are read from ``<data_dir>/<split>/<corpus>.jsonl.gz`` instead
    (written by ``scripts/train_entities.py --export-data``).
    """
    if split not in ("train", "dev", "final"):
        raise ValueError(f"unknown split {split!r}; use train, dev or final")
    if data_dir is not None:
        path = Path(data_dir) / split / f"{corpus}.jsonl.gz"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found; write it with scripts/train_entities.py --export-data {data_dir}")
        return read_examples(path)
    from . import OVERLAP_FILE, corpora_dir, drop_documents, load_corpus, pmids_to_drop

    if split == "dev":
        return as_examples(load_corpus(corpus, "dev", shared_root))
    if split == "train":
        return as_examples(load_corpus(corpus, "train", shared_root, exclude_overlap_with=list(evaluated_on)))
    docs = load_corpus(corpus, "train", shared_root) + load_corpus(corpus, "dev", shared_root)
    docs = drop_documents(docs, pmids_to_drop(corpus, list(evaluated_on), corpora_dir(shared_root) / OVERLAP_FILE))
    seen: set[str] = set()
    unique = [d for d in docs if not (d.id in seen or seen.add(d.id))]
    return as_examples(unique)
