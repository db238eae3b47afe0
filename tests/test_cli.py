"""The command line end to end, in subprocesses as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .conftest import EXAMPLE_JSONL, EXAMPLE_XML, SHIPPED_EXAMPLES


def claimx(*args: str, stdin: bytes | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claimx", *args], input=stdin, capture_output=True, timeout=600, **kw)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_main_job_on_the_shipped_examples():
    p = claimx("extract", str(SHIPPED_EXAMPLES), "--quiet")
    assert p.returncode == 0, p.stderr
    records = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["id"] for r in records] == ["doi:10.1016/j.bbr.2020.112628", "29768149"]
    assert records[0]["abbreviations"][0] == {"short": "CSP", "long": "chronic stress pathology", "start": 370, "end": 373}
    assert all(set(r) == {"id", "entities", "abbreviations", "claims", "model"} for r in records)
    assert p.stderr == b""


def test_every_input_format_and_stdin(tmp_path: Path, shared):
    (tmp_path / "one.txt").write_text("Aspirin (ASA) reduced pain. ASA was safe.", encoding="utf-8")
    for source, expect in [(str(EXAMPLE_XML), "29768149"), (str(tmp_path / "one.txt"), "one")]:
        p = claimx("extract", source, "--quiet")
        assert p.returncode == 0 and json.loads(p.stdout)["id"] == expect, p.stderr
    p = claimx("extract", "-", "--quiet", stdin=EXAMPLE_JSONL.read_bytes())
    assert json.loads(p.stdout)["abbreviations"][1]["start"] == 483


def test_bad_records_go_to_the_error_report_and_the_run_goes_on(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": "a", "abstract": "Fine."}\n{"id": "b", "abstract": \n{"id": "c"}\n\xff\xfe\n'
        b'{"id": "d", "title": "T", "text": "Also fine."}\n'
    )
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    p = claimx("extract", str(src), "-o", str(out), "--errors", str(err))
    assert p.returncode == 0
    assert [r["id"] for r in _lines(out)] == ["a", "d"]
    assert [(e["line"], e["id"]) for e in _lines(err)] == [(2, None), (3, "c"), (4, None)]
    assert "read 5 records, wrote 2, 3 failed" in p.stderr.decode()
    assert claimx("extract", str(src), "-o", str(out), "--errors", str(err), "--strict", "-q").returncode == 1


def test_errors_default_to_stderr_and_all_bad_exits_1(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "x", "abstract": ""}\n')
    p = claimx("extract", str(src), "-q")
    assert p.returncode == 1 and p.stdout == b""
    assert "empty field 'abstract'" in p.stderr.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "does not exist"),
        ([str(SHIPPED_EXAMPLES), "--model", "/nonexistent/model"], "no claimx model at /nonexistent/model"),
        ([str(SHIPPED_EXAMPLES), "-o", "/nonexistent/dir/out.jsonl"], "does not exist; create it first"),
        ([str(SHIPPED_EXAMPLES), "--format", "parquet"], "Parquet cannot be written to stdout"),
        ([str(SHIPPED_EXAMPLES), "--device", "tpu"], "unknown device 'tpu'"),
        ([str(SHIPPED_EXAMPLES), "--resume"], "--resume needs an output file"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args, message):
    p = claimx("extract", *args)
    err = p.stderr.decode()
    assert p.returncode == 2 and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def _big_input(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if i % 97 == 5:
                f.write('{"id": "bad%d"}\n' % i)
            else:
                rec = {"id": f"r{i}", "title": f"Record {i}", "abstract": "Tumor necrosis factor (TNF) rose. TNF fell. " * 3}
                f.write(json.dumps(rec) + "\n")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_resume_after_sigkill_writes_every_record_exactly_once(tmp_path: Path, fmt: str):
    n = 3000
    src, out, err = tmp_path / "in.jsonl", tmp_path / f"out.{fmt}", tmp_path / "err.jsonl"
    _big_input(src, n)
    args = ["extract", str(src), "-o", str(out), "--errors", str(err), "--batch-size", "16", "-q"]
    proc = subprocess.Popen([sys.executable, "-m", "claimx", *args])
    progress = (lambda: len(list((tmp_path / "out.parquet.parts").glob("part-*")))) if fmt == "parquet" else (
        lambda: out.stat().st_size if out.exists() else 0
    )
    deadline = time.time() + 300
    while progress() < (1 if fmt == "parquet" else 20_000) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if fmt == "jsonl":
        with open(out, "ab") as f:
            f.write(b'{"id": "half a li')  # as if killed mid-write
    p = claimx(*args, "--resume")
    assert p.returncode == 0, p.stderr
    ids = pq.read_table(out).column("id").to_pylist() if fmt == "parquet" else [r["id"] for r in _lines(out)]
    failed = [e["id"] for e in _lines(err)]
    expected_bad = [f"bad{i}" for i in range(n) if i % 97 == 5]
    assert ids == [f"r{i}" for i in range(n) if i % 97 != 5]
    assert failed == expected_bad


def test_parquet_output_and_keep_meta(tmp_path: Path):
    out = tmp_path / "out.parquet"
    assert claimx("extract", str(SHIPPED_EXAMPLES), "-o", str(out), "--keep-meta", "-q").returncode == 0
    rows = pq.read_table(out).to_pylist()
    assert json.loads(rows[0]["meta"]) == {"journal": "Behav Brain Res", "year": 2020}


def test_custom_field_names(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"doc": "z1", "headline": "H", "body": "Interleukin 6 (IL-6) rose."}\n')
    p = claimx("extract", str(src), "--id-field", "doc", "--title-field", "headline", "--text-field", "body", "-q")
    rec = json.loads(p.stdout)
    assert rec["id"] == "z1" and rec["abbreviations"][0]["start"] == len("H Interleukin 6 (")
