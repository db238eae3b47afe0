import pytest

from claimx.records import Fields, InvalidRecordError, Record, record_from_mapping


def test_text_is_title_space_abstract_and_breaks_mark_the_abstract():
    r = record_from_mapping({"pmid": 7, "title": "A title", "abstract": "Body. More."})
    assert (r.id, r.text, r.breaks) == ("7", "A title Body. More.", (8,))


def test_no_title_means_text_is_the_abstract():
    r = record_from_mapping({"id": "x", "text": "Only text."})
    assert (r.text, r.breaks) == ("Only text.", ())


def test_sections_shift_by_the_title():
    r = Record(id="1", title="T.", abstract="A: one. B: two.", sections=(0, 8))
    assert r.breaks == (3, 11)
    assert r.text[11:] == "B: two."


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1, 2], "expected a JSON object"),
        ({"id": 1}, "missing field 'abstract' or 'text'"),
        ({"abstract": ""}, "empty field 'abstract'"),
        ({"abstract": "  \n"}, "empty field 'abstract'"),
        ({"abstract": 5}, "field 'abstract' must be a string, got int"),
        ({"abstract": "x", "title": ["t"]}, "field 'title' must be a string, got list"),
        ({"abstract": "x", "id": {"a": 1}}, "field 'id' must be a string or integer, got dict"),
        ({"abstract": "x", "id": True}, "field 'id' must be a string or integer, got bool"),
        ({"abstract": "bad \ud800 escape"}, "unpaired surrogate"),
    ],
)
def test_bad_records_say_what_is_wrong(obj, message):
    with pytest.raises(InvalidRecordError, match=message):
        record_from_mapping(obj)


def test_field_names_are_configurable_and_meta_passes_through():
    fields = Fields(id=("doc",), title=("headline",), text=("body",))
    r = record_from_mapping({"doc": "d1", "headline": "H", "body": "B.", "year": 2020}, fields, keep_meta=True)
    assert (r.id, r.text, r.meta) == ("d1", "H B.", {"year": 2020})
