"""The command line end to end, in subprocesses as a user runs it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from claimx import ExtractOptions

from .conftest import EXAMPLE_JSONL, EXAMPLE_XML, SHIPPED_EXAMPLES


def claimx(*args: str, stdin: bytes | None = None, cwd: Path | None = None, process: bool = False
           ) -> subprocess.CompletedProcess:
    """Run the command line: in this process through Typer's test runner (fast: torch and spaCy are loaded
    once), or with ``process`` as `python -m claimx` (for what needs a real process: /dev/stdout, signals)."""
    if process:
        return subprocess.run([sys.executable, "-m", "claimx", *args], input=stdin, capture_output=True, timeout=600,
                              cwd=cwd)
    from typer.testing import CliRunner

    from claimx.cli import app

    with contextlib.chdir(cwd or Path.cwd()):
        r = CliRunner().invoke(app, list(args), input=stdin)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout_bytes, r.stderr_bytes)


def _split(data: bytes | str) -> list[dict]:
    """JSON lines split on "\\n" only, as JSONL is (str.splitlines() also splits on U+2028 and others)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [json.loads(line) for line in text.split("\n") if line]


def _lines(path: Path) -> list[dict]:
    return _split(path.read_text(encoding="utf-8"))


def test_main_job_on_the_shipped_examples():
    p = claimx("extract", str(SHIPPED_EXAMPLES), "--quiet")
    assert p.returncode == 0, p.stderr
    records = _split(p.stdout)
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
    assert p.stderr.decode() == (
        'claimx: error: {"line": 1, "id": "x", "error": "empty field \'abstract\': there is no text to read", "file": "%s"}\n'
        % src
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "[E002] input missing.jsonl does not exist; give a .jsonl, .xml(.gz) or .txt file, a directory, a glob or -"),
        ([str(SHIPPED_EXAMPLES), "--model", "/nonexistent/model"], "[E001] no model '/nonexistent/model': not a folder and not an installed model"),
        (
            [str(SHIPPED_EXAMPLES), "-o", "/nonexistent/dir/out.jsonl"],
            "[E003] cannot write the output /nonexistent/dir/out.jsonl: folder /nonexistent/dir does not exist; create it first",
        ),
        ([str(SHIPPED_EXAMPLES), "-o", "/proc/x.jsonl"], "[E003] cannot write the output /proc/x.jsonl: "),
        ([str(SHIPPED_EXAMPLES), "--format", "parquet"], "[E003] Parquet cannot be written to stdout; give an output file with -o"),
        ([str(SHIPPED_EXAMPLES), "--format", "csv"], "[E003] unknown output format 'csv'; use --format jsonl or parquet"),
        ([str(SHIPPED_EXAMPLES), "--input-format", "csv"], "[E002] unknown input format 'csv'; use --input-format jsonl, xml, txt"),
        ([str(SHIPPED_EXAMPLES), "--device", "tpu"], "[E001] unknown device 'tpu'"),
        ([str(SHIPPED_EXAMPLES), "--resume"], "[E003] --resume needs an output file"),
        ([str(SHIPPED_EXAMPLES), "--rows-per-part", "0", "-o", "x.parquet"], "[E003] --rows-per-part must be at least 1, got 0"),
        ([str(SHIPPED_EXAMPLES), "-o", str(SHIPPED_EXAMPLES)], f"[E003] the output {SHIPPED_EXAMPLES} is also an input; write it to another file"),
        ([str(SHIPPED_EXAMPLES), "--errors", str(SHIPPED_EXAMPLES)], f"[E003] the error report {SHIPPED_EXAMPLES} is also an input"),
        ([str(SHIPPED_EXAMPLES), "-o", "same.jsonl", "--errors", "same.jsonl"], "[E003] -o and --errors are both same.jsonl; give the error report its own file"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args, message, tmp_path: Path):
    p = claimx("extract", *args, cwd=tmp_path)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.startswith("claimx: error: " + message) and "Traceback" not in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_usage_errors_leave_an_existing_output_untouched(tmp_path: Path):
    (tmp_path / "a.jsonl").write_text('{"id": "a", "abstract": "A."}\n')
    (tmp_path / "b.csv").write_text("id,abstract\n")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    out.write_text("precious\n")
    err.write_text("old errors\n")
    for extra in (["--format", "csv"], ["--input-format", "csv"], []):
        p = claimx("extract", str(tmp_path / "*"), "-o", str(out), "--errors", str(err), *extra)
        assert p.returncode == 2, p.stderr
        assert out.read_text() == "precious\n" and err.read_text() == "old errors\n"
    assert p.stderr.decode() == (
        f"claimx: error: [E002] cannot tell the format of {tmp_path / 'b.csv'} from the name; "
        "name files .jsonl(.gz), .xml(.gz) or .txt(.gz), leave them out, or pass --input-format\n"
    )


