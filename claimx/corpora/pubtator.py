"""Reader for PubTator files (BC5CDR, NCBI-disease, BioRED).

Format: per document a ``PMID|t|title`` line, a ``PMID|a|abstract`` line, then tab-separated
mention lines ``PMID start end mention type ids [extra]``, and relation lines (``PMID CID chemical disease``,
``PMID Association ...``). Offsets are 0-based, end exclusive, into ``title + " " + abstract``. Every
mention is checked against the text (see `OffsetReport`). `read_pubtator` gives entity `Document`s;
`read_pubtator_concepts` keeps the concept ids and the relations, for normalization and relation scoring.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from .documents import Document, Span

logger = logging.getLogger(__name__)

LABEL_MAPS: dict[str, dict[str, str]] = {
    "bc5cdr": {"Chemical": "DRUG", "Disease": "DISORDER"},
    "ncbi": {
        "SpecificDisease": "DISORDER",
        "DiseaseClass": "DISORDER",
        "Modifier": "DISORDER",
        "CompositeMention": "DISORDER",
    },
    "biored": {"ChemicalEntity": "DRUG", "DiseaseOrPhenotypicFeature": "DISORDER"},
}

_TEXT_LINE = re.compile(r"^(\d+)\|([ta])\|(.*)$")
_ID_SEP = re.compile(r"[|+,;]")  # between the ids of one mention
_SEARCH_WINDOW = 20  # characters either side of the stated offsets when relocating a mention


@dataclass(frozen=True)
class Mention:
    """A mention with its corpus type and concept ids (composites ``"D003490|D001145"``, NCBI's ``+``, BioRED's
    ``,`` split; ``-1`` dropped)."""

    start: int
    end: int
    type: str
    ids: tuple[str, ...]


@dataclass
class ConceptDoc:
    """One PubTator document with its mentions' concept ids and its relations ``(type, id1, id2)``."""

    id: str
    title: str
    abstract: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"{self.title} {self.abstract}"


@dataclass
class OffsetReport:
    """What the offset check found while reading one or more files."""

    mentions: int = 0  # kept mentions (after label mapping)
    exact: int = 0  # text[start:end] == mention
    fixed: list[str] = field(default_factory=list)  # repaired (whitespace or shifted offsets)
    dropped: list[str] = field(default_factory=list)  # could not be located: span dropped
    duplicate_docs: list[str] = field(default_factory=list)  # repeated PMIDs skipped

    @property
    def mismatches(self) -> int:
        """Mentions whose stated offsets and string disagreed (fixed + dropped)."""
        return len(self.fixed) + len(self.dropped)


def _locate(text: str, start: int, end: int, mention: str) -> tuple[int, int] | None:
    """Find ``mention`` near the stated offsets; None if it cannot be placed."""
    target = mention.strip()
    if not target:
        return None
    if text[start:end] == target:  # offsets right, mention string padded with whitespace
        return start, end
    lo, hi = max(0, start - _SEARCH_WINDOW), min(len(text), end + _SEARCH_WINDOW)
    hits = [m.start() for m in re.finditer(re.escape(target), text[lo:hi])]
    if not hits:
        return None
    best = lo + min(hits, key=lambda h: abs(lo + h - start))
    return best, best + len(target)


def _check_span(
    doc_id: str, text: str, start: int, end: int, mention: str, report: OffsetReport
) -> tuple[int, int] | None:
    if text[start:end] == mention:
        report.exact += 1
        return start, end
    where = f"{doc_id} {start}-{end} {mention!r} (text has {text[start:end]!r})"
    found = _locate(text, start, end, mention)
    if found is None:
        report.dropped.append(where)
        logger.warning("Dropping mention that is not in the text: %s", where)
        return None
    report.fixed.append(f"{where} -> {found[0]}-{found[1]}")
    logger.info("Repaired mention offsets: %s -> %d-%d", where, *found)
    return found


