"""Training data for the entity head: documents → windows with per-label BIO targets.

Each corpus annotates only some labels (NCBI-disease: DISORDER; EBM-NLP: OUTCOME), so a
window's targets are IGNORE in the columns its corpus does not annotate: an unannotated drug
in an NCBI abstract is never taught as "O". Only the pieces a window owns (see
`tagging.window_owners`) carry targets; the overlap is context.

Documents can come from `claimx.corpora` or from gzipped JSONL files written by
`write_examples` (so a GPU box needs neither spaCy nor the corpus readers).
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .encoder import EntitySettings
from .inference import windows_for
from .tagging import IGNORE, encode_bio, sentence_starts, tokenize, window_owners

__all__ = [
    "CORPUS_LABELS",
    "EVAL_CORPORA",
    "Example",
    "TrainWindow",
    "as_examples",
    "build_windows",
    "collate",
    "load_examples",
    "read_examples",
    "train_batches",
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


@dataclass
class TrainWindow:
    """One encoder input: piece ids (with [CLS]/[SEP]) and targets ``[len(ids), n_labels]``."""

    ids: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def build_windows(examples: Sequence[Example], tokenizer, settings: EntitySettings) -> list[TrainWindow]:
    """Tokenize, window and BIO-encode ``examples``."""
    labels = settings.labels
    pieces = tokenize(tokenizer, [e.text for e in examples])
    per_doc = windows_for(pieces, [sentence_starts(e.text) for e in examples], settings)
    out: list[TrainWindow] = []
    for ex, p, ws in zip(examples, pieces, per_doc):
        annotated = CORPUS_LABELS.get(ex.corpus, tuple({s[2] for s in ex.spans}))
        tags = encode_bio(p.offsets, ex.spans, labels)
        tags[:, [j for j, lab in enumerate(labels) if lab not in annotated]] = IGNORE
        owner = window_owners([(w.start, w.end) for w in ws], len(p))
        ids = np.asarray(p.ids, dtype=np.int64)
        for k, w in enumerate(ws):
            if not len(w):
                continue
            tgt = np.full((len(w) + 2, len(labels)), IGNORE, dtype=np.int64)
            body = tags[w.start : w.end].copy()
            body[owner[w.start : w.end] != k] = IGNORE
            tgt[1:-1] = body
            win_ids = np.concatenate([[tokenizer.cls_token_id], ids[w.start : w.end], [tokenizer.sep_token_id]])
            out.append(TrainWindow(win_ids, tgt))
    return out


def train_batches(windows: Sequence[TrainWindow], token_budget: int, rng: random.Random, pool: int = 64) -> list[list[int]]:
    """Shuffled batches of window indices; similar lengths are batched together (sorted within
    pools of ``pool`` batches' worth of windows) and the padded size stays under ``token_budget``."""
    order = list(range(len(windows)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    avg = max(1, int(np.mean([len(w) for w in windows]))) if windows else 1
    chunk = max(1, pool * max(1, token_budget // avg))
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: len(windows[i]))
        cur: list[int] = []
        for i in part:
            width = max(len(windows[i]), len(windows[cur[-1]]) if cur else 0)
            if cur and (len(cur) + 1) * width > token_budget:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(windows: Sequence[TrainWindow], pad_id: int, multiple_of: int = 8) -> dict[str, torch.Tensor]:
    """Padded ``input_ids``, ``attention_mask`` and ``targets`` (padding is IGNORE)."""
    width = max(len(w) for w in windows)
    width = -(-width // multiple_of) * multiple_of
    n_labels = windows[0].targets.shape[1]
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    tgt = np.full((len(windows), width, n_labels), IGNORE, dtype=np.int64)
    for r, w in enumerate(windows):
        n = len(w)
        ids[r, :n] = w.ids
        mask[r, :n] = 1
        tgt[r, :n] = w.targets
    return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
            "targets": torch.from_numpy(tgt)}


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
    from ..corpora import OVERLAP_FILE, corpora_dir, drop_documents, load_corpus, pmids_to_drop

    if split == "dev":
        return as_examples(load_corpus(corpus, "dev", shared_root))
    if split == "train":
        return as_examples(load_corpus(corpus, "train", shared_root, exclude_overlap_with=list(evaluated_on)))
    docs = load_corpus(corpus, "train", shared_root) + load_corpus(corpus, "dev", shared_root)
    docs = drop_documents(docs, pmids_to_drop(corpus, list(evaluated_on), corpora_dir(shared_root) / OVERLAP_FILE))
    seen: set[str] = set()
    unique = [d for d in docs if not (d.id in seen or seen.add(d.id))]
    return as_examples(unique)
