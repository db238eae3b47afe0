"""Training data for the claim component: documents with the per-sentence claim targets each source annotates.

Every source supervises only what it annotates (the rest is masked in the loss):

==================  ==========================================================================
MechClaims          everything: claim/type (``none`` for non-claims), key, hedged, negated, roles
claim_sentences     key (Achakulvisut et al.: their label = a key claim, so also "is a claim")
causal              Yu et al. 2019, standalone sentences: none → none|descriptive, direct →
                    causal|mechanistic + asserted, conditional → causal|mechanistic + hedged,
                    correlational → correlational
sciclaim            roles: arg0 of an association → AGENT, arg1 → EFFECT (MECHANISM masked)
cdr                 weak roles from BC5CDR's chemical-induced-disease pairs: in a sentence naming both
                    concepts of a pair, the Chemical mentions → AGENT, the Disease mentions → EFFECT
                    (standalone sentences; type and MECHANISM masked)
bioscope            hedged = a speculation cue in the sentence, negated = a negation cue
==================  ==========================================================================

The type target is a *set* of allowed classes (partial labels; the loss is ``-log sum(p[allowed])``):
``none`` (not a claim) or a claim type. `claimx.models.training.targets` turns these into window targets.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..results import CLAIM_TYPES, RELATIONAL_TYPES, ROLE_LABELS
from . import corpora_dir
from .mechanistic import find_whole_word, load_mechclaims
from .pubtator import read_pubtator_concepts
from .texts import SOURCES, join_title

__all__ = ["CAUSAL_LABELS", "NOT_A_CLAIM", "ClaimDoc", "abbreviation_copies", "definition_share", "frame_copies", "tail_copies", "load_bioscope",
           "load_causal", "load_cdr_cid", "load_claim_sentences", "load_mechclaims_docs", "load_sciclaim",
           "sentence_copies"]

#: The type target of a sentence that makes no claim.
NOT_A_CLAIM = "none"
#: Yu et al. 2019 label → (allowed types, hedged)
CAUSAL_LABELS: dict[int, tuple[tuple[str, ...], int | None]] = {
    0: ((NOT_A_CLAIM, "descriptive"), None),
    1: (("causal", "mechanistic"), 0),
    2: (("causal", "mechanistic"), 1),
    3: (("correlational",), None),
}


@dataclass
class ClaimDoc:
    """A document (or a standalone sentence) with the claim targets its source annotates."""

    id: str
    source: str
    text: str
    sentences: list[tuple[int, int]]
    allowed: list[tuple[str, ...] | None]  # per sentence: allowed types ("none" or claim types); None = unsupervised
    key: list[int | None]
    hedged: list[int | None]
    negated: list[int | None]
    roles: list[tuple[int, int, str]] | None = None  # None = roles not annotated
    role_labels: tuple[str, ...] = ROLE_LABELS  # which role columns ``roles`` supervises
    standalone: bool = False
    meta: dict = field(default_factory=dict)


def load_mechclaims_docs(split: str | None, *, path: str | Path | None = None) -> list[ClaimDoc]:
    out = []
    for d in load_mechclaims(split, path=path):
        by_start = {c["start"]: c for c in d["claims"]}
        allowed, key, hedged, negated, roles = [], [], [], [], []
        for s, _ in d["sentences"]:
            c = by_start.get(s)
            if c is None:
                allowed.append((NOT_A_CLAIM,))
                key.append(0)
                hedged.append(None)
                negated.append(None)
            else:
                allowed.append((c["type"],))
                key.append(int(c["key"]))
                hedged.append(int(c["certainty"] == "hedged"))
                negated.append(int(c["negated"]))
                roles += [(r["start"], r["end"], r["label"]) for r in c["roles"]]
        out.append(ClaimDoc(d["id"], "mechclaims", d["text"], [tuple(s) for s in d["sentences"]], allowed, key,
                            hedged, negated, roles, meta={"genre": d["genre"]} if d.get("genre") else {}))
    return out


def load_claim_sentences(split: str, shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """Achakulvisut et al.: title (unlabelled) + their sentences, found in ``title + " " + abstract``."""
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
            allowed = [CLAIM_TYPES if k == 1 else None for k in key]
            n = len(sents)
            out.append(ClaimDoc(str(d["paper_id"]), "claim_sentences", text, sents, allowed, key, [None] * n, [None] * n))
    return out


def _standalone(did: str, source: str, text: str, **targets) -> ClaimDoc:
    return ClaimDoc(did, source, text, [(0, len(text))], [targets.get("allowed")], [targets.get("key")],
                    [targets.get("hedged")], [targets.get("negated")], targets.get("roles"),
                    targets.get("role_labels", ROLE_LABELS), standalone=True)


def load_causal(shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """Yu et al. 2019 (shared part), one standalone sentence each; ``meta["label"]`` = 0..3."""
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


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def load_cdr_cid(split: str = "train", *, exclude: Collection[str] = (), shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """BC5CDR sentences that name both concepts of a CID pair, standalone, with weak AGENT / EFFECT roles:
    the mentions of the pair's chemical and disease ids in that sentence. Documents in ``exclude`` (PMIDs,
    e.g. those in MechClaims' held-out splits) are left out. Sentences are split at ". " + capital: weak
    labels, no spaCy (training needs none)."""
    out = []
    for doc in read_pubtator_concepts(corpora_dir(shared_root) / SOURCES["bc5cdr"][split]):
        pairs = {(r[1], r[2]) for r in doc.relations if len(r) >= 3 and r[0] == "CID"}
        if doc.id in exclude or not pairs:
            continue
        text = doc.text
        bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text) + 1]
        for k, (s, e) in enumerate(itertools.pairwise(bounds)):
            e = s + len(text[s : e - 1].rstrip())
            inside = [m for m in doc.mentions if s <= m.start and m.end <= e]
            chems = {i for m in inside if m.type == "Chemical" for i in m.ids}
            dis = {i for m in inside if m.type == "Disease" for i in m.ids}
            found = {(a, b) for a, b in pairs if a in chems and b in dis}
            if not found:
                continue
            agents, effects = {a for a, _ in found}, {b for _, b in found}
            roles = sorted({(m.start - s, m.end - s, "AGENT") for m in inside if m.type == "Chemical" and agents & set(m.ids)}
                           | {(m.start - s, m.end - s, "EFFECT") for m in inside if m.type == "Disease" and effects & set(m.ids)})
            out.append(_standalone(f"cdr:{doc.id}#{k}", "cdr", text[s:e], roles=roles, role_labels=("AGENT", "EFFECT")))
    return out


def load_bioscope(shared_root: str | Path | None = None) -> list[ClaimDoc]:
    """BioScope abstracts: sentences joined with a space; hedged / negated from the cues."""
    from lxml import etree

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


def sentence_copies(docs: Sequence[ClaimDoc]) -> list[ClaimDoc]:
    """Each sentence of ``docs`` as a standalone one-sentence document with its labels (key left out: it is
    a notion of the whole abstract; roles only in relational claims, as `--roles-in-claims-only` trains them),
    so the heads also learn claims given alone, as `ex("...")` gives them."""
    out = []
    for doc in docs:
        for k, (s, e) in enumerate(doc.sentences):
            if doc.allowed[k] is None and doc.hedged[k] is None and doc.negated[k] is None:
                continue
            relational = doc.allowed[k] is not None and set(doc.allowed[k]) <= RELATIONAL_TYPES
            roles = None if doc.roles is None or not relational else [
                (rs - s, re_ - s, lab) for rs, re_, lab in doc.roles if s <= rs and re_ <= e]
            out.append(_standalone(f"{doc.id}#{k}", doc.source, doc.text[s:e], allowed=doc.allowed[k],
                                   hedged=doc.hedged[k], negated=doc.negated[k], roles=roles,
                                   role_labels=doc.role_labels))
    return out


_FUNCTION_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
                             "with"})


def _initials(phrase: str) -> str:
    """An acronym of ``phrase`` as authors coin them, one letter per space-separated content word ("synaptic
    connectivity model" → "SCM"), or "" unless that gives 2–6 plain ASCII letters (no digit- or Greek-initial
    words: "p38alpha MAPK", "β-catenin signaling")."""
    words = [w for w in phrase.split() if w.lower() not in _FUNCTION_WORDS]
    abbr = "".join(w[0] for w in words).upper()
    return abbr if 2 <= len(abbr) <= 6 and abbr.isascii() and abbr.isalpha() else ""


def _moved(edits: Sequence[tuple[int, int, str]], pos: int, is_end: bool) -> int:
    """``pos`` after ``edits`` (start, end, replacement): at an inserted definition an end stays before it and a
    start moves after it; an end at a replaced phrase's end moves to the replacement's end."""
    return pos + sum(len(new) - (b - a) for a, b, new in edits if b < pos or (b == pos and (a < b or not is_end)))


def _edited(doc: ClaimDoc, edits: Sequence[tuple[int, int, str]], tag: str, hedged: list[int | None]) -> ClaimDoc:
    """A copy of ``doc`` (id ``{id}~{tag}``) with sorted, disjoint ``edits`` (start, end, replacement) applied to its
    text, sentence and role offsets moved with them, other labels kept."""
    text, cursor = "", 0
    for a, b, new in edits:
        text += doc.text[cursor:a] + new
        cursor = b
    text += doc.text[cursor:]
    sentences = [(_moved(edits, s, False), _moved(edits, e, True)) for s, e in doc.sentences]
    roles = None if doc.roles is None else [(_moved(edits, rs, False), _moved(edits, re_, True), label)
                                            for rs, re_, label in doc.roles]
    return ClaimDoc(f"{doc.id}~{tag}", doc.source, text, sentences, list(doc.allowed), list(doc.key), hedged,
                    list(doc.negated), roles, doc.role_labels, doc.standalone, dict(doc.meta))


_DEFINITION = re.compile(r"\([A-Z][A-Za-z0-9-]{1,8}\)")  # "(CSP)": an abbreviation defined


def definition_share(docs: Sequence[ClaimDoc]) -> float:
    """The share of the non-claim sentences of ``docs`` that define an abbreviation ("… pathology (CSP) …")."""
    rows = [bool(_DEFINITION.search(d.text, s, e)) for d in docs for k, (s, e) in enumerate(d.sentences)
            if d.allowed[k] == (NOT_A_CLAIM,)]
    return sum(rows) / len(rows) if rows else 0.0


def abbreviation_copies(docs: Sequence[ClaimDoc], *, claim_share: float | None = None) -> list[ClaimDoc]:
    """Copies of ``docs`` in which authors' abbreviations appear where claims are, every label kept. In each
    relational claim sentence the longest role (by characters) with an acronym (`_initials`) is defined in place
    ("X Y Z" → "X Y Z (XYZ)"), and the first later sentence with a whole-word mention of the same text uses the
    acronym instead. Real abstracts define an abbreviation in background or methods far more often than in a
    claim, so without these the heads read a definition as "not a claim" ("we present evidence for an X Y
    pathology (XYP) in Z"). A sentence is left as it is when that role ends the sentence, is followed by a
    bracket or a hyphen ("X (p = 0.02)", "X-induced"), lies inside another role, or its acronym starts a word
    of the text already ("CD" beside "CD4"); a mention is left when a role starts or ends inside it. Documents
    with no edit get no copy; offsets after an edit shift with it.

    ``claim_share``: the share of claim sentences given a definition (chosen by a hash of document id and sentence
    index, so runs repeat). The default, `definition_share` of ``docs``, is how often their *other* sentences
    define one: a definition then says nothing about claim status (with every claim sentence, 1.0, it came to mean
    "claim": 73 % of the copies' claims vs 17 % of their other sentences)."""
    share = definition_share(docs) if claim_share is None else claim_share
    out = []
    for doc in docs:
        if not doc.roles:
            continue
        edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text, disjoint
        used: set[str] = set()
        role_spans = sorted(doc.roles)
        for k, (s, e) in enumerate(doc.sentences):
            if doc.allowed[k] is None or not set(doc.allowed[k]) <= RELATIONAL_TYPES \
                    or zlib.crc32(f"{doc.id}#{k}".encode()) >= share * 2 ** 32:
                continue
            inside = [(rs, re_) for rs, re_, _ in role_spans if s <= rs and re_ <= e and _initials(doc.text[rs:re_])]
            if not inside:
                continue
            rs, re_ = max(inside, key=lambda r: (r[1] - r[0], -r[0]))
            phrase, abbr = doc.text[rs:re_], _initials(doc.text[rs:re_])
            if re_ == e or doc.text[re_:].lstrip()[:1] in ("(", "[") or doc.text[re_:re_ + 1] == "-" \
                    or any(a < re_ < b for a, b, _ in role_spans) or abbr in used \
                    or re.search(rf"\b{abbr}", doc.text) or any(a < re_ and rs < b for a, b, _ in edits):
                continue
            used.add(abbr)
            edits.append((re_, re_, f" ({abbr})"))
            for s2, e2 in doc.sentences[k + 1:]:  # a later mention of the phrase: the acronym
                pos = find_whole_word(doc.text[s2:e2], phrase)
                if pos < 0:
                    continue
                pos += s2
                end = pos + len(phrase)
                if not any(pos < a < end or pos < b < end for a, b, _ in role_spans) \
                        and not any(a < end and pos < b for a, b, _ in edits):
                    edits.append((pos, end, abbr))
                break
        if edits:
            out.append(_edited(doc, sorted(edits), "abbr", list(doc.hedged)))
    return out


# Guideline section 6: in a perspective, review or hypothesis paper the reporting frame ("In this review, we
# summarize / present / discuss …") never decides claim or scope — what follows it does ("would the sentence still
# say something true or false with 'we summarize' removed?").
_FRAME = re.compile(
    r"(?P<intro>(?:In (?:this|the current|the present)(?: short| brief)? (?:review|perspective|commentary|paper|article"
    r"|hypothesis paper|perspective paper|opinion piece)|Here),?\s+)?(?P<we>[Ww]e) (?P<adverb>(?:then|also|further"
    r"|briefly|first|finally) )?(?P<verb>summari[sz]e|present|outline|describe|review|discuss|revisit|highlight"
    r"|(?P<hedge>propose|advance|put forward)(?! that\b))\b")
_INTROS = ("", "Here, ", "In this review, ", "In this perspective, ", "In this short perspective paper, ",
           "In this commentary, ")
_FRAME_VERBS = ("summarize", "present", "outline", "describe", "review", "discuss")


def frame_copies(docs: Sequence[ClaimDoc]) -> list[ClaimDoc]:
    """Copies of the perspective / review / hypothesis / commentary documents of ``docs`` (``meta["genre"]``) in
    which every sentence that opens with a reporting frame ("In this review, we summarize …", "Here, we present
    …", "We then discuss …") opens with another intro and verb (picked by a hash of document and sentence), every
    label kept: the guideline makes the frame irrelevant, and without these the heads learn "summarize" and
    "present" as scope and "propose" as claim. A "we propose / advance / put forward X" frame (not "… that") is
    rewritten too, its certainty left unsupervised (annotators hedge "propose"; "summarize" is not a hedge).
    Sentences whose frame holds a role are left as they are; documents with no changed sentence get no copy."""
    out = []
    for doc in docs:
        if doc.meta.get("genre", "research") == "research":
            continue
        edits: list[tuple[int, int, str]] = []
        hedged = list(doc.hedged)
        for k, (s, e) in enumerate(doc.sentences):
            m = _FRAME.match(doc.text, s, e)
            if not m or any(rs < m.end() and s < re_ for rs, re_, _ in doc.roles or ()):
                continue
            h = zlib.crc32(f"{doc.id}#{k}".encode())
            intro = [i for i in _INTROS if i != (m["intro"] or "")][h % (len(_INTROS) - 1)]
            verb = [v for v in _FRAME_VERBS if not m["verb"].lower().startswith(v[:7])][h // 7 % (len(_FRAME_VERBS) - 1)]
            frame = f"{intro}we {m['adverb'] or ''}{verb}"
            edits.append((s, m.end(), frame[0].upper() + frame[1:]))
            if m["hedge"]:
                hedged[k] = None
        if edits:
            out.append(_edited(doc, edits, "frame", hedged))
    return out


# Guideline section 6 again: a sentence that commits the authors to a relation or a model is a claim whatever
# topics it announces besides ("We summarize the X model of Y, and review the evidence"); one that only announces
# topics stays a scope statement with more of them.
_TAILS = (", and discuss the supporting experimental and clinical evidence", ", and briefly review open questions",
          ", while highlighting gaps in current knowledge", ", and outline directions for future research",
          ", and consider the implications for treatment", ", together with the main lines of evidence")


def tail_copies(docs: Sequence[ClaimDoc]) -> list[ClaimDoc]:
    """Copies of the perspective / review / hypothesis / commentary documents of ``docs`` in which every sentence
    that opens with a reporting frame (claim or scope statement alike) ends with one more announced topic
    (", and outline directions for future research", picked by a hash of document and sentence) before its final
    full stop, every label kept: without these the heads read a long list of announced topics as scope and drop
    the claim at its head. Documents with no such sentence get no copy."""
    out = []
    for doc in docs:
        if doc.meta.get("genre", "research") == "research":
            continue
        edits = [(e - 1, e - 1, _TAILS[zlib.crc32(f"{doc.id}#{k}".encode()) % len(_TAILS)])
                 for k, (s, e) in enumerate(doc.sentences)
                 if _FRAME.match(doc.text, s, e) and doc.text[e - 1] == "." and doc.text[e - 2].isalnum()]
        if edits:
            out.append(_edited(doc, edits, "tail", list(doc.hedged)))
    return out
