"""Training the claim component on top of a trained (frozen) entity model.

The entity encoder stays frozen, so the entity tagger's accuracy is unchanged by construction,
and its hidden states below the claim branch are computed once and cached (bf16): each epoch
then only runs the branch layers and heads. `train_claims(cfg, docs)` returns the trained
``ClaimxEncoder`` (entities + claims), its tokenizer and the history; `save_encoder` writes one model folder.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from ...corpora.claim_sources import ClaimDoc
from ..bio import IGNORE
from ..encoder import ClaimxEncoder, load_encoder
from ..heads import ClaimHeads
from ..predictor import autocast_dtype
from ..spec import ClaimSettings, load_spec
from ..windows import pack
from .loop import linear_schedule, run_epochs, seed_everything, shuffled_batches
from .targets import TrainingWindow, claim_windows, collate_training

__all__ = ["ClaimTrainConfig", "branch_from_bert", "claim_losses", "train_claims"]


@dataclass
class ClaimTrainConfig:
    trunk: str = "claimx-minilm"  # the entity model (folder or installed name) the claim component is added to
    branch_layers: int = 2
    epochs: int = 8
    lr: float = 1e-4  # branch layers
    head_lr: float = 1e-3  # new heads
    weight_decay: float = 0.01
    warmup: float = 0.1
    batch_tokens: int = 8192
    dropout: float = 0.1
    grad_clip: float = 1.0
    seed: int = 13
    precision: str = "auto"
    role_weight: float = 1.0
    roles_in_claims_only: bool = False  # role loss only inside relational claim sentences
    flag_weight: float = 1.0


def claim_losses(out: dict[str, torch.Tensor], batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Partial-label type loss, masked BCE for key/hedged/negated, BIO cross-entropy for roles."""
    zero = out["type"].new_zeros(())
    allowed = batch["allowed"]
    rows = allowed.any(-1)
    logp = out["type"].float().log_softmax(-1)
    type_loss = -torch.logsumexp(logp.masked_fill(~allowed, float("-inf")), -1)[rows].mean() if rows.any() else zero
    flags = batch["flags"]
    known = ~torch.isnan(flags)
    flag_loss = (F.binary_cross_entropy_with_logits(out["flags"].float()[known], flags[known])
                 if known.any() else zero)
    roles = batch["roles"]
    role_loss = (F.cross_entropy(out["roles"].float().reshape(-1, 3), roles.reshape(-1), ignore_index=IGNORE)
                 if (roles != IGNORE).any() else zero)
    return {"type": type_loss, "flags": flag_loss, "roles": role_loss}


@torch.inference_mode()
def _cache_states(model: ClaimxEncoder, windows: Sequence[TrainingWindow], pad_id: int, device: torch.device,
                  amp, budget: int = 16384) -> list[torch.Tensor]:
    """The frozen encoder's states below the branch for every window, kept in bf16 on the CPU."""
    cache: list[torch.Tensor | None] = [None] * len(windows)
    for chunk in pack([len(w) for w in windows], budget):
        t = collate_training([windows[j] for j in chunk], pad_id)
        with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
            _, below = model.encode_states(t["input_ids"].to(device), t["attention_mask"].to(device))
        below = below.to("cpu", torch.bfloat16)
        for r, j in enumerate(chunk):
            cache[j] = below[r, :len(windows[j])].clone()
    return cache  # type: ignore[return-value]


