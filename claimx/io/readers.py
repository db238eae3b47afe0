"""Readers: JSONL, PubMed/MEDLINE XML (.xml, .xml.gz), plain text, directories, globs and stdin.

Every reader yields, in input order, one `Record` or one `RecordError` per input record, so that
nothing read is lost: a bad record becomes a line of the error report and the run goes on.
Compressed files are decompressed here, chunk by chunk, so that a truncated or damaged `.gz` still
yields every record that lies wholly in its readable part, then one error line saying where the loss
starts.
"""

from __future__ import annotations

import codecs
import glob
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

from lxml import etree

from ..errors import InputError, InvalidRecordError
from ..options import INPUT_FORMATS
from ..records import Fields, Record, RecordError, error_id, pick, record_from_mapping

__all__ = [
    "SUFFIXES",
    "collect_inputs",
    "expand_inputs",
    "read_inputs",
    "read_jsonl",
    "read_pubmed_xml",
    "read_text",
]

Item = Record | RecordError

#: File name endings claimx reads, and the format each means.
SUFFIXES = {
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".json": "jsonl",
    ".xml": "xml",
    ".xml.gz": "xml",
    ".txt": "txt",
    ".txt.gz": "txt",
}

#: Files a folder walk leaves out: the run records claimx writes beside its outputs.
_OWN_FILES = (".manifest.json",)

_CHUNK = 1 << 16
_BOM = codecs.BOM_UTF8
_STDIN = "-"


class _Lost(Exception):
    """The readable data stops before the file does (a truncated or damaged compressed file)."""


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    return None