@pytest.mark.parametrize("how", ["folder", "glob", "shell"])
def test_output_inside_the_input_folder_is_not_read_back(tmp_path: Path, how: str):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text('{"id": "a", "abstract": "A (AB) b."}\n{"id": "x"}\n')
    (data / "b.jsonl").write_text('{"id": "b", "abstract": "B."}\n')
    out, err = data / "out.jsonl", data / "err.jsonl"
    inputs = {"folder": [str(data)], "glob": [str(data / "*.json*")], "shell": sorted(str(p) for p in data.glob("*.jsonl"))}
    for _ in range(2):  # the second run finds out.jsonl, err.jsonl and the manifest in the folder
        args = ["extract", *inputs[how], "-o", str(out), "--errors", str(err), "-q"]
        p = claimx(*args, "--batch-size", "1")
        assert p.returncode == 0, p.stderr
        assert [r["id"] for r in _lines(out)] == ["a", "b"]
        assert [(e["line"], e["id"]) for e in _lines(err)] == [(2, "x")]
        inputs["shell"] = sorted(str(p) for p in data.glob("*.jsonl"))  # a shell glob now names out.jsonl too
        if how == "shell":
            break
    if how == "shell":
        p = claimx(*["extract", *inputs["shell"], "-o", str(out)])
        assert p.returncode == 2 and p.stderr.decode().startswith(f"claimx: error: [E003] the output {out} is also an input")


@pytest.mark.slow  # real processes (/dev/stdout, kill -9, Ctrl-C)
def test_devices_as_output(tmp_path: Path):
    p = claimx("extract", str(SHIPPED_EXAMPLES), "-o", "/dev/null", "--errors", "/dev/null", process=True)
    assert p.returncode == 0 and p.stdout == b"" and "wrote 2, 0 failed" in p.stderr.decode()
    p = claimx("extract", str(SHIPPED_EXAMPLES), "-o", "/dev/stdout", "-q", process=True)
    assert p.returncode == 0 and [r["id"] for r in _split(p.stdout)] == ["doi:10.1016/j.bbr.2020.112628", "29768149"]
    p = claimx("extract", str(SHIPPED_EXAMPLES), "-o", "/dev/null", "--resume")
    assert p.returncode == 2 and p.stderr.decode() == "claimx: error: [E003] --resume needs a regular output file; /dev/null is not one\n"


def test_several_inputs_are_read_in_order(tmp_path: Path, shared):
    (tmp_path / "one.txt").write_text("Aspirin (ASA) reduced pain.", encoding="utf-8")
    p = claimx("extract", str(tmp_path / "one.txt"), str(EXAMPLE_XML), str(SHIPPED_EXAMPLES), "-q")
    assert p.returncode == 0, p.stderr
    assert [r["id"] for r in _split(p.stdout)] == ["one", "29768149", "doi:10.1016/j.bbr.2020.112628", "29768149"]


def _big_input(path: Path, n: int) -> list[tuple[str, str]]:
    """`n` records whose ids repeat; every 97th is bad. Returns (where, id) per record, in order."""
    expected = []
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if i % 97 == 5:
                f.write('{"id": "bad%d"}\n' % (i % 3))
                expected.append(("err", f"bad{i % 3}"))
            else:
                rec = {"id": f"r{i % 250}", "title": f"Record {i}", "abstract": "Tumor necrosis factor (TNF) rose. TNF fell. " * 3}
                f.write(json.dumps(rec) + "\n")
                expected.append(("out", f"r{i % 250}"))
    return expected


