"""The Ray Data runner on a local Ray: the same records as the local run, and a dead actor is retried."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a local Ray cluster: processes, seconds to start

ray = pytest.importorskip("ray")

from claimx import ExtractOptions  # noqa: E402
from claimx.run.distributed import ExtractBatch, extract_dataset, read_records  # noqa: E402
from claimx.run.jobs import run_extract  # noqa: E402

from .conftest import SHIPPED_EXAMPLES  # noqa: E402
from .test_cli import _lines, claimx  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("ray-in")
    (d / "bad.jsonl").write_text('{"id": "x1", "text": "Aspirin reduced pain in migraine."}\n{"id": "x2"}\nnot json\n',
                                 encoding="utf-8")
    return [SHIPPED_EXAMPLES, d / "bad.jsonl"]


def _local(inputs: list[Path], tmp: Path, extractor) -> tuple[list[dict], list[dict]]:
    run_extract(inputs, tmp / "local.jsonl", errors=tmp / "local.errors.jsonl", extractor=extractor)
    return _lines(tmp / "local.jsonl"), _lines(tmp / "local.errors.jsonl")


def _split_rows(rows: list[dict], inputs: list[Path]) -> tuple[list[dict], list[dict]]:
    """Results and error-report lines, in input order (Ray keeps no order across files)."""
    order = [str(p) for p in inputs]
    key = lambda r: (order.index(r["file"]), r["line"] or 0)  # noqa: E731
    results = [{k: r[k] for k in ("id", "entities", "abbreviations", "claims", "model")}
               for r in sorted(rows, key=key) if r["error"] is None]
    errors = [{k: r[k] for k in ("line", "id", "error", "file")} for r in sorted(rows, key=key) if r["error"] is not None]
    return results, errors


def _plain(rows: list[dict]) -> list[dict]:
    return json.loads(json.dumps(rows))  # Arrow rows → the JSON the local run writes


def test_ray_gives_the_records_of_the_local_run(local_ray, inputs, tmp_path: Path, extractor):
    options = ExtractOptions(model=str(extractor.spec.path), device="cpu", batch_size=2)
    rows = extract_dataset(read_records(inputs), options=options, concurrency=2).take_all()
    assert len(rows) == 5
    results, errors = _split_rows(_plain(rows), inputs)
    assert (results, errors) == _local(inputs, tmp_path, extractor)


class _DiesOnce(ExtractBatch):
    """Kills its worker process on its first batch, once per test (a marker file remembers)."""

    marker = ""

    def __call__(self, batch):
        if not os.path.exists(self.marker):
            Path(self.marker).touch()
            os._exit(1)
        return super().__call__(batch)


def test_a_dead_actor_is_restarted_and_the_run_completes(local_ray, inputs, tmp_path: Path, extractor):
    marker = tmp_path / "died"
    dies = type("DiesOnce", (_DiesOnce,), {"marker": str(marker)})
    options = ExtractOptions(model=str(extractor.spec.path), device="cpu", batch_size=2)
    rows = extract_dataset(read_records(inputs), options=options, batch_class=dies).take_all()
    assert marker.exists()  # it did die
    assert _split_rows(_plain(rows), inputs) == _local(inputs, tmp_path, extractor)


def test_the_command_line_runs_on_ray(inputs, tmp_path: Path):
    out = tmp_path / "out"
    p = claimx("extract", *map(str, inputs), "--engine", "ray", "--out-dir", str(out), "--format", "jsonl", "--device", "cpu")
    assert p.returncode == 0, p.stderr
    assert "wrote 5 rows" in p.stderr.decode()
    rows = [r for f in sorted(out.glob("*.json*")) for r in _lines(f)]
    assert sorted(r["id"] or "" for r in rows) == sorted(["doi:10.1016/j.bbr.2020.112628", "29768149", "x1", "x2", ""])
    p = claimx("extract", *map(str, inputs), "--engine", "ray", "--out-dir", str(out))
    assert p.returncode == 2 and b"not empty" in p.stderr
