"""Cross-corpus overlap: documents to drop from training when evaluating on another corpus.

``CROSS_DATASET_OVERLAP.tsv`` (columns ``shared_dataset``, ``pmid``, ``also_in_heldout_of``)
lists every PMID of a shared (train/dev) split that also occurs in another corpus' held-out
test split. It does not cover overlap between two shared splits; use `shared_overlap` for that.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from pathlib import Path

from .documents import Document

logger = logging.getLogger(__name__)

OVERLAP_FILE = "CROSS_DATASET_OVERLAP.tsv"

# claimx corpus name -> name used in the TSV
TSV_NAMES: dict[str, str] = {
    "bc5cdr": "bc5cdr",
    "ncbi": "ncbi_disease",
    "biored": "biored",
    "ebm_nlp": "ebm_nlp",
}
_COLUMNS = ("shared_dataset", "pmid", "also_in_heldout_of")


def _tsv_name(corpus: str) -> str:
    if corpus in TSV_NAMES:
        return TSV_NAMES[corpus]
    if corpus in TSV_NAMES.values():
        return corpus
    raise ValueError(f"Unknown corpus {corpus!r}; use one of {sorted(TSV_NAMES)}")


def read_overlap(path: str | Path) -> list[tuple[str, str, str]]:
    """Rows ``(shared_dataset, pmid, also_in_heldout_of)`` of the overlap TSV."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Overlap table {path} not found; it lives in the shared "
                                f"corpora folder as {OVERLAP_FILE}")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if tuple(reader.fieldnames or ()) != _COLUMNS:
            raise ValueError(f"{path}: expected columns {_COLUMNS}, got {reader.fieldnames}")
        return [(r["shared_dataset"], r["pmid"], r["also_in_heldout_of"]) for r in reader]


def pmids_to_drop(train_corpus: str, eval_corpora: str | Iterable[str], path: str | Path) -> set[str]:
    """PMIDs to remove from ``train_corpus`` training documents when evaluating on
    ``eval_corpora`` (their held-out splits), read from the overlap TSV at ``path``."""
    if isinstance(eval_corpora, str):
        eval_corpora = [eval_corpora]
    train = _tsv_name(train_corpus)
    evals = {_tsv_name(c) for c in eval_corpora}
    return {pmid for shared, pmid, heldout in read_overlap(path) if shared == train and heldout in evals}


def drop_documents(docs: list[Document], pmids: set[str]) -> list[Document]:
    """``docs`` without those whose id is in ``pmids`` (logs how many were dropped)."""
    kept = [d for d in docs if d.id not in pmids]
    if len(kept) != len(docs):
        logger.info("Dropped %d overlapping documents", len(docs) - len(kept))
    return kept


def shared_overlap(train_docs: Iterable[Document], eval_docs: Iterable[Document]) -> set[str]:
    """Ids present in both document lists (e.g. BC5CDR train vs BioRED dev)."""
    return {d.id for d in train_docs} & {d.id for d in eval_docs}
