"""Readers: JSONL, PubMed/MEDLINE XML (.xml, .xml.gz), plain text, directories, globs and stdin.

Every reader yields, in input order, one `Record` or one `RecordError` per input record, so that
nothing read is lost: a bad record becomes a line of the error report and the run goes on.
"""

from __future__ import annotations

import glob
import gzip
import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from lxml import etree

from ..records import Fields, InvalidRecordError, Record, RecordError, record_from_mapping

__all__ = ["SUFFIXES", "InputError", "expand_inputs", "read_inputs", "read_jsonl", "read_pubmed_xml", "read_text"]

Item = Record | RecordError

#: File name endings claimx reads, and the format each means.
SUFFIXES = {".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".json": "jsonl", ".xml": "xml", ".xml.gz": "xml", ".txt": "txt"}


class InputError(Exception):
    """The input as a whole cannot be read (missing file, unknown format): a usage error."""


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    return None


def expand_inputs(spec: str | Path) -> list[Path]:
    """The files named by a path, a directory (searched recursively) or a glob pattern, sorted."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _format_of(p))
        if not files:
            raise InputError(f"directory {spec} holds no {', '.join(SUFFIXES)} files")
        return files
    if path.is_file():
        return [path]
    if glob.has_magic(str(spec)):
        files = sorted(Path(p) for p in glob.glob(str(spec), recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"no file matches {spec}")
        return files
    raise InputError(f"input {spec} does not exist; give a .jsonl, .xml(.gz) or .txt file, a directory, a glob or -")


def read_inputs(
    spec: str | Path,
    fields: Fields = Fields(),
    *,
    keep_meta: bool = False,
    input_format: str | None = None,
) -> Iterator[Item]:
    """Read every record of `spec` (a path, directory, glob, or "-" for stdin, JSONL unless `input_format`)."""
    if str(spec) == "-":
        yield from _read_stream(input_format or "jsonl", sys.stdin.buffer, "<stdin>", fields, keep_meta)
        return
    for path in expand_inputs(spec):
        fmt = input_format or _format_of(path)
        if fmt is None:
            raise InputError(f"cannot tell the format of {path}; name it .jsonl, .xml, .xml.gz or .txt, or pass --input-format")
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as stream:
            yield from _read_stream(fmt, stream, str(path), fields, keep_meta)


def _read_stream(fmt: str, stream: IO[bytes], name: str, fields: Fields, keep_meta: bool) -> Iterator[Item]:
    if fmt == "jsonl":
        yield from read_jsonl(stream, name, fields, keep_meta=keep_meta)
    elif fmt == "xml":
        yield from read_pubmed_xml(stream, name, keep_meta=keep_meta)
    elif fmt == "txt":
        yield from read_text(stream, name)
    else:
        raise InputError(f"unknown input format {fmt!r}; use jsonl, xml or txt")


def _truncated(name: str, after: int, exc: Exception) -> RecordError:
    return RecordError(
        line=after,
        id=None,
        error=f"file ends early ({exc}); records after this point could not be read: re-download or re-compress {name}",
        file=name,
    )


def read_jsonl(stream: IO[bytes], name: str = "<jsonl>", fields: Fields = Fields(), *, keep_meta: bool = False) -> Iterator[Item]:
    """One record per non-blank line; lines are numbered from 1 as in an editor."""
    lineno = 0
    try:
        for lineno, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            default_id = f"{Path(name).name}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield RecordError(lineno, None, f"invalid UTF-8 at byte {e.start + 1} of the line; re-encode the file as UTF-8", name)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield RecordError(lineno, None, f"malformed JSON at column {e.colno}: {e.msg}", name)
                continue
            rid = next((obj[k] for k in fields.id if obj.get(k) is not None), None) if isinstance(obj, dict) else None
            try:
                yield record_from_mapping(obj, fields, keep_meta=keep_meta, source=name, line=lineno, default_id=default_id)
            except InvalidRecordError as e:
                yield RecordError(lineno, None if rid is None else str(rid), str(e), name)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        yield _truncated(name, lineno, e)


_LAYOUT_EDGE = re.compile(r"^\s*\n\s*|\s*\n\s*$")  # indentation a pretty-printer put around inline tags
_LAYOUT_INNER = re.compile(r"\s*\n\s*")


def _text(elem: etree._Element | None) -> str:
    """Element text with inline markup (<sub>, <i>, ...) flattened and layout newlines removed."""
    if elem is None:
        return ""
    joined = "".join(_LAYOUT_EDGE.sub("", piece) for piece in elem.itertext())
    return _LAYOUT_INNER.sub(" ", joined).strip()


def _pubmed_record(article: etree._Element, name: str, keep_meta: bool) -> Record:
    citation = article if article.tag == "MedlineCitation" else article.find("MedlineCitation")
    if citation is None:
        raise InvalidRecordError("no MedlineCitation element")
    pmid = _text(citation.find("PMID"))
    if not pmid:
        raise InvalidRecordError("no PMID element")
    art = citation.find("Article")
    title = _text(art.find("ArticleTitle")) if art is not None else ""
    parts: list[str] = []
    sections: list[int] = []
    offset = 0
    for node in art.findall("Abstract/AbstractText") if art is not None else []:
        body = _text(node)
        if not body:
            continue
        label = node.get("Label")
        part = f"{label}: {body}" if label else body
        if label:
            sections.append(offset)
        parts.append(part)
        offset += len(part) + 1
    if not parts:
        raise InvalidRecordError("no abstract text (title-only PubMed record); claimx reads abstracts")
    meta = None
    if keep_meta and art is not None:
        meta = {
            "journal": _text(art.find("Journal/Title")) or None,
            "year": _text(art.find("Journal/JournalIssue/PubDate/Year")) or None,
        }
    return Record(id=pmid, title=title, abstract=" ".join(parts), sections=tuple(sections), meta=meta, source=name)


def read_pubmed_xml(stream: IO[bytes], name: str = "<xml>", *, keep_meta: bool = False) -> Iterator[Item]:
    """`PubmedArticle` (or bare `MedlineCitation`) elements, streamed with bounded memory."""
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=("PubmedArticle", "MedlineCitation"),
        load_dtd=False,
        no_network=True,
        resolve_entities=False,
        huge_tree=True,
    )
    line = 0
    try:
        for _, elem in parser:
            if elem.tag == "MedlineCitation" and elem.getparent() is not None and elem.getparent().tag == "PubmedArticle":
                continue  # read with its PubmedArticle
            line = elem.sourceline or line
            pmid = _text(elem.find(".//PMID")) or None
            try:
                yield replace(_pubmed_record(elem, name, keep_meta), line=line)
            except InvalidRecordError as e:
                yield RecordError(line, pmid, str(e), name)
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    except etree.XMLSyntaxError as e:
        yield RecordError(e.lineno, None, f"XML syntax error ({e.msg}); records after this point could not be read", name)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        yield _truncated(name, line, e)


def read_text(stream: IO[bytes], name: str = "<text>") -> Iterator[Item]:
    """The whole file is one document; its id is the file name without the suffix."""
    doc_id = Path(name).name.split(".")[0]
    try:
        data = stream.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        yield _truncated(name, 0, e)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        yield RecordError(1, doc_id, f"invalid UTF-8 at byte {e.start + 1}; re-encode the file as UTF-8", name)
        return
    try:
        yield record_from_mapping({"id": doc_id, "text": text}, source=name, line=1)
    except InvalidRecordError as e:
        yield RecordError(1, doc_id, str(e), name)