def _some(paths: Sequence[Path | str], most: int = 5) -> str:
    shown = ", ".join(str(p) for p in paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


def expand_inputs(spec: str | Path) -> list[Path]:
    """The files named by a path, a directory (searched recursively) or a glob pattern, sorted.

    A directory gives only the files whose ending claimx reads (and not the `.manifest.json` run
    records it writes); a glob gives every file it matches, whatever its ending.
    """
    path = Path(spec)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and _format_of(p) and not p.name.endswith(_OWN_FILES)
        )
        if not files:
            raise InputError(f"directory {spec} holds no {', '.join(SUFFIXES)} files")
        return files
    if path.exists():  # a file, or a pipe such as <(zcat x.jsonl.gz)
        return [path]
    if glob.has_magic(str(spec)):
        files = sorted(Path(p) for p in glob.glob(str(spec), recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"no file matches {spec}")
        return files
    raise InputError(f"input {spec} does not exist; give a .jsonl, .xml(.gz) or .txt file, a directory, a glob or -")


def collect_inputs(
    specs: str | Path | Iterable[str | Path],
    *,
    input_format: str | None = None,
    exclude: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """Expand every input spec once into the list of files to read (``Path("-")`` for stdin), checked.

    Files for which `exclude` is true (a job's own outputs) are left out. Raises `InputError`, before
    anything is read, for a missing input, a file whose format its name does not tell (unless
    `input_format` is given), an unknown `input_format`, or a file that cannot be read.
    """
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; use --input-format {', '.join(INPUT_FORMATS)}")
    files: list[Path] = []
    for spec in [specs] if isinstance(specs, (str, Path)) else list(specs):
        if str(spec) == _STDIN:
            files.append(Path(_STDIN))
            continue
        found = expand_inputs(spec)
        kept = [p for p in found if exclude is None or not exclude(p)]
        if not kept:
            raise InputError(f"input {spec} holds only this run's own output files; give the files to read")
        files += kept
    if input_format is None:
        unknown = [p for p in files if str(p) != _STDIN and _format_of(p) is None]
        if unknown:
            raise InputError(
                f"cannot tell the format of {_some(unknown)} from the name; "
                "name files .jsonl(.gz), .xml(.gz) or .txt(.gz), leave them out, or pass --input-format"
            )
    unreadable = [p for p in files if str(p) != _STDIN and not os.access(p, os.R_OK)]
    if unreadable:
        raise InputError(f"cannot read {_some(unreadable)}: permission denied")
    return files


def read_inputs(
    inputs: str | Path | Iterable[str | Path],
    fields: Fields = Fields(),
    *,
    keep_meta: bool = False,
    input_format: str | None = None,
) -> Iterator[Item]:
    """Read every record of `inputs`, in order.

    `inputs` is one spec (a path, directory or glob, expanded here, or "-" for stdin), or a list of
    files already expanded (e.g. by `collect_inputs`), read as given; "-" in it means stdin.
    Without `input_format`, the format comes from each file's name; stdin is JSONL.
    """
    if isinstance(inputs, (str, Path)):
        files = [Path(_STDIN)] if str(inputs) == _STDIN else expand_inputs(inputs)
    else:
        files = [Path(p) for p in inputs]
    for path in files:
        name = str(path)
        if name == _STDIN:
            yield from _read_chunks(input_format or "jsonl", _chunks(sys.stdin.buffer), "<stdin>", fields, keep_meta)
            continue
        fmt = input_format or _format_of(path)
        if fmt is None:
            raise InputError(f"cannot tell the format of {path}; name it .jsonl, .xml, .xml.gz or .txt, or pass --input-format")
        try:
            stream = open(path, "rb")
        except OSError as e:
            yield RecordError(None, None, f"cannot open the file ({e.strerror}); none of its records could be read", name)
            continue
        with stream:
            gz = path.name.lower().endswith(".gz")
            yield from _read_chunks(fmt, _chunks(stream, gz=gz), name, fields, keep_meta)


def _read_chunks(fmt: str, chunks: Iterator[bytes], name: str, fields: Fields, keep_meta: bool) -> Iterator[Item]:
    if fmt == "jsonl":
        yield from _jsonl_items(chunks, name, fields, keep_meta)
    elif fmt == "xml":
        yield from _xml_items(chunks, name, keep_meta)
    elif fmt == "txt":
        yield from _text_items(chunks, name)
    else:
        raise InputError(f"unknown input format {fmt!r}; use {', '.join(INPUT_FORMATS)}")


# --- bytes in: plain or gzip-compressed, with the readable prefix of a damaged file ----------------


def _chunks(stream: IO[bytes], *, gz: bool = False) -> Iterator[bytes]:
    """The bytes of `stream` in chunks, gunzipped when `gz` (several gzip members one after another are
    read as one stream, as `gzip` does). Raises `_Lost` where the data stops being readable."""
    try:
        if not gz:
            while chunk := stream.read(_CHUNK):
                yield chunk
            return
        inflater, in_member = zlib.decompressobj(wbits=31), False
        while data := stream.read(_CHUNK):
            while data:
                if not in_member:
                    data = data.lstrip(b"\0")  # zero padding between or after members, as gzip allows
                    if not data:
                        break
                    in_member = True
                pending = data
                while True:
                    out = inflater.decompress(pending, _CHUNK)  # bounded output: no decompression bomb
                    if out:
                        yield out
                    if inflater.eof:  # end of this member; what follows may start another
                        data, in_member = inflater.unused_data, False
                        inflater = zlib.decompressobj(wbits=31)
                        break
                    pending = inflater.unconsumed_tail
                    if not pending and len(out) < _CHUNK:
                        data = b""
                        break
        if in_member:
            raise _Lost("file ends early (the gzip data is cut short)")
    except zlib.error as e:
        raise _Lost(f"damaged gzip data ({e})") from None
    except (EOFError, OSError) as e:  # a caller's own gzip stream, or a read error
        raise _Lost(f"file ends early or cannot be read ({e})") from None


def _lost(name: str, line: int, reason: str, rid: str | None = None) -> RecordError:
    return RecordError(
        line,
        rid,
        f"{reason}: the records from this line on were lost; re-download or re-compress {Path(name).name}",
        name,
    )


# --- JSONL ------------------------------------------------------------------------------------------


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines split on b"\\n" only; a last line without a newline is yielded only if the data is whole."""
    pending: list[bytes] = []
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            pending.append(chunk[start:end])
            yield b"".join(pending)
            pending = []
            start = end + 1
        if start < len(chunk):
            pending.append(chunk[start:])
    if pending:
        yield b"".join(pending)


def read_jsonl(stream: IO[bytes], name: str = "<jsonl>", fields: Fields = Fields(), *, keep_meta: bool = False) -> Iterator[Item]:
    """One record per non-blank line; lines are numbered from 1 as in an editor. A UTF-8 BOM at the
    start is skipped."""
    yield from _jsonl_items(_chunks(stream), name, fields, keep_meta)


def _jsonl_items(chunks: Iterator[bytes], name: str, fields: Fields, keep_meta: bool) -> Iterator[Item]:
    lineno = 0
    base = Path(name).name
    try:
        for lineno, raw in enumerate(_lines(chunks), start=1):
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
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
            try:
                yield record_from_mapping(obj, fields, keep_meta=keep_meta, source=name, line=lineno, default_id=f"{base}:{lineno}")
            except InvalidRecordError as e:
                rid = pick(obj, fields.id)[1] if isinstance(obj, dict) else None
                yield RecordError(lineno, error_id(rid), str(e), name)
    except _Lost as e:
        yield _lost(name, lineno + 1, str(e))


# --- PubMed / MEDLINE XML -------------------------------------------------------------------------

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation")
_LAYOUT_EDGE = re.compile(r"^\s*\n\s*|\s*\n\s*$")  # indentation a pretty-printer put around inline tags
_LAYOUT_INNER = re.compile(r"\s*\n\s*")


def _text(elem: etree._Element | None) -> str:
    """Element text with inline markup (<sub>, <i>, ...) flattened and layout newlines removed."""
    if elem is None:
        return ""
    joined = "".join(_LAYOUT_EDGE.sub("", piece) for piece in elem.itertext())
    return _LAYOUT_INNER.sub(" ", joined).strip()


def _pmid(elem: etree._Element) -> str | None:
    """The record's own PMID (not one cited in it)."""
    if elem.tag == "PubmedBookArticle":
        return _text(elem.find("BookDocument/PMID")) or None
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        return None
    return _text(citation.find("PMID")) or None


def _abstract(nodes: list[etree._Element]) -> tuple[str, tuple[int, ...]]:
    """Labelled `AbstractText` parts joined in order as `LABEL: text`, and where each labelled one starts."""
    parts: list[str] = []
    sections: list[int] = []
    offset = 0
    for node in nodes:
        body = _text(node)
        if not body:
            continue
        label = node.get("Label")
        part = f"{label}: {body}" if label else body
        if label:
            sections.append(offset)
        parts.append(part)
        offset += len(part) + 1
    return " ".join(parts), tuple(sections)


def _pubmed_record(elem: etree._Element, name: str, keep_meta: bool) -> Record:
    if elem.tag == "PubmedBookArticle":
        doc = elem.find("BookDocument")
        if doc is None:
            raise InvalidRecordError("no BookDocument element")
        title = _text(doc.find("ArticleTitle")) or _text(doc.find("Book/BookTitle"))
        nodes = doc.findall("Abstract/AbstractText")
        meta = {"book": _text(doc.find("Book/BookTitle")) or None, "year": _text(doc.find("Book/PubDate/Year")) or None}
    else:
        citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
        if citation is None:
            raise InvalidRecordError("no MedlineCitation element")
        art = citation.find("Article")
        title = _text(art.find("ArticleTitle")) if art is not None else ""
        nodes = art.findall("Abstract/AbstractText") if art is not None else []
        journal = art.find("Journal") if art is not None else None
        meta = {
            "journal": _text(journal.find("Title") if journal is not None else None) or None,
            "year": _text(journal.find("JournalIssue/PubDate/Year") if journal is not None else None) or None,
        }
    pmid = _pmid(elem)
    if not pmid:
        raise InvalidRecordError("no PMID element")
    abstract, sections = _abstract(nodes)
    if not abstract:
        raise InvalidRecordError("no abstract text (title-only PubMed record); claimx reads abstracts")
    return Record(id=pmid, title=title, abstract=abstract, sections=sections, meta=meta if keep_meta else None, source=name)


def read_pubmed_xml(stream: IO[bytes], name: str = "<xml>", *, keep_meta: bool = False) -> Iterator[Item]:
    """`PubmedArticle`, `PubmedBookArticle` (or bare `MedlineCitation`) elements, streamed with bounded memory."""
    yield from _xml_items(_chunks(stream), name, keep_meta)


def _xml_items(chunks: Iterator[bytes], name: str, keep_meta: bool) -> Iterator[Item]:
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=_RECORD_TAGS,
        load_dtd=False,
        no_network=True,
        resolve_entities=False,
        huge_tree=True,
    )
    depth = 0  # record elements open (a PubmedArticle holds a MedlineCitation)
    open_line: int | None = None  # where the record being read starts
    found = 0
    lines = 1  # lines of the data fed so far

    def records() -> Iterator[Item]:
        nonlocal depth, open_line, found
        for event, elem in parser.read_events():
            if event == "start":
                depth += 1
                if depth == 1:
                    open_line = elem.sourceline
                continue
            depth -= 1
            if depth:
                continue  # a MedlineCitation read with its PubmedArticle
            line, open_line = elem.sourceline or open_line, None
            found += 1
            try:
                yield replace(_pubmed_record(elem, name, keep_meta), line=line)
            except InvalidRecordError as e:
                yield RecordError(line, _pmid(elem), str(e), name)
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del elem.getparent()[0]

    def syntax_error(e: etree.XMLSyntaxError) -> RecordError:
        where = max(e.lineno or 0, 1)
        return RecordError(
            open_line or where,
            None,
            f"XML syntax error at line {where} ({e.msg}): the records from this line on could not be read",
            name,
        )

    try:
        for chunk in chunks:
            lines += chunk.count(b"\n")
            try:
                parser.feed(chunk)
            except etree.XMLSyntaxError as e:
                yield from records()
                yield syntax_error(e)
                return
            yield from records()
    except _Lost as e:
        yield from records()
        yield _lost(name, open_line or lines, str(e))
        return
    try:
        parser.close()
    except etree.XMLSyntaxError as e:
        yield from records()
        yield syntax_error(e)
        return
    yield from records()
    if not found:
        yield RecordError(
            1, None, "no PubmedArticle, PubmedBookArticle or MedlineCitation records in this file; is it PubMed XML?", name
        )


# --- plain text -----------------------------------------------------------------------------------


def _text_id(name: str) -> str:
    base = Path(name).name
    for suffix in (".txt.gz", ".txt"):
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


def read_text(stream: IO[bytes], name: str = "<text>") -> Iterator[Item]:
    """The whole file is one document; its id is the file name without `.txt` / `.txt.gz`. A UTF-8 BOM
    at the start is skipped (offsets index the text after it)."""
    yield from _text_items(_chunks(stream), name)


def _text_items(chunks: Iterator[bytes], name: str) -> Iterator[Item]:
    doc_id = _text_id(name)
    try:
        data = b"".join(chunks)
    except _Lost as e:
        yield _lost(name, 1, str(e), doc_id)
        return
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        yield RecordError(1, doc_id, f"invalid UTF-8 at byte {e.start + 1}; re-encode the file as UTF-8", name)
        return
    try:
        yield record_from_mapping({"id": doc_id, "text": text}, source=name, line=1)
    except InvalidRecordError as e:
        yield RecordError(1, doc_id, str(e), name)
