import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq

from claimx.io.writers import JsonlWriter, ParquetWriter, done_ids, open_writer

RECORDS = [
    {
        "id": "1",
        "entities": [{"start": 0, "end": 8, "text": "Ketamine", "label": "DRUG", "score": 0.99}],
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
    assert [json.loads(line) for line in path.read_text().splitlines()] == RECORDS
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


def test_jsonl_resume_cuts_a_half_written_line(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n" + '{"id": "2", "entit')
    assert done_ids(path, "jsonl") == {"1": 1}
    w = JsonlWriter(path, append=True)
    w.write(RECORDS[1:])
    w.close()
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["1", "2"]


def test_parquet_resume_from_parts_left_by_a_killed_run(tmp_path: Path):
    path = tmp_path / "out.parquet"
    w = ParquetWriter(path, rows_per_part=1)
    w.write(RECORDS[:1])  # part 0 written; the run is then "killed" (no close)
    (tmp_path / "out.parquet.parts" / "part-000001.tmp").write_bytes(b"half a part")
    assert done_ids(path, "parquet") == {"1": 1}
    w2 = ParquetWriter(path, append=True, rows_per_part=1)
    w2.write(RECORDS[1:])
    w2.close()
    assert pq.read_table(path).column("id").to_pylist() == ["1", "2"]
    # resuming a finished file appends to it
    w3 = ParquetWriter(path, append=True)
    w3.write([{**RECORDS[1], "id": "3"}])
    w3.close()
    assert pq.read_table(path).column("id").to_pylist() == ["1", "2", "3"]
