"""What the resumable training scripts share: the run folder, its log and the command that made it."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def start_run(out: str | Path, script: str, argv: Sequence[str] | None, resume: bool
              ) -> tuple[Path, Callable[[str], None], str]:
    """``(checkpoint file, log, command)`` of a run writing to ``out``: ``log`` prints and appends to
    ``OUT/train.log``; ``command`` is how the run was started, without ``--resume``. A checkpoint left by an
    earlier run is only taken up with ``--resume``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint.pt"
    if ckpt.exists() and not resume:
        raise SystemExit(f"{ckpt} exists: add --resume to go on from it, or delete it to start over")
    log_file = (out / "train.log").open("a", encoding="utf-8")

    def log(msg: str) -> None:
        print(msg, flush=True)
        log_file.write(msg + "\n")
        log_file.flush()

    given = list(argv if argv is not None else sys.argv[1:])
    log(f"$ python scripts/{script} " + shlex.join(given))
    if resume and not ckpt.exists():
        log(f"--resume: no {ckpt} yet, starting from the first epoch")
    return ckpt, log, f"python scripts/{script} " + shlex.join(a for a in given if a != "--resume")
