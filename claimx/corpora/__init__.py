"""Corpus loaders for the entity tagger: BC5CDR, NCBI-disease, BioRED (PubTator) and EBM-NLP
(token IO), mapped to DRUG / DISORDER / OUTCOME spans with character offsets.

    from claimx.corpora import load_corpus, to_dataset
    train = load_corpus("bc5cdr", "train", exclude_overlap_with="biored")
    ds = to_dataset(train)

The shared folder (the one that contains ``corpora/``) is, in order: the ``shared_root``
argument, the ``CLAIMX_SHARED`` environment variable, or ``../shared`` next to the repository.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from .documents import Document, Span, from_dataset, to_dataset
from .ebm_nlp import heldout_ids, read_ebm_nlp, split_documents
from .overlap import OVERLAP_FILE, drop_documents, pmids_to_drop, read_overlap, shared_overlap
from .pubtator import LABEL_MAPS, ConceptDoc, Mention, OffsetReport, read_pubtator, read_pubtator_concepts

logger = logging.getLogger(__name__)

__all__ = [
    "CORPORA",
    "LABEL_MAPS",
    "ConceptDoc",
    "Document",
    "Mention",
    "OffsetReport",
    "Span",
    "corpora_dir",
    "drop_documents",
    "from_dataset",
    "heldout_ids",
    "load_corpus",
    "pmids_to_drop",
    "read_ebm_nlp",
    "read_overlap",
    "read_pubtator",
    "read_pubtator_concepts",
    "shared_overlap",
    "split_documents",
    "to_dataset",
]

ENV_VAR = "CLAIMX_SHARED"

# corpus -> split -> file, relative to corpora/
CORPORA: dict[str, dict[str, str]] = {
    "bc5cdr": {
        "train": "bc5cdr/CDR_TrainingSet.PubTator.txt",
        "dev": "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
    },
    "ncbi": {
        "train": "ncbi_disease/NCBItrainset_corpus.txt",
        "dev": "ncbi_disease/NCBIdevelopset_corpus.txt",
    },
    "biored": {"train": "biored/Train.PubTator", "dev": "biored/Dev.PubTator"},
    # one file; train/dev come from the fixed seeded split in ebm_nlp.split_documents
    "ebm_nlp": {
        "train": "ebm_nlp/ebmnlp_scibert_dev.txt",
        "dev": "ebm_nlp/ebmnlp_scibert_dev.txt",
        "all": "ebm_nlp/ebmnlp_scibert_dev.txt",
    },
}


def corpora_dir(shared_root: str | Path | None = None) -> Path:
    """The ``corpora/`` folder under the shared root (argument > $CLAIMX_SHARED > ../shared)."""
    if shared_root is not None:
        root, how = Path(shared_root), "the shared_root argument"
    elif os.environ.get(ENV_VAR):
        root, how = Path(os.environ[ENV_VAR]), f"${ENV_VAR}"
    else:
        root, how = Path(__file__).resolve().parents[2].parent / "shared", "the default ../shared"
    path = root / "corpora"
    if not path.is_dir():
        raise FileNotFoundError(
            f"No corpora folder at {path} (from {how}). Point {ENV_VAR} or shared_root= at the "
            f"folder that contains corpora/."
        )
    return path


def load_corpus(
    name: str,
    split: str,
    shared_root: str | Path | None = None,
    exclude_overlap_with: str | Iterable[str] | None = None,
) -> list[Document]:
    """Load ``split`` (``train`` or ``dev``; EBM-NLP also ``all``) of corpus ``name``.

    ``exclude_overlap_with`` names corpora you will evaluate on; dropped are documents listed
    for them in CROSS_DATASET_OVERLAP.tsv (PMIDs in their held-out test sets) and documents in
    their ``dev`` split (the TSV does not cover shared-vs-shared overlap, e.g. 10 BC5CDR train
    abstracts are in BioRED dev). Unresolvable offset mismatches are dropped with a warning.
    """
    if name not in CORPORA:
        raise ValueError(f"Unknown corpus {name!r}; use one of {sorted(CORPORA)}")
    if split not in CORPORA[name]:
        raise ValueError(f"Corpus {name!r} has no split {split!r}; use one of {sorted(CORPORA[name])}")
    base = corpora_dir(shared_root)
    path = base / CORPORA[name][split]
    if not path.is_file():
        raise FileNotFoundError(f"Missing corpus file {path}; the shared corpora folder {base} is "
                                f"incomplete (see its README.md / {name} SOURCE.md).")
    if name == "ebm_nlp":
        docs = split_documents(read_ebm_nlp(path, corpus=name), split)
    else:
        docs = read_pubtator(path, corpus=name)
    if exclude_overlap_with is not None:
        evals = [exclude_overlap_with] if isinstance(exclude_overlap_with, str) else list(exclude_overlap_with)
        drop = pmids_to_drop(name, evals, base / OVERLAP_FILE)
        for other in evals:
            if other != name:
                drop |= {d.id for d in load_corpus(other, "dev", shared_root)}
        docs = drop_documents(docs, drop)
    return docs
