"""Training data for the claim component: documents with per-sentence targets → encoder windows.

Every source supervises only what it annotates (the rest is masked in the loss):

==================  ==========================================================================
MechClaims          everything: claim/type (``none`` for non-claims), key, hedged, negated, roles
claim_sentences     key (Achakulvisut et al.: their label = a key claim, so also "is a claim")
causal              Yu et al. 2019, standalone sentences: none → none|descriptive, direct →
                    causal|mechanistic + asserted, conditional → causal|mechanistic + hedged,
                    correlational → correlational
sciclaim            roles: arg0 of an association → AGENT, arg1 → EFFECT (MECHANISM masked)
bioscope            hedged = a speculation cue in the sentence, negated = a negation cue
==================  ==========================================================================

The type target is a *set* of allowed classes (partial labels): the loss is
``-log sum(p[allowed])``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .claim_heads import N_POSITION, ROLE_LABELS, TYPE_CLASSES, position_features
from .encoder import EntitySettings
from .inference import windows_for
from .tagging import IGNORE, encode_bio, tokenize, window_owners

__all__ = ["ClaimDoc", "ClaimWindow", "build_claim_windows", "collate_claims", "load_bioscope", "load_causal",
           "load_claim_sentences", "load_mechclaims_docs", "load_sciclaim"]

T = {name: i for i, name in enumerate(TYPE_CLASSES)}
CLAIM_CLASSES = (T["mechanistic"], T["causal"], T["correlational"], T["descriptive"])
RELATIONAL = {T["mechanistic"], T["causal"], T["correlational"]}  # claim types that carry roles
#: Yu et al. 2019 label → allowed type classes, hedged
CAUSAL_LABELS = {
    0: ((T["none"], T["descriptive"]), None),
    1: ((T["causal"], T["mechanistic"]), 0),
    2: ((T["causal"], T["mechanistic"]), 1),
    3: ((T["correlational"],), None),
}


@dataclass
class ClaimDoc:
    """A document (or a standalone sentence) with the claim targets its source annotates."""

    id: str
    source: str
    text: str
    sentences: list[tuple[int, int]]
    allowed: list[tuple[int, ...] | None]  # per sentence: allowed TYPE_CLASSES indices; None = unsupervised
    key: list[int | None]
    hedged: list[int | None]
    negated: list[int | None]
    roles: list[tuple[int, int, str]] | None = None  # None = roles not annotated
    role_labels: tuple[str, ...] = ROLE_LABELS  # which role columns ``roles`` supervises
    standalone: bool = False
    meta: dict = field(default_factory=dict)


def load_mechclaims_docs(split: str | None, *, path: str | Path | None = None) -> list[ClaimDoc]:
    from ..corpora.mechanistic import load_mechclaims

    out = []
    for d in load_mechclaims(split, path=path):
        by_start = {c["start"]: c for c in d["claims"]}
        allowed, key, hedged, negated, roles = [], [], [], [], []
        for s, _ in d["sentences"]:
            c = by_start.get(s)
            if c is None:
                allowed.append((T["none"],))
                key.append(0)
                hedged.append(None)
                negated.append(None)
            else:
                allowed.append((T[c["type"]],))
                key.append(int(c["key"]))
                hedged.append(int(c["certainty"] == "hedged"))
                negated.append(int(c["negated"]))
                roles += [(r["start"], r["end"], r["label"]) for r in c["roles"]]
        out.append(ClaimDoc(d["id"], "mechclaims", d["text"], [tuple(s) for s in d["sentences"]], allowed, key,
                            hedged, negated, roles))
    return out


def load_claim_sentences(split: str, shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """Achakulvisut et al.: title (unlabelled) + their sentences, found in ``title + " " + abstract``."""
    from ..corpora import corpora_dir
    from ..corpora.texts import SOURCES, join_title

    path = corpora_dir(shared_root) / SOURCES["claim_sentences"][split]
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            title = (d.get("title") or "").strip()
            text = join_title(title, d.get("abstract") or "")
            sents: list[tuple[int, int]] = [(0, len(title))] if title else []
            key: list[int | None] = [None] * len(sents)
            cursor = len(title)
            for sent, label in zip(d["sentences"], d["labels"]):
                sent = sent.strip()
                pos = text.find(sent, cursor)
                if not sent or pos < 0:
                    continue  # a sentence not found verbatim (rare) is left out
                sents.append((pos, pos + len(sent)))
                key.append(int(label))
                cursor = pos + len(sent)
            allowed = [CLAIM_CLASSES if k == 1 else None for k in key]
            n = len(sents)
            out.append(ClaimDoc(str(d["paper_id"]), "claim_sentences", text, sents, allowed, key, [None] * n, [None] * n))
    return out


def _standalone(did: str, source: str, text: str, **targets) -> ClaimDoc:
    return ClaimDoc(did, source, text, [(0, len(text))], [targets.get("allowed")], [targets.get("key")],
                    [targets.get("hedged")], [targets.get("negated")], targets.get("roles"),
                    targets.get("role_labels", ROLE_LABELS), standalone=True)


def load_causal(shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """Yu et al. 2019 (shared part), one standalone sentence each; ``meta["label"]`` = 0..3."""
    from ..corpora import corpora_dir

    path = corpora_dir(shared_root) / "causal_language_yu2019" / "pubmed_causal_language_use.shared.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            text = row["sentence"].strip()
            label = int(row["label"])
            allowed, hedged = CAUSAL_LABELS[label]
            doc = _standalone(f"causal:{i}", "causal", text, allowed=allowed, hedged=hedged)
            doc.meta["label"] = label
            out.append(doc)
    return out


_DETERMINER = re.compile(r"^(the|a|an|this|these|those|its|their)\s+", re.I)


def load_sciclaim(shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """SciClaim train + val claims (PubMed and CORD-19 parts), roles AGENT / EFFECT only."""
    from ..corpora import corpora_dir

    base = corpora_dir(shared_root) / "sciclaim"
    out = []
    for path in sorted(base.glob("*/*_pos_*.json")):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            tokens = rec["tokens"]
            text = rec.get("text") or " ".join(tokens)  # some records carry tokens only
            starts, cursor = [], 0
            for tok in tokens:
                pos = text.find(tok, cursor)
                if pos < 0:
                    break
                starts.append(pos)
                cursor = pos + len(tok)
            if len(starts) != len(tokens):
                continue
            ents = rec["entities"]
            roles = []
            for rel in rec["relations"]:
                label = {"arg0": "AGENT", "arg1": "EFFECT"}.get(rel["type"])
                if label is None or ents[rel["head"]]["type"] != "association":
                    continue
                e = ents[rel["tail"]]
                s, end = starts[e["start"]], starts[e["end"] - 1] + len(tokens[e["end"] - 1])
                m = _DETERMINER.match(text[s:end])
                if m and s + m.end() < end:
                    s += m.end()
                roles.append((s, end, label))
            if roles:
                out.append(_standalone(f"sciclaim:{rec['uuid']}", "sciclaim", text, roles=sorted(set(roles)),
                                       role_labels=("AGENT", "EFFECT")))
    return out


def load_bioscope(shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """BioScope abstracts: sentences joined with a space; hedged / negated from the cues."""
    from lxml import etree

    from ..corpora import corpora_dir

    path = corpora_dir(shared_root) / "bioscope" / "abstracts.shared.xml"
    tree = etree.parse(str(path), etree.XMLParser(load_dtd=False, no_network=True, recover=True))
    out = []
    for doc in tree.iter("Document"):
        did = (doc.findtext("DocID") or "").strip()
        parts, sents, hedged, negated = [], [], [], []
        pos = 0
        for sent in doc.iter("sentence"):
            s = " ".join("".join(sent.itertext()).split())
            if not s:
                continue
            cues = {c.get("type") for c in sent.iter("cue")}
            sents.append((pos, pos + len(s)))
            parts.append(s)
            hedged.append(int("speculation" in cues))
            negated.append(int("negation" in cues))
            pos += len(s) + 1
        if sents:
            n = len(sents)
            out.append(ClaimDoc(f"bioscope:{did}", "bioscope", " ".join(parts), sents, [None] * n, [None] * n,
                                hedged, negated))
    return out


@dataclass
class ClaimWindow:
    """One encoder input with claim targets (sentences indexed locally)."""

    ids: np.ndarray  # [n] with [CLS]/[SEP]
    sentence_of_piece: np.ndarray  # [n], -1 = no sentence
    position: np.ndarray  # [S, N_POSITION]
    allowed: np.ndarray  # [S, len(TYPE_CLASSES)] bool (all False = unsupervised)
    flags: np.ndarray  # [S, 3] float targets key / hedged / negated, NaN = unsupervised
    roles: np.ndarray  # [n, n_roles] BIO targets, IGNORE = unsupervised
    doc: int = -1
    sentence_ids: tuple[int, ...] = ()  # the document's sentence index of each local sentence
    start: int = 0  # pieces [start, end) of the document (without [CLS]/[SEP])
    end: int = 0
    owned: np.ndarray | None = None  # [end - start] bool: pieces this window predicts

    def __len__(self) -> int:
        return len(self.ids)


def sentence_pieces(offsets: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each piece, the index of the sentence its first character falls in (-1: none)."""
    starts = np.asarray([s for s, _ in offsets], dtype=np.int64)
    out = np.full(len(offsets), -1, dtype=np.int64)
    for k, (s, e) in enumerate(sentences):
        lo, hi = np.searchsorted(starts, s, "left"), np.searchsorted(starts, e, "left")
        out[lo:hi] = k
    return out


