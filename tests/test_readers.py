import gzip
import io
import json
import re
import zlib
from pathlib import Path

import pytest

from claimx.errors import InputError
from claimx.io.readers import collect_inputs, expand_inputs, read_inputs, read_jsonl, read_pubmed_xml, read_text
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
        b'{"id": {"x": 1}, "abstract": "Bad id."}',
        b'{"id": null, "pmid": 11}',
    )
    items = list(read_jsonl(stream, "in.jsonl"))
    assert [type(i).__name__ for i in items] == ["Record"] + ["RecordError"] * 6 + ["Record"] + ["RecordError"] * 2
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [(e.line, e.id) for e in errors] == [(3, None), (4, None), (5, None), (6, "e"), (7, "f"), (8, "g"), (10, None), (11, "11")]
    assert [e.error for e in errors] == [
        "malformed JSON at column 25: Unterminated string starting at",
        "invalid UTF-8 at byte 29 of the line; re-encode the file as UTF-8",
        "expected a JSON object (a dict in Python) with an 'abstract' field, got list",
        "missing field 'abstract' or 'text'; name the text field with --text-field or claimx.Fields(text=...)",
        "empty field 'abstract': there is no text to read",
        "field 'abstract' must be a string, got int",
        "field 'id' must be a string or integer, got dict",
        "missing field 'abstract' or 'text'; name the text field with --text-field or claimx.Fields(text=...)",
    ]
    assert all(e.file == "in.jsonl" for e in errors)
    assert items[-3].id == "9" and items[-3].line == 9


def test_jsonl_splits_on_newline_only_and_skips_a_bom():
    stream = io.BytesIO(
        b'\xef\xbb\xbf{"id": "a", "abstract": "One\xe2\x80\xa8line still \xc2\x85one."}\r\n'
        b'{"id": "b", "abstract": "\xef\xbb\xbfNot at the start: kept."}'  # no final newline: still read
    )
    a, b = read_jsonl(stream, "in.jsonl")
    assert (a.id, a.line, a.text) == ("a", 1, "One\u2028line still \x85one.")
    assert (b.id, b.line, b.text) == ("b", 2, "\ufeffNot at the start: kept.")

def test_jsonl_without_id_gets_file_and_line():
    (rec,) = read_jsonl(_jsonl(b'{"abstract": "x"}'), "dir/in.jsonl")
    assert rec.id == "in.jsonl:1"


def _numbered_jsonl(ids) -> bytes:
    return b"".join(json.dumps({"id": str(i), "abstract": "word " * 50}).encode() + b"\n" for i in ids)


@pytest.mark.parametrize("cut", [1000, 1200, 1500])
def test_truncated_gzip_keeps_every_complete_line_and_says_where_the_loss_starts(tmp_path: Path, cut: int):
    compressed = gzip.compress(_numbered_jsonl(range(2000)), mtime=0)[:-cut]
    readable = zlib.decompressobj(wbits=31).decompress(compressed)  # all that can be read
    complete = readable.count(b"\n")
    assert 0 < complete < 2000 and not readable.endswith(b"\n")
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(compressed)
    *records, lost = read_inputs(path)
    assert [r.id for r in records] == [str(i) for i in range(complete)]
    assert lost == RecordError(
        complete + 1,
        None,
        "file ends early (the gzip data is cut short): the records from this line on were lost; "
        "re-download or re-compress cut.jsonl.gz",
        str(path),
    )


def test_multi_member_gzip_is_read_whole_and_a_cut_second_member_loses_only_its_tail(tmp_path: Path):
    first, second = gzip.compress(_numbered_jsonl(range(3))), gzip.compress(_numbered_jsonl(range(3, 6)))
    path = tmp_path / "two.jsonl.gz"
    path.write_bytes(first + second + b"\0" * 10)  # zero padding after the last member, as gzip allows
    assert [i.id for i in read_inputs(path)] == [str(i) for i in range(6)]
    path.write_bytes(first + second[:-8])  # the second member's trailer (CRC, size) is missing
    items = list(read_inputs(path))
    assert [i.id for i in items[:-1]] == [str(i) for i in range(6)]
    assert (items[-1].line, items[-1].error.split(":")[0]) == (7, "file ends early (the gzip data is cut short)")