def read_pubtator(
    path: str | Path,
    corpus: str,
    label_map: dict[str, str] | None = None,
    report: OffsetReport | None = None,
) -> list[Document]:
    """Read a PubTator file into `Document`s with mapped labels.

    ``label_map`` maps corpus entity types to claimx labels (default: ``LABEL_MAPS[corpus]``);
    other types are dropped. Duplicate PMIDs keep the first copy. Pass an `OffsetReport` to
    collect offset-check results.
    """
    path = Path(path)
    if label_map is None:
        if corpus not in LABEL_MAPS:
            raise ValueError(f"No default label map for corpus {corpus!r}; pass label_map= "
                             f"or use one of {sorted(LABEL_MAPS)}")
        label_map = LABEL_MAPS[corpus]
    report = report if report is not None else OffsetReport()
    docs: list[Document] = []
    for r in _unique(_parse(path), path, report):
        text = r["title"] + " " + r["abstract"]
        spans: set[Span] = set()
        for start, end, mention, etype, _ids in r["mentions"]:
            label = label_map.get(etype)
            if label is None:
                continue
            found = _check_span(r["id"], text, start, end, mention, report)
            if found is not None:
                spans.add(Span(found[0], found[1], label))
        report.mentions += len(spans)
        docs.append(Document(id=r["id"], corpus=corpus, text=text, entities=sorted(spans)))
    logger.debug("%s: %d documents, %d mentions", path.name, len(docs), sum(len(d.entities) for d in docs))
    return docs


def _parse(path: Path) -> list[dict]:
    """The raw documents of a PubTator file: title, abstract, mention tuples and relation tuples."""
    raw: list[dict] = []
    cur: dict | None = None
    with path.open(encoding="utf-8") as fh:  # universal newlines: BioRED uses CRLF
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            m = _TEXT_LINE.match(line)
            if m:
                pmid, kind, content = m.groups()
                if kind == "t":
                    cur = {"id": pmid, "title": content, "abstract": None, "mentions": [], "relations": []}
                    raw.append(cur)
                elif cur is None or cur["id"] != pmid or cur["abstract"] is not None:
                    raise ValueError(f"{path}:{lineno}: abstract line for {pmid} without its title line")
                else:
                    cur["abstract"] = content
                continue
            cols = line.split("\t")
            if len(cols) >= 5 and cols[1].isdigit() and cols[2].isdigit():
                if cur is None or cols[0] != cur["id"]:
                    raise ValueError(f"{path}:{lineno}: mention for PMID {cols[0]} outside its document")
                cur["mentions"].append((int(cols[1]), int(cols[2]), cols[3], cols[4], cols[5] if len(cols) > 5 else ""))
            elif len(cols) < 3:
                raise ValueError(f"{path}:{lineno}: not a PubTator line: {line[:80]!r}")
            elif cur is not None and cols[0] == cur["id"]:
                cur["relations"].append(tuple(cols[1:]))
    return raw


def _unique(raw: list[dict], path: Path, report: OffsetReport) -> list[dict]:
    """Documents in file order, a repeated PMID kept once (its first copy)."""
    out: list[dict] = []
    seen: dict[str, tuple] = {}
    for r in raw:
        key = (r["title"], r["abstract"], tuple(r["mentions"]))
        if r["id"] in seen:
            report.duplicate_docs.append(r["id"])
            if seen[r["id"]] == key:
                logger.info("%s: PMID %s occurs twice (identical); keeping one", path.name, r["id"])
            else:
                logger.warning("%s: PMID %s occurs again with DIFFERENT content; keeping the first",
                               path.name, r["id"])
            continue
        seen[r["id"]] = key
        if r["abstract"] is None:
            r["abstract"] = ""
        out.append(r)
    return out


def read_pubtator_concepts(path: str | Path, report: OffsetReport | None = None) -> list[ConceptDoc]:
    """Read a PubTator file keeping every mention's type and concept ids, and the relation lines."""
    path = Path(path)
    report = report if report is not None else OffsetReport()
    docs = []
    for r in _unique(_parse(path), path, report):
        doc = ConceptDoc(r["id"], r["title"], r["abstract"], relations=r["relations"])
        text = doc.text
        for start, end, mention, etype, ids in r["mentions"]:
            found = _check_span(r["id"], text, start, end, mention, report)
            if found is not None:
                doc.mentions.append(Mention(*found, etype, tuple(i for i in map(str.strip, _ID_SEP.split(ids)) if i and i != "-1")))
        report.mentions += len(doc.mentions)
        docs.append(doc)
    return docs

