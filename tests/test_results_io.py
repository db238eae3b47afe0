"""Reading `claimx extract` output back: JSONL, gzip, Parquet, folders; broken lines become RecordErrors."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import claimx
from claimx.errors import ResultsError
from claimx.io.results import read_results
from claimx.records import RecordError

from .conftest import make_result

TEXT = "Ketamine restores synaptic connectivity."


def _result(rid: str = "1"):
    return make_result(rid, TEXT, [{"sentence": TEXT, "type": "mechanistic", "roles": [
        ("AGENT", "Ketamine"), ("MECHANISM", "synaptic connectivity")]}], entities=[("Ketamine", "DRUG")])


def test_round_trip_of_the_output_contract():
    r = _result()
    back = claimx.Result.from_dict(json.loads(json.dumps(r.to_dict())), text=TEXT)
    assert back == r


def test_broken_lines_are_reported_line_by_line_and_the_rest_is_read(tmp_path):
    good = json.dumps(_result("1").to_dict())
    no_claims = dict(_result("2").to_dict())
    del no_claims["claims"]
    bad_role = _result("3").to_dict()
    bad_role["claims"][0]["roles"][0]["start"] = "0"
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join([good, "{not json", json.dumps(no_claims), "", json.dumps(bad_role), "[1]",
                               json.dumps(_result("4").to_dict())]) + "\n", encoding="utf-8")
    items = list(read_results(path))
    assert [i.id for i in items if isinstance(i, claimx.Result)] == ["1", "4"]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [(e.line, e.id) for e in errors] == [(2, None), (3, "2"), (5, "3"), (6, None)]
    assert errors[0].error.startswith("not valid JSON")
    assert "missing or non-list field 'claims'" in errors[1].error
    assert "claims[0].roles[0].start must be int, got str" in errors[2].error
    assert "expected a JSON object, got list" in errors[3].error
    for bad, message in [({"id": True}, "'id' must be a string, got bool"), ({"meta": "5"}, "'meta' must be an object"),
                         ({"meta": "{x"}, "'meta' is text but not a JSON object")]:
        with pytest.raises(ValueError, match=message):
            claimx.Result.from_dict({**_result().to_dict(), **bad})
    assert claimx.Result.from_dict({**_result().to_dict(), "meta": '{"year": 2020}'}).meta == {"year": 2020}
    assert all(e.file == str(path) and "claimx extract" in e.error for e in errors)


def test_gzip_parquet_and_folders(tmp_path):
    rows = [_result(str(i)).to_dict() for i in range(3)]
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    pq.write_table(pa.Table.from_pylist([{**rows[2], "error": None, "file": "in.jsonl", "line": 3},
                                          {**rows[0], "id": "ray", "error": "boom", "file": "x.jsonl", "line": 7}]),
                   tmp_path / "b.parquet")
    (tmp_path / "a.errors.jsonl").write_text('{"line": 1}\n')  # an error report is not read as results
    (tmp_path / "b.parquet.parts").mkdir()  # a Parquet run's checkpoints are not read twice
    pq.write_table(pa.Table.from_pylist(rows[:1]), tmp_path / "b.parquet.parts" / "part-00000.parquet")
    items = list(read_results(tmp_path))
    assert [i.id for i in items] == ["0", "1", "2", "ray"]
    assert isinstance(items[3], RecordError) and (items[3].error, items[3].line, items[3].file) == ("boom", 7, "x.jsonl")
    assert items[2].claims[0].roles[1].expanded == "synaptic connectivity"


def test_missing_paths_are_refused(tmp_path):
    with pytest.raises(ResultsError, match="no such file"):
        list(read_results(tmp_path / "nope.jsonl"))
    with pytest.raises(ResultsError, match="holds no .jsonl"):
        list(read_results(tmp_path))


def test_to_pandas_rows():
    results = [_result("1"), RecordError(2, None, "bad", "f"), _result("2").to_dict()]
    claims = claimx.to_pandas(results)
    assert list(claims["id"]) == ["1", "2"]
    assert claims.loc[0, "agents"] == ["Ketamine"] and claims.loc[0, "mechanisms"] == ["synaptic connectivity"]
    assert claims.loc[0, "effects"] == [] and claims.loc[0, "type"] == "mechanistic"
    roles = claimx.to_pandas(results, rows="roles")
    assert list(roles["label"]) == ["AGENT", "MECHANISM"] * 2 and set(roles["type"]) == {"mechanistic"}
    ents = claimx.to_pandas(_result("9"), rows="entities")
    assert ents.to_dict("records") == [{"id": "9", "start": 0, "end": 8, "text": "Ketamine", "label": "DRUG", "score": 0.99,
                                        "concept_id": None, "concept_name": None, "concept_score": None}]
    assert list(claimx.to_pandas([], rows="abbreviations").columns) == ["id", "short", "long", "start", "end"]
    with pytest.raises(ValueError, match="unknown rows"):
        claimx.to_pandas(results, rows="sentences")
