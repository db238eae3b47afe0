import gzip
import io
import json
from pathlib import Path

import pytest

from claimx.io.readers import InputError, expand_inputs, read_inputs, read_jsonl, read_pubmed_xml
from claimx.records import Record, RecordError

from .conftest import EXAMPLE_XML


def _jsonl(*lines: bytes) -> io.BytesIO:
    return io.BytesIO(b"\n".join(lines) + b"\n")


def test_jsonl_bad_lines_become_errors_and_reading_goes_on():
    stream = _jsonl(
        b'{"id": "a", "title": "T", "abstract": "Fine."}',
        b"",
        b'{"id": "b", "abstract": "unterminated',
        b'{"id": "c", "abstract": "caf\xe9 latin-1"}',
        b'["not", "an", "object"]',
        b'{"id": "e"}',
        b'{"id": "f", "abstract": ""}',
        b'{"id": "g", "abstract": 12}',
        b'{"pmid": 9, "text": "Also fine."}',
    )
    items = list(read_jsonl(stream, "in.jsonl"))
    assert [type(i).__name__ for i in items] == ["Record"] + ["RecordError"] * 6 + ["Record"]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [(e.line, e.id) for e in errors] == [(3, None), (4, None), (5, None), (6, "e"), (7, "f"), (8, "g")]
    assert "malformed JSON" in errors[0].error
    assert "invalid UTF-8 at byte 29" in errors[1].error
    assert "expected a JSON object" in errors[2].error
    assert "missing field 'abstract' or 'text'" in errors[3].error
    assert items[-1].id == "9" and items[-1].line == 9


def test_jsonl_without_id_gets_file_and_line():
    (rec,) = read_jsonl(_jsonl(b'{"abstract": "x"}'), "dir/in.jsonl")
    assert rec.id == "in.jsonl:1"


def test_truncated_gzip_reports_the_loss(tmp_path: Path):
    lines = b"".join(json.dumps({"id": str(i), "abstract": "word " * 50}).encode() + b"\n" for i in range(200))
    full = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(full[: len(full) // 2])
    items = list(read_inputs(path))
    assert isinstance(items[-1], RecordError) and "file ends early" in items[-1].error
    assert all(isinstance(i, Record) for i in items[:-1]) and 0 < len(items) - 1 < 200


def test_pubmed_xml_structured_abstract_and_inline_markup(shared):
    (rec,) = read_inputs(EXAMPLE_XML)
    assert rec.id == "29768149"
    assert rec.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert rec.abstract.startswith("BACKGROUND: In patients with mild asthma")
    assert "fast-acting β2-agonist may" in rec.abstract  # <sub>2</sub> flattened, &#946; decoded
    assert [rec.text[b:].split(":")[0] for b in rec.breaks] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert "\n" not in rec.text and "\t" not in rec.text


PUBMED = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One <i>title</i>.</ArticleTitle>
<Abstract><AbstractText>Plain abstract with CO<sub>2</sub> &amp; &#945;.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Title only.</ArticleTitle></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><Article><ArticleTitle>No PMID.</ArticleTitle><Abstract><AbstractText>x</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>
<DeleteCitation><PMID>99</PMID></DeleteCitation>
<PubmedArticle><MedlineCitation><PMID>4</PMID><Article><ArticleTitle>Four.</ArticleTitle><Abstract><AbstractText>Four body.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""


def test_pubmed_xml_records_and_errors_in_order():
    items = list(read_pubmed_xml(io.BytesIO(PUBMED), "set.xml"))
    assert [(type(i).__name__, i.id) for i in items] == [
        ("Record", "1"), ("RecordError", "2"), ("RecordError", None), ("Record", "4"),
    ]
    assert items[0].text == "One title. Plain abstract with CO2 & α."
    assert "title-only" in items[1].error and "no PMID" in items[2].error


def test_truncated_xml_gz_keeps_what_was_read(tmp_path: Path):
    head, _, tail = PUBMED.partition(b"<PubmedArticle>")
    article = b"<PubmedArticle>" + tail.split(b"</PubmedArticle>")[0] + b"</PubmedArticle>\n"
    body = head + b"".join(article.replace(b"<PMID>1<", f"<PMID>{i}<".encode()) for i in range(3000))
    path = tmp_path / "set.xml.gz"
    path.write_bytes(gzip.compress(body, mtime=0)[:-4000])
    items = list(read_inputs(path))
    ids = [i.id for i in items if isinstance(i, Record)]
    assert 0 < len(ids) < 3000 and ids == [str(i) for i in range(len(ids))]
    assert isinstance(items[-1], RecordError) and "could not be read" in items[-1].error


def test_text_file_is_one_document(tmp_path: Path):
    (tmp_path / "note.txt").write_text("Aspirin reduced pain. It was safe.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe broken")
    items = list(read_inputs(tmp_path / "*.txt"))
    assert [(type(i).__name__, i.id) for i in items] == [("RecordError", "bad"), ("Record", "note")]


def test_directory_and_glob_expand_sorted(tmp_path: Path):
    (tmp_path / "b.jsonl").write_text('{"id": "b", "abstract": "B."}\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.xml.gz").write_bytes(gzip.compress(PUBMED))
    (tmp_path / "notes.md").write_text("ignored")
    assert [p.name for p in expand_inputs(tmp_path)] == ["b.jsonl", "a.xml.gz"]
    assert [i.id for i in read_inputs(tmp_path) if isinstance(i, Record)] == ["b", "1", "4"]


def test_missing_input_is_a_usage_error(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        expand_inputs(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="no file matches"):
        expand_inputs(str(tmp_path / "*.jsonl"))
