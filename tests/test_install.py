"""A plain (non-editable) install, as a new user does it: wheels of claimx and of the model package
(models/claimx-minilm-small, the default), a fresh virtualenv, then `claimx extract` with no --model from another folder.

Slow (a few minutes): it installs claimx's dependencies from the configured index into the new venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "corpora" / "examples" / "abstracts.jsonl"
MODEL = "claimx-minilm-small"  # the default model
TORCH = "torch==2.13.0"  # first and pinned, as the Makefile does: the CPU build served here, never a CUDA one

# pip output that means the index (or network) is not there, not that the packages are wrong
_NO_INDEX = ("Failed to establish a new connection", "Temporary failure in name resolution", "Network is unreachable",
             "Could not fetch URL", "ProxyError", "Max retries exceeded", "ConnectTimeoutError", "ReadTimeoutError")


def _env() -> dict[str, str]:
    """The environment of a user's shell: no CLAIMX_MODEL, nothing on PYTHONPATH, no active venv."""
    drop = {"CLAIMX_MODEL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(cmd: list[str], *, timeout: float, cwd: Path | None = None, step: str) -> subprocess.CompletedProcess:
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        if "pip" in cmd:  # a slow package index, not a claimx failure
            pytest.skip(f"{step}: no answer from the package index within {timeout:.0f} s")
        raise AssertionError(f"{step} did not finish within {timeout:.0f} s") from e
    print(f"{step}: {time.perf_counter() - t0:.1f} s (exit {done.returncode})")
    return done


def _pip(venv_python: Path | str, *args: str, step: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m pip ARGS`; skips when the package index cannot be reached, fails on any other error."""
    done = _run([str(venv_python), "-m", "pip", *args], timeout=timeout, step=step)
    if done.returncode != 0:
        log = done.stdout + done.stderr
        if any(s in log for s in _NO_INDEX):
            pytest.skip(f"{step}: the package index is unavailable\n{log[-2000:]}")
        pytest.fail(f"{step} failed (exit {done.returncode}):\n{log[-4000:]}")
    return done


def _clean_copy(dest: Path) -> Path:
    """The checkout as a fresh clone has it (tracked and untracked-but-not-ignored files): building in the
    checkout itself would leave build/ there, and setuptools packs whatever stale files an earlier build
    left in build/lib (e.g. modules since moved or deleted)."""
    listed = None
    if shutil.which("git"):
        done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                              capture_output=True, timeout=60, check=False)
        if done.returncode == 0:
            listed = [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    if listed is None:  # not a git checkout (e.g. an unpacked archive)
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "runs", "out"))
        return dest
    for rel in listed:
        src = ROOT / rel
        if src.is_symlink():  # models/claimx-minilm-small/linker -> ../claimx-minilm/linker: a link again
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / rel)
        elif src.is_file():  # skips tracked files deleted in the working tree
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.mark.slow
def test_wheels_install_and_run_like_a_new_user(tmp_path: Path) -> None:
    # what the editable checkout writes with the model folder named explicitly
    ref = tmp_path / "reference.jsonl"
    done = _run([sys.executable, "-m", "claimx", "extract", str(EXAMPLES), "-o", str(ref), "--quiet",
                 "--model", f"models/{MODEL}"], cwd=ROOT, timeout=600, step="reference extract (checkout)")
    assert done.returncode == 0, done.stderr[-4000:]

    # wheels, built from a clean copy of the checkout
    src = _clean_copy(tmp_path / "src")
    wheels = tmp_path / "wheels"
    _pip(sys.executable, "wheel", "--no-deps", "-w", str(wheels), str(src), step="wheel claimx", timeout=300)
    _pip(sys.executable, "wheel", "--no-deps", "-w", str(wheels), str(src / "models" / MODEL),
         step=f"wheel {MODEL}", timeout=300)
    (claimx_wheel,) = wheels.glob("claimx-*.whl")
    (model_wheel,) = wheels.glob(f"{MODEL.replace('-', '_')}-*.whl")

    # a fresh venv that sees nothing of this one
    venv = tmp_path / "venv"
    done = _run([sys.executable, "-m", "venv", str(venv)], timeout=300, step="python -m venv")
    if done.returncode != 0:
        pytest.skip(f"python -m venv is unavailable here (install python3-venv):\n{done.stdout}{done.stderr}")
    py, bin_ = venv / "bin" / "python", venv / "bin"

    _pip(py, "install", TORCH, step=f"pip install {TORCH}")
    torch_version = _run([str(py), "-c", "import importlib.metadata as m; print(m.version('torch'))"],
                         timeout=60, step="torch version").stdout.strip()
    assert torch_version, "torch did not install"
    pins = tmp_path / "constraints.txt"
    pins.write_text(f"torch=={torch_version}\n", encoding="utf-8")  # nothing may swap in another (CUDA) torch
    _pip(py, "install", "-c", str(pins), str(claimx_wheel), str(model_wheel), step="pip install claimx + model")

    # the model package registers its folder
    probe = ("import importlib.metadata as m; (ep,) = [e for e in m.entry_points(group='claimx.models') "
             f"if e.name == {MODEL!r}]; p = ep.load()(); "
             "assert (p / 'claimx.json').is_file() and (p / 'model.safetensors').is_file(), p; print(p)")
    done = _run([str(py), "-c", probe], timeout=60, step="entry point")
    assert done.returncode == 0, done.stderr[-4000:]
    assert Path(done.stdout.strip()).resolve().is_relative_to(venv.resolve()), done.stdout

    # a user's run: no --model, no CLAIMX_MODEL, outside the checkout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _run([str(bin_ / "claimx"), "extract", str(EXAMPLES.resolve()), "-o", "out.jsonl", "--quiet"],
                cwd=elsewhere, timeout=600, step="claimx extract (installed)")
    assert done.returncode == 0, done.stderr[-4000:]
    assert (elsewhere / "out.jsonl").read_bytes() == ref.read_bytes(), "installed claimx writes other output"

    done = _run([str(py), "-c", f"import claimx; ex = claimx.load({MODEL!r}); print(ex.spec.label)"],
                cwd=elsewhere, timeout=600, step="claimx.load by name")
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip() == f"{MODEL} 0.4.0"


@pytest.mark.parametrize("model", [MODEL, "claimx-minilm"])
def test_the_model_package_version_is_the_model_version(model: str):
    import json

    import tomllib

    folder = ROOT / "models" / model
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    meta = json.loads((folder / "claimx.json").read_text(encoding="utf-8"))
    assert (project["name"], project["version"]) == (meta["name"], meta["version"])
    assert project["entry-points"]["claimx.models"] == {model: f"{model.replace('-', '_')}:get_model_path"}
