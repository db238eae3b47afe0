"""`claimx extract --out-dir DIR [--shard i/N]`: one output per input file, sharding, resume after SIGKILL."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from claimx.errors import UsageError
from claimx.run.shards import output_names, parse_shard, shard_files

from .test_cli import _big_input, _lines, _wait_for, claimx


def test_shards_take_every_nth_file_of_the_sorted_list():
    files = [Path(f"/in/f{k}.jsonl") for k in (3, 0, 4, 1, 2)]
    assert shard_files(files, (0, 2)) == [Path("/in/f0.jsonl"), Path("/in/f2.jsonl"), Path("/in/f4.jsonl")]
    assert shard_files(files, (1, 2)) == [Path("/in/f1.jsonl"), Path("/in/f3.jsonl")]
    assert sorted(shard_files(files, (0, 1))) == sorted(files)


@pytest.mark.parametrize("spec", ["2/2", "-1/4", "1", "a/b", "0/0"])
def test_a_bad_shard_is_a_usage_error(spec: str):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(spec)


def test_output_names_drop_the_input_ending_and_refuse_collisions():
    assert output_names([Path("/a/pubmed25n0001.xml.gz"), Path("/a/x.v1.jsonl")]) == {
        Path("/a/pubmed25n0001.xml.gz"): "pubmed25n0001", Path("/a/x.v1.jsonl"): "x.v1"}
    with pytest.raises(UsageError, match="both be written"):
        output_names([Path("/a/x.jsonl"), Path("/b/x.xml.gz")])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_shards_cover_every_file_once_and_a_corrupt_file_does_not_stop_them(tmp_path: Path, shared: Path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.jsonl").write_text('{"id": "a1", "text": "Aspirin reduced pain."}\n{"id": "a2"}\n', encoding="utf-8")
    (src / "b.xml.gz").write_bytes(gzip.compress((shared / "examples" / "pubmed-29768149.xml").read_bytes()))
    (src / "c.jsonl.gz").write_bytes(b"this is not gzip")
    (src / "d.txt").write_text("Metformin lowers glucose.", encoding="utf-8")
    for s in ("0/2", "1/2"):
        p = claimx("extract", str(src), "--out-dir", str(out), "--shard", s, "-q")
        assert p.returncode == 0, p.stderr
    ids = {name: [r["id"] for r in _lines(out / f"{name}.jsonl")] for name in "abcd"}
    assert ids == {"a": ["a1"], "b": ["29768149"], "c": [], "d": ["d"]}
    assert [e["id"] for e in _lines(out / "a.errors.jsonl")] == ["a2"]
    assert "damaged gzip data" in _lines(out / "c.errors.jsonl")[0]["error"]
    m0 = json.loads((out / "claimx-shard-00000-of-00002.json").read_text())
    m1 = json.loads((out / "claimx-shard-00001-of-00002.json").read_text())
    assert m0["complete"] and m1["complete"]
    assert [Path(f["input"]).name for f in m0["files"]] == ["a.jsonl", "c.jsonl.gz"]
    assert [Path(f["input"]).name for f in m1["files"]] == ["b.xml.gz", "d.txt"]
    a = m0["files"][0]
    assert (a["records"], a["written"], a["failed"]) == (2, 1, 1)
    assert a["input_sha256"] == _sha(src / "a.jsonl") and a["output_sha256"] == _sha(out / "a.jsonl")
    assert a["errors_sha256"] == _sha(out / "a.errors.jsonl")
    # a rerun finds everything done and leaves the outputs as they are
    before = {p.name: p.read_bytes() for p in out.glob("*.jsonl")}
    p = claimx("extract", str(src), "--out-dir", str(out), "--shard", "0/2")
    assert p.returncode == 0 and "2 files (2 already done)" in p.stderr.decode()
    assert {p.name: p.read_bytes() for p in out.glob("*.jsonl")} == before


def test_out_dir_refuses_options_that_name_other_outputs(tmp_path: Path):
    p = claimx("extract", str(tmp_path), "--out-dir", str(tmp_path / "o"), "-o", str(tmp_path / "x.jsonl"))
    assert p.returncode == 2 and b"leave out -o" in p.stderr
    p = claimx("extract", str(tmp_path), "--shard", "0/2")
    assert p.returncode == 2 and b"--shard needs --out-dir" in p.stderr


@pytest.mark.slow  # real processes (/dev/stdout, kill -9, Ctrl-C)
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_sharded_run_killed_with_sigkill_finishes_on_rerun_with_every_record_once(tmp_path: Path, fmt: str):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    expected = {f"f{k}": _big_input(src / f"f{k}.jsonl", 300) for k in range(3)}
    args = ["extract", str(src), "--out-dir", str(out), "--shard", "0/1", "--format", fmt, "--batch-size", "32",
            "--rows-per-part", "64", "-q"]
    proc = subprocess.Popen([sys.executable, "-m", "claimx", *args])
    second = out / f"f1.{fmt}.manifest.json"
    _wait_for(proc, lambda: second.exists() and json.loads(second.read_text() or "{}").get("records", 0) >= 64)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / f"f2.{fmt}").exists()
    p = claimx(*args)
    assert p.returncode == 0, p.stderr
    for name, want in expected.items():
        target = out / f"{name}.{fmt}"
        if fmt == "parquet":
            import pyarrow.parquet as pq

            got = pq.read_table(target).column("id").to_pylist()
        else:
            got = [r["id"] for r in _lines(target)]
        assert got == [i for where, i in want if where == "out"]
        assert [e["id"] for e in _lines(out / f"{name}.errors.jsonl")] == [i for where, i in want if where == "err"]
    shard = json.loads((out / "claimx-shard-00000-of-00001.json").read_text())
    assert shard["complete"] and [f["records"] for f in shard["files"]] == [300, 300, 300]


def test_options_may_name_the_model_by_its_spec(tmp_path: Path, tiny_model: Path):
    from claimx import ExtractOptions
    from claimx.models.spec import load_spec
    from claimx.run.shards import run_shard

    (tmp_path / "a.jsonl").write_text('{"id": "a", "abstract": "Aspirin reduced pain."}\n')
    done = run_shard([tmp_path / "a.jsonl"], tmp_path / "out", options=ExtractOptions(model=load_spec(tiny_model)))
    assert [(f.records, f.written, f.error) for f in done.files] == [(1, 1, None)]
    assert [r["model"] for r in _lines(tmp_path / "out" / "a.jsonl")] == ["claimx-tiny 0.0.1"]