def test_a_file_that_is_not_gzip_is_one_error(tmp_path: Path):
    path = tmp_path / "plain.jsonl.gz"
    path.write_bytes(_numbered_jsonl(range(2)))
    (item,) = read_inputs(path)
    assert (item.line, item.id, item.file) == (1, None, str(path))
    assert item.error == (
        "damaged gzip data (Error -3 while decompressing data: incorrect header check): the records from this line on "
        "were lost; re-download or re-compress plain.jsonl.gz"
    )


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


@pytest.mark.parametrize("cut", [4000, 4100, 5000])
def test_truncated_xml_gz_keeps_every_complete_record(tmp_path: Path, cut: int):
    head, _, tail = PUBMED.partition(b"<PubmedArticle>")
    article = b"<PubmedArticle>" + tail.split(b"</PubmedArticle>")[0] + b"</PubmedArticle>\n"
    body = head + b"".join(article.replace(b"<PMID>1<", f"<PMID>{i}<".encode()) for i in range(3000))
    compressed = gzip.compress(body, mtime=0)[:-cut]
    readable = zlib.decompressobj(wbits=31).decompress(compressed)
    complete = readable.count(b"</PubmedArticle>")
    lost_start = [m.start() for m in re.finditer(b"<PubmedArticle>", readable)][complete]
    path = tmp_path / "set.xml.gz"
    path.write_bytes(compressed)
    *records, lost = read_inputs(path)
    assert [r.id for r in records] == [str(i) for i in range(complete)] and 0 < complete < 3000
    assert lost == RecordError(
        readable.count(b"\n", 0, lost_start) + 1,  # the line where the first lost record starts
        None,
        "file ends early (the gzip data is cut short): the records from this line on were lost; "
        "re-download or re-compress set.xml.gz",
        str(path),
    )


BOOKS = b"""<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
<Book><Publisher><PublisherName>UW</PublisherName></Publisher><BookTitle book="gene">GeneReviews</BookTitle>
<PubDate><Year>1993</Year></PubDate></Book>
<ArticleTitle book="gene" part="wilson">Wilson Disease</ArticleTitle>
<Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Copper builds up.</AbstractText>
<AbstractText Label="MANAGEMENT">Chelation helps.</AbstractText></Abstract></BookDocument>
<PubmedBookData><History/></PubmedBookData></PubmedBookArticle>
<PubmedArticle><MedlineCitation><PMID>5</PMID><Article><ArticleTitle>Five.</ArticleTitle>
<Abstract><AbstractText>Cites another.</AbstractText></Abstract></Article>
<CommentsCorrectionsList><CommentsCorrections><PMID>77</PMID></CommentsCorrections></CommentsCorrectionsList>
</MedlineCitation></PubmedArticle>
<PubmedBookArticle><BookDocument><PMID>21</PMID><Book><BookTitle>Only a Book Title</BookTitle></Book>
<Abstract><AbstractText>Book abstract.</AbstractText></Abstract></BookDocument></PubmedBookArticle>
<PubmedBookArticle><BookDocument><PMID>22</PMID><Book><BookTitle>No abstract</BookTitle></Book></BookDocument></PubmedBookArticle>
</PubmedArticleSet>
"""


def test_pubmed_book_articles_are_read_with_the_articles():
    items = list(read_pubmed_xml(io.BytesIO(BOOKS), "books.xml", keep_meta=True))
    assert [(type(i).__name__, i.id, i.line) for i in items] == [
        ("Record", "20301295", 3), ("Record", "5", 10), ("Record", "21", 14), ("RecordError", "22", 16),
    ]
    wilson, five, only_book, _ = items
    assert wilson.text == "Wilson Disease CLINICAL CHARACTERISTICS: Copper builds up. MANAGEMENT: Chelation helps."
    assert [wilson.text[b:].split(":")[0] for b in wilson.breaks] == ["CLINICAL CHARACTERISTICS", "MANAGEMENT"]
    assert wilson.meta == {"book": "GeneReviews", "year": "1993"}
    assert five.text == "Five. Cites another." and five.meta == {"journal": None, "year": None}
    assert only_book.text == "Only a Book Title Book abstract."
    assert items[-1].error == "no abstract text (title-only PubMed record); claimx reads abstracts"


def test_xml_without_any_record_is_one_error_line():
    xml = b'<?xml version="1.0"?>\n<PubmedArticleSet>\n<DeleteCitation><PMID>99</PMID></DeleteCitation>\n</PubmedArticleSet>\n'
    assert list(read_pubmed_xml(io.BytesIO(xml), "deletions.xml")) == [
        RecordError(
            1,
            None,
            "no PubmedArticle, PubmedBookArticle or MedlineCitation records in this file; is it PubMed XML?",
            "deletions.xml",
        )
    ]


