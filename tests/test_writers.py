import json
import os
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from claimx.io.writers import JsonlWriter, ParquetWriter, open_writer, parts_of


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.split("\n") if line]

RECORDS = [
    {
        "id": "1",
        "entities": [{"start": 0, "end": 8, "text": "Ketamine", "label": "DRUG", "score": 0.99,
                      "concept": {"id": "MESH:D007649", "name": "Ketamine", "score": 1.0}},
                     {"start": 13, "end": 23, "text": "depression", "label": "DISORDER", "score": 0.9, "concept": None}],
        "abbreviations": [{"short": "CSP", "long": "chronic stress pathology", "start": 10, "end": 13}],
        "claims": [
            {
                "start": 0, "end": 20, "text": "Ketamine helps CSP.", "statement": "Ketamine helps chronic stress pathology.",
                "type": "causal", "certainty": "asserted", "negated": False, "key": True, "score": 0.9,
                "roles": [{"label": "AGENT", "start": 0, "end": 8, "text": "Ketamine", "expanded": "Ketamine"}],
            }
        ],
        "model": "m 1",
    },
    {"id": "2", "entities": [], "abbreviations": [], "claims": [], "model": "m 1"},
]


def test_jsonl_round_trip_with_datasets(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    w = open_writer(path, "jsonl")
    w.write(RECORDS)
    w.close()
    assert _lines(path.read_text(encoding="utf-8")) == RECORDS
    assert w.position == path.stat().st_size
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    assert ds[0]["claims"][0]["roles"][0]["expanded"] == "Ketamine" and ds[1]["id"] == "2"


def test_parquet_round_trip_with_datasets_and_pyarrow(tmp_path: Path):
    path = tmp_path / "out.parquet"
    w = ParquetWriter(path, rows_per_part=1)
    w.write(RECORDS + [{**RECORDS[1], "id": "3", "meta": {"year": 2020}}])
    w.close()
    assert not (tmp_path / "out.parquet.parts").exists()
    rows = pq.read_table(path).to_pylist()
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert {k: v for k, v in rows[0].items() if k != "meta"} == RECORDS[0]
    assert rows[0]["meta"] is None and json.loads(rows[2]["meta"]) == {"year": 2020}
    ds = datasets.Dataset.from_parquet(str(path))
    assert ds[0]["claims"][0]["statement"] == "Ketamine helps chronic stress pathology."


def test_jsonl_resume_cuts_back_to_the_recorded_size(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    w = JsonlWriter(path)
    w.write(RECORDS[:1])
    w.flush()
    recorded = w.position
    w.write([{**RECORDS[1], "id": "lost"}])  # flushed, but never recorded: as if killed before the manifest
    w.close()
    with open(path, "ab") as f:
        f.write(b'{"id": "half a li')
    w2 = JsonlWriter(path, resume_from=recorded)
    assert w2.position == recorded
    w2.write(RECORDS[1:])
    w2.close()
    assert [r["id"] for r in _lines(path.read_text(encoding="utf-8"))] == ["1", "2"]
    assert w2.position == path.stat().st_size


def test_jsonl_keeps_u2028_and_writes_lone_surrogates_as_escapes(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    w = JsonlWriter(path)
    w.write([{"id": "a\u2028b", "text": "x\ud800y"}])
    w.close()
    assert path.read_bytes() == b'{"id": "a\xe2\x80\xa8b", "text": "x\\ud800y"}\n'
    assert _lines(path.read_text(encoding="utf-8")) == [{"id": "a\u2028b", "text": "x\ud800y"}]


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
def test_jsonl_to_devices_and_pipes_is_not_fsynced(tmp_path: Path, special: str, monkeypatch):
    synced = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    if special == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    else:
        path = Path(special)
    try:
        w = JsonlWriter(path)
        w.write(RECORDS[1:])
        w.close()
        if special == "fifo":
            assert json.loads(os.read(reader, 1 << 16)) == RECORDS[1]
    finally:
        if special == "fifo":
            os.close(reader)
    assert synced == []
    w = JsonlWriter(tmp_path / "regular.jsonl")
    w.write(RECORDS[1:])
    w.close()
    assert len(synced) == 1


def test_parquet_parts_hold_rows_per_part_rows_not_a_batch_each(tmp_path: Path):
    path = tmp_path / "out.parquet"
    w = ParquetWriter(path, rows_per_part=5, keep_parts=True)
    for i in range(12):  # twelve batches of one row
        w.write([{**RECORDS[1], "id": str(i)}])
        w.flush()
        assert w.position == (i + 1) // 5
    w.close()
    assert w.position == 3 and sorted(parts_of(path)) == [0, 1, 2]
    assert [pq.ParquetFile(f).metadata.num_rows for _, f in sorted(parts_of(path).items())] == [5, 5, 2]
    f = pq.ParquetFile(path)
    assert [f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)] == [5, 5, 2]
    assert pq.read_table(path).column("id").to_pylist() == [str(i) for i in range(12)]
    w.cleanup()
    assert not (tmp_path / "out.parquet.parts").exists()


def test_parquet_resume_keeps_the_recorded_parts_and_drops_the_rest(tmp_path: Path):
    path = tmp_path / "out.parquet"
    w = ParquetWriter(path, rows_per_part=1)
    w.write(RECORDS[:1])  # part 0, recorded
    w.write([{**RECORDS[1], "id": "unrecorded"}])  # part 1, written after the last record: dropped
    w.abort()  # the run is "killed"
    (tmp_path / "out.parquet.parts" / "part-000002.tmp").write_bytes(b"half a part")
    assert sorted(parts_of(path)) == [0, 1]
    w2 = ParquetWriter(path, resume_from=1, rows_per_part=1)
    assert sorted(p.name for p in (tmp_path / "out.parquet.parts").iterdir()) == ["part-000000.parquet"]
    w2.write(RECORDS[1:])
    w2.close()
    assert pq.read_table(path).column("id").to_pylist() == ["1", "2"]
    assert not (tmp_path / "out.parquet.parts").exists()


def test_parquet_resume_with_a_missing_part_is_refused(tmp_path: Path):
    path = tmp_path / "out.parquet"
    (tmp_path / "out.parquet.parts").mkdir()
    with pytest.raises(ValueError, match="part 0 of 2 is missing"):
        ParquetWriter(path, resume_from=2)


def test_open_writer_refuses_what_it_cannot_write(tmp_path: Path):
    with pytest.raises(ValueError, match="Parquet cannot be written to stdout"):
        open_writer(None, "parquet")
    with pytest.raises(ValueError, match="unknown output format 'csv'; use one of jsonl, parquet"):
        open_writer(tmp_path / "x.csv", "csv")