def train_claims(cfg: ClaimTrainConfig, train: Sequence[ClaimDoc], *, device: str = "cpu",
                 log: Callable[[str], None] = print,
                 evaluate: Callable[[ClaimxEncoder, object, int], dict] | None = None,
                 checkpoint: str | Path | None = None) -> tuple[ClaimxEncoder, object, list]:
    """Fit the claim component; ``evaluate(model, tokenizer, epoch)`` is called after each epoch.
    With ``checkpoint`` (a file) the run saves itself after every epoch and goes on from there when restarted
    with the same settings and data (`loop.run_epochs`). Returns ``(model, tokenizer, history)``."""
    seed_everything(cfg.seed)
    dev = torch.device(device)
    model, tokenizer = load_encoder(load_spec(cfg.trunk), device=dev)
    for p in model.parameters():
        p.requires_grad_(False)
    heads = model.add_claims(ClaimSettings(branch_layers=cfg.branch_layers), dropout=cfg.dropout)
    branch_from_bert(heads, model.backbone)
    amp = autocast_dtype(dev, cfg.precision)

    t0 = time.perf_counter()
    windows = claim_windows(train, tokenizer, model.entities, heads.settings.roles,
                            roles_in_claims_only=cfg.roles_in_claims_only)
    states = _cache_states(model, windows, tokenizer.pad_token_id, dev, amp)
    n_pieces = sum(len(w) for w in windows)
    log(f"data: {len(train)} documents -> {len(windows)} windows, {n_pieces} pieces, "
        f"{sum(len(w.window.sentence_ids) for w in windows)} sentences; encoder states cached in "
        f"{time.perf_counter() - t0:.0f}s")

    groups = {"branch": [], "heads": [], "nodecay": []}
    for name, p in heads.named_parameters():
        if name.startswith("branch."):
            groups["branch" if p.ndim >= 2 else "nodecay"].append(p)
        else:
            groups["heads"].append(p)
    opt = torch.optim.AdamW([
        {"params": groups["branch"], "lr": cfg.lr, "weight_decay": cfg.weight_decay},
        {"params": groups["nodecay"], "lr": cfg.lr, "weight_decay": 0.0},
        {"params": groups["heads"], "lr": cfg.head_lr, "weight_decay": cfg.weight_decay},
    ])
    rng = random.Random(cfg.seed)
    lengths = [len(w) for w in windows]
    epochs = [shuffled_batches(lengths, cfg.batch_tokens, rng) for _ in range(cfg.epochs)]
    total = sum(map(len, epochs))
    sched = linear_schedule(opt, total, int(math.ceil(cfg.warmup * total)))
    log(f"training: {cfg.epochs} epochs x {total // max(1, cfg.epochs)} steps, branch {cfg.branch_layers} layers, "
        f"lr {cfg.lr} / heads {cfg.head_lr}, {'bf16 autocast' if amp else 'fp32'} on {dev}")
    hidden = model.backbone.config.hidden_size

    def losses(batch_ids: list[int]) -> dict[str, torch.Tensor]:
        wins = [windows[i] for i in batch_ids]
        b = collate_training(wins, tokenizer.pad_token_id)
        x = torch.zeros(len(wins), b["input_ids"].shape[1], hidden, dtype=torch.bfloat16)
        for r, i in enumerate(batch_ids):
            x[r, :len(windows[i])] = states[i]
        b = {k: v.to(dev) for k, v in b.items()}
        with torch.autocast(dev.type, dtype=amp or torch.float32, enabled=amp is not None):
            out = heads(x.to(dev).float() if amp is None else x.to(dev), b["attention_mask"], b["sentence_of_piece"],
                        b["position"])
        parts = claim_losses(out, b)
        parts["loss"] = parts["type"] + cfg.flag_weight * parts["flags"] + cfg.role_weight * parts["roles"]
        return parts

    def after_epoch(epoch: int, row: dict) -> dict:
        return {"dev": evaluate(model, tokenizer, epoch)} if evaluate is not None else {}

    data = hashlib.sha1(repr(list(train)).encode()).hexdigest()  # texts and every label, not only their sizes
    fingerprint = {**asdict(cfg), "windows": len(windows), "pieces": n_pieces, "data": data}
    history = run_epochs(heads, opt, sched, epochs, losses, grad_clip=cfg.grad_clip, after_epoch=after_epoch, log=log,
                         checkpoint=checkpoint, fingerprint=fingerprint)
    return model, tokenizer, history


def branch_from_bert(heads: ClaimHeads, backbone: torch.nn.Module) -> None:
    """Copy the top ``branch_layers`` layers of a BERT-style ``backbone`` into the branch
    (same post-LayerNorm block, so the branch reproduces the encoder's top layers exactly)."""
    layers = backbone.encoder.layer
    k = len(heads.branch)
    with torch.no_grad():
        for mine, theirs in zip(heads.branch, layers[len(layers) - k:]):
            att = theirs.attention
            mine.self_attn.in_proj_weight.copy_(torch.cat([att.self.query.weight, att.self.key.weight, att.self.value.weight]))
            mine.self_attn.in_proj_bias.copy_(torch.cat([att.self.query.bias, att.self.key.bias, att.self.value.bias]))
            mine.self_attn.out_proj.weight.copy_(att.output.dense.weight)
            mine.self_attn.out_proj.bias.copy_(att.output.dense.bias)
            mine.norm1.load_state_dict(att.output.LayerNorm.state_dict())
            mine.linear1.load_state_dict(theirs.intermediate.dense.state_dict())
            mine.linear2.load_state_dict(theirs.output.dense.state_dict())
            mine.norm2.load_state_dict(theirs.output.LayerNorm.state_dict())