def build_claim_windows(docs: Sequence[ClaimDoc], tokenizer, settings: EntitySettings | None = None,
                        *, pieces=None, roles_in_claims_only: bool = False) -> list[ClaimWindow]:
    """Tokenize and window ``docs``; each sentence belongs to the window that owns its first piece.

    With ``roles_in_claims_only`` role targets are kept only inside sentences labelled as mechanistic,
    causal or correlational claims (where roles are decoded at inference), not in other sentences."""
    settings = settings or EntitySettings()
    pieces = pieces if pieces is not None else tokenize(tokenizer, [d.text for d in docs])
    per_doc = windows_for(pieces, [[s for s, _ in d.sentences[1:]] for d in docs], settings)
    out: list[ClaimWindow] = []
    for di, (doc, p, ws) in enumerate(zip(docs, pieces, per_doc)):
        n_s = len(doc.sentences)
        sent_of = sentence_pieces(p.offsets, doc.sentences)
        owner = window_owners([(w.start, w.end) for w in ws], len(p))
        if doc.roles is None:
            role_tags = np.full((len(p), len(ROLE_LABELS)), IGNORE, dtype=np.int64)
        else:
            role_tags = encode_bio(p.offsets, doc.roles, ROLE_LABELS)
            role_tags[:, [j for j, lab in enumerate(ROLE_LABELS) if lab not in doc.role_labels]] = IGNORE
            if roles_in_claims_only and not doc.standalone:
                relational = np.asarray([a is not None and set(a) <= RELATIONAL for a in doc.allowed] + [False])
                role_tags[~relational[sent_of]] = IGNORE  # sent_of == -1 → the trailing False
        ks, firsts = np.unique(sent_of, return_index=True)
        first_piece = {int(k): int(i) for k, i in zip(ks, firsts) if k >= 0}
        ids = np.asarray(p.ids, dtype=np.int64)
        by_window: dict[int, list[int]] = {}
        for k, i in first_piece.items():  # a sentence belongs to the window owning its first piece
            by_window.setdefault(int(owner[i]), []).append(k)
        for wi, w in enumerate(ws):
            if not len(w):
                continue
            mine = sorted(by_window.get(wi, []))
            body = sent_of[w.start:w.end]
            sop = np.full(len(w) + 2, -1, dtype=np.int64)
            lookup = np.full(n_s + 1, -1, dtype=np.int64)  # document sentence (or -1 → last slot) → local index
            lookup[mine] = np.arange(len(mine))
            sop[1:-1] = lookup[body]
            position = np.asarray([position_features(k, n_s, standalone=doc.standalone) for k in mine],
                                  dtype=np.float32).reshape(-1, N_POSITION)
            allowed = np.zeros((len(mine), len(TYPE_CLASSES)), dtype=bool)
            flags = np.full((len(mine), 3), np.nan, dtype=np.float32)
            for j, k in enumerate(mine):
                if doc.allowed[k] is not None:
                    allowed[j, list(doc.allowed[k])] = True
                for c, values in enumerate((doc.key, doc.hedged, doc.negated)):
                    if values[k] is not None:
                        flags[j, c] = values[k]
            roles = np.full((len(w) + 2, len(ROLE_LABELS)), IGNORE, dtype=np.int64)
            r = role_tags[w.start:w.end].copy()
            r[owner[w.start:w.end] != wi] = IGNORE
            roles[1:-1] = r
            win_ids = np.concatenate([[tokenizer.cls_token_id], ids[w.start:w.end], [tokenizer.sep_token_id]])
            out.append(ClaimWindow(win_ids, sop, position, allowed, flags, roles, di, tuple(mine), w.start, w.end,
                                   owner[w.start:w.end] == wi))
    return out


def collate_claims(windows: Sequence[ClaimWindow], pad_id: int, multiple_of: int = 8) -> dict[str, torch.Tensor]:
    """Padded tensors for a batch; sentence indices are made global to the batch."""
    width = -(-max(len(w) for w in windows) // multiple_of) * multiple_of
    n_roles = windows[0].roles.shape[1]
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    sop = np.full((len(windows), width), -1, dtype=np.int64)
    roles = np.full((len(windows), width, n_roles), IGNORE, dtype=np.int64)
    offset = 0
    for r, w in enumerate(windows):
        n = len(w)
        ids[r, :n] = w.ids
        mask[r, :n] = 1
        sop[r, :n] = np.where(w.sentence_of_piece >= 0, w.sentence_of_piece + offset, -1)
        roles[r, :n] = w.roles
        offset += len(w.position)
    cat = lambda name: torch.from_numpy(np.concatenate([getattr(w, name) for w in windows]))  # noqa: E731
    return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
            "sentence_of_piece": torch.from_numpy(sop), "position": cat("position"), "allowed": cat("allowed"),
            "flags": cat("flags"), "roles": torch.from_numpy(roles)}