def _manifest(out: Path) -> dict:
    try:
        return json.loads(out.with_name(out.name + ".manifest.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _ids(out: Path, fmt: str) -> list[str]:
    return pq.read_table(out).column("id").to_pylist() if fmt == "parquet" else [r["id"] for r in _lines(out)]


def _wait_for(proc: subprocess.Popen, ready) -> None:
    deadline = time.time() + 300
    while not ready() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be stopped"


@pytest.mark.slow  # real processes (/dev/stdout, kill -9, Ctrl-C)
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_resume_after_sigkill_writes_every_record_exactly_once(tmp_path: Path, fmt: str):
    n = 600
    src, out, err = tmp_path / "in.jsonl", tmp_path / f"out.{fmt}", tmp_path / "err.jsonl"
    expected = _big_input(src, n)
    args = ["extract", str(src), "-o", str(out), "--errors", str(err), "--batch-size", "32", "--rows-per-part", "64", "-q"]
    proc = subprocess.Popen([sys.executable, "-m", "claimx", *args])
    _wait_for(proc, lambda: _manifest(out).get("records", 0) >= 128)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    m = _manifest(out)
    assert m["complete"] is False and m["records"] == m["written"] + m["failed"] >= 128
    # as if killed after the next flush but before its manifest, and then in the middle of a write
    with open(err, "ab") as f:
        f.write(b'{"line": 1, "id": "bad0", "error": "done again", "file": "x"}\n{"line": 2, "i')
    parts = tmp_path / "out.parquet.parts"
    if fmt == "jsonl":
        with open(out, "ab") as f:
            f.write(out.read_bytes()[: m["output_bytes"]].split(b"\n", 2)[0] + b'\n{"id": "half a li')
    else:
        assert m["output_parts"] >= 1 and m["records"] - m["failed"] >= 64 * m["output_parts"]
        (parts / f"part-{m['output_parts']:06d}.parquet").write_bytes((parts / "part-000000.parquet").read_bytes())
        (parts / f"part-{m['output_parts'] + 1:06d}.tmp").write_bytes(b"half a part")
    p = claimx(*args, "--resume")
    assert p.returncode == 0, p.stderr
    assert _ids(out, fmt) == [i for where, i in expected if where == "out"]
    assert [e["id"] for e in _lines(err)] == [i for where, i in expected if where == "err"]
    assert not parts.exists()
    final = _manifest(out)
    assert (final["complete"], final["records"], final["written"], final["failed"]) == (True, n, 593, 7)
    assert final["output_bytes" if fmt == "jsonl" else "output_parts"] == (out.stat().st_size if fmt == "jsonl" else final["output_parts"])
    assert final["errors_bytes"] == err.stat().st_size


@pytest.mark.slow  # real processes (/dev/stdout, kill -9, Ctrl-C)
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_ctrl_c_leaves_a_resumable_run(tmp_path: Path, fmt: str):
    src, out, err = tmp_path / "in.jsonl", tmp_path / f"out.{fmt}", tmp_path / "err.jsonl"
    expected = _big_input(src, 400)
    args = ["extract", str(src), "-o", str(out), "--errors", str(err), "--batch-size", "32", "--rows-per-part", "64", "-q"]
    # as from a terminal: a runner that starts tests in the background may have SIGINT ignored
    restore = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen([sys.executable, "-m", "claimx", *args], stderr=subprocess.PIPE, preexec_fn=restore)
    _wait_for(proc, lambda: _manifest(out).get("records", 0) > 0)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    m = _manifest(out)
    assert stderr.decode() == f"claimx: interrupted after {m['records']} records; rerun the same command with --resume to continue\n"
    assert m["complete"] is False and 0 < m["records"] < 400
    assert m["errors_bytes"] == err.stat().st_size
    if fmt == "parquet":  # not merged: the parts wait for --resume
        assert not out.exists() and m["output_parts"] == len(list((tmp_path / "out.parquet.parts").glob("part-*.parquet")))
    else:
        assert m["output_bytes"] == out.stat().st_size and len(_lines(out)) == m["written"]
    p = claimx(*args, "--resume")
    assert p.returncode == 0, p.stderr
    assert _ids(out, fmt) == [i for where, i in expected if where == "out"]
    assert [e["id"] for e in _lines(err)] == [i for where, i in expected if where == "err"]


class _Killed(BaseException):
    pass


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_kill_between_the_flush_and_the_manifest_is_resumed_exactly(tmp_path: Path, fmt: str, extractor, monkeypatch):
    from claimx.run import jobs

    src, out, err = tmp_path / "in.jsonl", tmp_path / f"out.{fmt}", tmp_path / "err.jsonl"
    expected = _big_input(src, 100)
    write_manifest = jobs.Manifest.write
    calls = []

    def dies_on_the_fourth(manifest, path):
        calls.append(manifest.records)
        if len(calls) == 4:
            raise _Killed  # results and errors of this checkpoint are flushed; the manifest is not written
        write_manifest(manifest, path)

    monkeypatch.setattr(jobs.Manifest, "write", dies_on_the_fourth)
    kw = dict(errors=err, options=ExtractOptions(batch_size=8, rows_per_part=20), extractor=extractor)
    with pytest.raises(_Killed):
        jobs.run_extract(src, out, **kw)
    m = _manifest(out)
    # the manifest is the third one: the first at the start, then one per checkpoint (per part for Parquet)
    assert calls == ([0, 8, 16, 24] if fmt == "jsonl" else [0, 24, 48, 72])
    assert (m["records"], m["complete"]) == (calls[2], False)
    parts = sorted((tmp_path / "out.parquet.parts").glob("part-*.parquet"))
    assert len(parts) > m["output_parts"] if fmt == "parquet" else out.stat().st_size > m["output_bytes"]  # beyond it
    monkeypatch.setattr(jobs.Manifest, "write", write_manifest)
    summary = jobs.run_extract(src, out, resume=True, **kw)
    assert (summary.skipped, summary.read, summary.written + summary.failed) == (calls[2], 100, 100 - calls[2])
    assert _ids(out, fmt) == [i for where, i in expected if where == "out"]
    assert [e["id"] for e in _lines(err)] == [i for where, i in expected if where == "err"]
    again = jobs.run_extract(src, out, resume=True, **kw)
    assert again.complete_before and again.line() == (
        "claimx: nothing to do: the run was already complete (100 records); rerun without --resume to do it again"
    )


def test_the_manifest_records_the_finished_run(tmp_path: Path, extractor):
    from claimx.run.jobs import run_extract

    src, out, err = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    src.write_text('{"id": "a", "abstract": "A."}\n{"id": "a"}\n{"id": "a", "abstract": "Again."}\n')
    run_extract(src, out, errors=err, extractor=extractor)
    m = _manifest(out)
    assert m.pop("seconds") >= 0
    assert m == {
        "inputs": [str(src)],
        "format": "jsonl",
        "model": extractor.spec.label,
        "output": str(out),
        "errors": str(err),
        "records": 3,
        "written": 2,
        "failed": 1,
        "output_bytes": out.stat().st_size,
        "errors_bytes": err.stat().st_size,
        "complete": True,
    }


def test_resume_refusals(tmp_path: Path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "a", "abstract": "A."}\n')
    out.write_text("from some other run\n")
    p = claimx("extract", str(src), "-o", str(out), "--resume")
    assert p.returncode == 2
    assert p.stderr.decode() == "claimx: error: [E003] no out.jsonl.manifest.json: cannot tell what was done; rerun without --resume\n"
    assert out.read_text() == "from some other run\n"
    assert claimx("extract", str(src), "-o", str(out), "-q").returncode == 0
    p = claimx("extract", str(src), "-o", str(out), "--format", "parquet", "--resume")
    assert p.returncode == 2 and p.stderr.decode() == (
        "claimx: error: [E003] out.jsonl.manifest.json records a jsonl run but this one writes parquet; "
        "use --format jsonl or rerun without --resume\n"
    )
    p = claimx("extract", str(src), "-o", str(out), "--resume")
    assert p.returncode == 0 and p.stderr.decode() == (
        "claimx: nothing to do: the run was already complete (1 records); rerun without --resume to do it again\n"
    )
    assert [r["id"] for r in _lines(out)] == ["a"]


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