def test_xml_syntax_error_keeps_the_records_before_it():
    xml = PUBMED.replace(b"<PMID>4</PMID><Article>", b"<PMID>4</PMID><Article><oops>")
    items = list(read_pubmed_xml(io.BytesIO(xml), "set.xml"))
    assert [i.id for i in items] == ["1", "2", None, None]
    assert items[-1] == RecordError(
        9,
        None,
        "XML syntax error at line 9 (Opening and ending tag mismatch: oops line 9 and Article, line 9, column 166): "
        "the records from this line on could not be read",
        "set.xml",
    )


def test_text_file_is_one_document(tmp_path: Path):
    (tmp_path / "note.txt").write_text("Aspirin reduced pain. It was safe.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe broken")
    items = list(read_inputs(tmp_path / "*.txt"))
    assert [(type(i).__name__, i.id) for i in items] == [("RecordError", "bad"), ("Record", "note")]
    assert items[1].text == "Aspirin reduced pain. It was safe."


def test_text_ids_keep_dots_and_a_bom_is_skipped(tmp_path: Path):
    (tmp_path / "paper.v1.txt").write_bytes(b"\xef\xbb\xbfAspirin (ASA) helps.")
    (tmp_path / "paper.v2.TXT.gz").write_bytes(gzip.compress(b"Gzipped text."))
    items = list(read_inputs(tmp_path))
    assert [(i.id, i.text) for i in items] == [("paper.v1", "Aspirin (ASA) helps."), ("paper.v2", "Gzipped text.")]
    (rec,) = read_text(io.BytesIO(b"Plain."), "dir/a.b.c.txt")
    assert rec.id == "a.b.c"


def test_truncated_text_gz_is_one_error_naming_the_document(tmp_path: Path):
    path = tmp_path / "long.txt.gz"
    path.write_bytes(gzip.compress(b"Some words. " * 1000)[:-20])
    (item,) = read_inputs(path)
    assert (item.line, item.id, item.error.split(":")[0]) == (1, "long", "file ends early (the gzip data is cut short)")


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


def test_collect_inputs_checks_every_file_before_reading(tmp_path: Path):
    (tmp_path / "a.jsonl").write_text('{"id": "a", "abstract": "A."}\n')
    (tmp_path / "b.csv").write_text("id,abstract\n")
    (tmp_path / "c.log").write_text("")
    with pytest.raises(InputError) as e:
        collect_inputs([str(tmp_path / "*")])
    assert str(e.value) == (
        f"cannot tell the format of {tmp_path / 'b.csv'}, {tmp_path / 'c.log'} from the name; "
        "name files .jsonl(.gz), .xml(.gz) or .txt(.gz), leave them out, or pass --input-format"
    )
    assert collect_inputs(tmp_path) == [tmp_path / "a.jsonl"]  # a folder skips unknown endings
    assert collect_inputs([str(tmp_path / "*")], input_format="jsonl")[0] == tmp_path / "a.jsonl"
    with pytest.raises(InputError, match="unknown input format 'csv'; use --input-format jsonl, xml, txt"):
        collect_inputs(tmp_path, input_format="csv")


def test_collect_inputs_leaves_out_own_files_and_read_inputs_reads_a_list_as_given(tmp_path: Path):
    (tmp_path / "a.jsonl").write_text('{"id": "a", "abstract": "A."}\n')
    (tmp_path / "out.jsonl").write_text('{"id": "a", "entities": []}\n')
    (tmp_path / "out.jsonl.manifest.json").write_text("{}")
    files = collect_inputs([tmp_path, str(tmp_path / "a.jsonl")], exclude=lambda p: p.name == "out.jsonl")
    assert files == [tmp_path / "a.jsonl", tmp_path / "a.jsonl"]
    with pytest.raises(InputError, match="holds only this run's own output files"):
        collect_inputs(str(tmp_path / "out.*"), exclude=lambda p: p.name.startswith("out.jsonl"))
    (tmp_path / "later.jsonl").write_text('{"id": "later", "abstract": "L."}\n')  # not in the list: not read
    assert [i.id for i in read_inputs(files)] == ["a", "a"]
