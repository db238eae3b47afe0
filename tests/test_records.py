import pytest

from claimx.errors import InvalidRecordError
from claimx.records import Fields, Record, error_id, record_from_mapping


def test_text_is_title_space_abstract_and_breaks_mark_the_abstract():
    r = record_from_mapping({"pmid": 7, "title": "A title", "abstract": "Body. More."})
    assert (r.id, r.text, r.breaks) == ("7", "A title Body. More.", (8,))


def test_no_title_means_text_is_the_abstract():
    r = record_from_mapping({"id": "x", "text": "Only text."})
    assert (r.text, r.breaks) == ("Only text.", ())


@pytest.mark.parametrize("title", [None, ""])
def test_null_or_empty_title_means_text_is_the_abstract(title):
    r = record_from_mapping({"id": "x", "title": title, "abstract": "Body."})
    assert (r.title, r.text, r.breaks) == ("", "Body.", ())


def test_whitespace_only_title_is_kept_as_given():
    r = record_from_mapping({"id": "x", "title": " \t", "abstract": "Body."})
    assert (r.title, r.text, r.breaks) == (" \t", " \t Body.", (3,))


def test_whitespace_only_title_keeps_the_documented_offsets(extractor):
    title, abstract = "  ", "Tumor necrosis factor (TNF) rose. TNF fell."
    result = extractor({"id": "w", "title": title, "abstract": abstract})
    assert result.text == title + " " + abstract
    assert [(a.short, a.start, a.end) for a in result.abbreviations] == [("TNF", 26, 29), ("TNF", 37, 40)]
    assert all(result.text[a.start : a.end] == "TNF" for a in result.abbreviations)


def test_text_is_computed_once():
    r = Record(id="1", title="T", abstract="A.")
    assert r.text is r.text and r.__dict__["text"] == "T A."
    assert r == Record(id="1", title="T", abstract="A.")  # the cached value is no field


def test_sections_shift_by_the_title():
    r = Record(id="1", title="T.", abstract="A: one. B: two.", sections=(0, 8))
    assert r.breaks == (3, 11)
    assert r.text[11:] == "B: two."


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1, 2], "expected a JSON object (a dict in Python) with an 'abstract' field, got list"),
        ({"id": 1}, "missing field 'abstract' or 'text'; name the text field with --text-field or claimx.Fields(text=...)"),
        ({"abstract": ""}, "empty field 'abstract': there is no text to read"),
        ({"abstract": "  \n"}, "empty field 'abstract': there is no text to read"),
        ({"abstract": 5}, "field 'abstract' must be a string, got int"),
        ({"abstract": "x", "title": ["t"]}, "field 'title' must be a string, got list"),
        ({"abstract": "x", "id": {"a": 1}}, "field 'id' must be a string or integer, got dict"),
        ({"abstract": "x", "id": True}, "field 'id' must be a string or integer, got bool"),
        (
            {"abstract": "bad \ud800 escape"},
            "field 'abstract' holds an unpaired surrogate (an escape such as \\ud800 with no partner), "
            "which is not valid Unicode text; fix the escape in the input",
        ),
        ({"abstract": "x", "id": "a\udc00"}, "field 'id' holds an unpaired surrogate"),
    ],
)
def test_bad_records_say_what_is_wrong(obj, message):
    with pytest.raises(InvalidRecordError) as e:
        record_from_mapping(obj)
    assert str(e.value).startswith(message)


def test_surrogates_in_kept_meta_are_refused():
    with pytest.raises(InvalidRecordError, match="field 'note' holds an unpaired surrogate"):
        record_from_mapping({"abstract": "x", "note": ["ok", "\ud800"]}, keep_meta=True)
    assert record_from_mapping({"abstract": "x", "note": "\ud800"}).meta is None  # not kept, not checked


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a1", "a1"), (7, "7"), (1.5, "1.5"), (True, "true"), (None, None), ({"a": 1}, None), (["x"], None), ("a\ud800", "a\\ud800")],
)
def test_error_ids_are_scalars_as_text_or_null(value, expected):
    assert error_id(value) == expected


def test_field_names_are_configurable_and_meta_passes_through():
    fields = Fields(id=("doc",), title=("headline",), text=("body",))
    r = record_from_mapping({"doc": "d1", "headline": "H", "body": "B.", "year": 2020}, fields, keep_meta=True)
    assert (r.id, r.text, r.meta) == ("d1", "H B.", {"year": 2020})
