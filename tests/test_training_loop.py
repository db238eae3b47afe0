"""The shared training loop: per-epoch checkpoints, and a resumed run that takes the same steps."""

from __future__ import annotations

import random

import pytest
import torch

from claimx.models.training.loop import linear_schedule, run_epochs, seed_everything, shuffled_batches

X = torch.randn(40, 4, generator=torch.Generator().manual_seed(0))
Y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])


def _run(checkpoint=None, stop_after: int | None = None, fingerprint=None, epochs: int = 4):
    """A small dropout regression trained for ``epochs``; ``stop_after`` kills it after that epoch."""
    seed_everything(1)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    rng = random.Random(1)
    plan = [shuffled_batches([1] * len(X), 8, rng) for _ in range(epochs)]
    sched = linear_schedule(opt, sum(map(len, plan)), 2)

    def losses(batch):
        return {"loss": torch.nn.functional.mse_loss(model(X[batch]).squeeze(-1), Y[batch])}

    def after_epoch(epoch, row):
        if stop_after is not None and epoch > stop_after:
            raise KeyboardInterrupt  # killed during epoch stop_after + 1's evaluation: it is not saved
        return {"seen": epoch}

    history = run_epochs(model, opt, sched, plan, losses, after_epoch=after_epoch, log=lambda m: None,
                         checkpoint=checkpoint, fingerprint=fingerprint or {"lr": 1e-2})
    return model, history


def test_resumed_run_equals_uninterrupted(tmp_path):
    whole, whole_history = _run()
    ckpt = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        _run(checkpoint=ckpt, stop_after=2)
    assert torch.load(ckpt, weights_only=False)["epoch"] == 2
    resumed, history = _run(checkpoint=ckpt)
    assert torch.load(ckpt, weights_only=False)["epoch"] == 4
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert [r["loss"] for r in history] == [r["loss"] for r in whole_history]
    assert [r["seen"] for r in history] == [1, 2, 3, 4]


def test_checkpoint_of_other_settings_or_plan_is_refused(tmp_path):
    ckpt = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        _run(checkpoint=ckpt, stop_after=1)
    with pytest.raises(ValueError, match=r"other settings \(epochs, plan\)"):
        _run(checkpoint=ckpt, epochs=5)
    with pytest.raises(ValueError, match=r"other settings \(lr\)"):
        _run(checkpoint=ckpt, fingerprint={"lr": 2e-2})
