"""Fine-tuning the encoder's entity head on several partially labelled corpora.

`train_entities(config, train, dev, out)`: AdamW with linear warm-up and decay, bf16 autocast,
gradient clipping, a fixed seed, per-epoch loss and dev strict P/R/F1 per label, and the model
folder (with its card) written at the end. Plain functions: the CLI lives in
``scripts/train_entities.py``.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ...corpora.examples import Example
from ...eval.entities import EntityReport, evaluate_entities, format_reports
from ...results import ENTITY_LABELS
from ..bio import IGNORE
from ..encoder import ClaimxEncoder, save_encoder
from ..predictor import Predictor, autocast_dtype
from ..spec import EntitySettings
from .loop import default_base_model, linear_schedule, run_epochs, seed_everything, shuffled_batches
from .targets import collate_training, entity_windows

__all__ = ["TrainConfig", "evaluate", "train_entities"]


@dataclass
class TrainConfig:
    """Hyper-parameters and data selection (``configs/entities.toml`` holds the defaults used)."""

    name: str = "claimx-minilm"
    version: str = "0.1.0"
    base_model: str | None = None  # folder; None = the all-MiniLM-L6-v2 package
    labels: tuple[str, ...] = ENTITY_LABELS
    corpora: tuple[str, ...] = ("bc5cdr", "ncbi", "biored", "ebm_nlp")
    eval_corpora: tuple[str, ...] = ("bc5cdr", "ncbi", "biored", "ebm_nlp")
    epochs: int = 15
    lr: float = 1e-4
    head_lr: float | None = None  # None = lr
    weight_decay: float = 0.01
    warmup: float = 0.1  # share of all steps
    batch_tokens: int = 8192  # padded pieces per training batch
    eval_batch_tokens: int = 32768
    max_pieces: int = 512
    stride: int = 128
    dropout: float = 0.1  # before the entity head
    attention_dropout: float | None = None  # None = the base model's (MiniLM: 0.1); 0 is ~2x faster on CPU
    grad_clip: float = 1.0
    seed: int = 13
    precision: str = "auto"  # auto | bf16 | fp32 (autocast; master weights stay float32)
    eval_every: int = 1  # epochs; 0 = only after the last
    save_dtype: str | None = None  # None/float32, float16 or bfloat16 weights in the folder
    limit_docs: int | None = None  # per training corpus (smoke runs)
    limit_eval_docs: int | None = None  # per dev corpus
    final: bool = False  # trained on train+dev: no dev scores of its own
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; known: {sorted(names)}")
        data = dict(data)
        for key in ("labels", "corpora", "eval_corpora"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


def _optimizer(model: ClaimxEncoder, cfg: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    groups: dict[tuple[float, float], list[torch.nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        lr = cfg.head_lr if (cfg.head_lr and name.startswith("heads.")) else cfg.lr
        decay = 0.0 if p.ndim < 2 else cfg.weight_decay  # no decay for biases and LayerNorm
        groups.setdefault((lr, decay), []).append(p)
    params = [{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()]
    kwargs = {"fused": True} if device.type == "cuda" else {}
    return torch.optim.AdamW(params, betas=(0.9, 0.999), eps=1e-8, **kwargs)


def evaluate(model: ClaimxEncoder, tokenizer, dev: Mapping[str, Sequence[Example]], device: torch.device,
             cfg: TrainConfig, split: str = "dev") -> list[EntityReport]:
    predictor = Predictor(model, tokenizer, device=device, precision=cfg.precision,
                          batch_token_budget=cfg.eval_batch_tokens)

    def tagger(texts: list[str]):
        return [p.entities for p in predictor.predict(texts, claims=False)]

    return [evaluate_entities(tagger, exs, corpus=name, split=split) for name, exs in dev.items()]


def train_entities(
    cfg: TrainConfig,
    train: Sequence[Example],
    dev: Mapping[str, Sequence[Example]],
    out: str | Path,
    *,
    device: str = "cpu",
    log: Callable[[str], None] = print,
    card_metrics: Mapping[str, Any] | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Fine-tune on ``train``, score on ``dev`` each epoch, write the model folder ``out``.

    Returns the metrics (also written to ``out/metrics.json``). ``card_metrics``: dev metrics
    of the matching non-final run, quoted in the card of a ``final`` model.
    """
    from transformers import AutoTokenizer

    dev_device = torch.device(device)
    if dev_device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    seed_everything(cfg.seed)
    base = cfg.base_model or default_base_model()
    settings = EntitySettings(labels=tuple(cfg.labels), max_pieces=cfg.max_pieces, stride=cfg.stride)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = ClaimxEncoder.from_base(base, entities=settings, dropout=cfg.dropout,
                                    attention_dropout=cfg.attention_dropout).to(dev_device)

    t0 = time.perf_counter()
    windows = entity_windows(train, tokenizer, settings)
    n_pieces = sum(len(w) for w in windows)
    log(f"data: {len(train)} documents -> {len(windows)} windows, {n_pieces} pieces "
        f"({time.perf_counter() - t0:.1f}s to tokenize)")
    rng = random.Random(cfg.seed)
    lengths = [len(w) for w in windows]
    epochs = [shuffled_batches(lengths, cfg.batch_tokens, rng) for _ in range(cfg.epochs)]
    total = sum(map(len, epochs))
    opt = _optimizer(model, cfg, dev_device)
    sched = linear_schedule(opt, total, int(math.ceil(cfg.warmup * total)))
    amp = autocast_dtype(dev_device, cfg.precision)
    log(f"training: {cfg.epochs} epochs x {total // max(1, cfg.epochs)} steps on {dev_device} "
        f"({'bf16 autocast' if amp else 'fp32'}), lr {cfg.lr}, batch <= {cfg.batch_tokens} pieces")

    def losses(batch_ids: list[int]) -> dict[str, torch.Tensor]:
        batch = collate_training([windows[i] for i in batch_ids], tokenizer.pad_token_id)
        ids = batch["input_ids"].to(dev_device, non_blocking=True)
        mask = batch["attention_mask"].to(dev_device, non_blocking=True)
        targets = batch["entities"].to(dev_device, non_blocking=True)
        with torch.autocast(dev_device.type, dtype=amp or torch.float32, enabled=amp is not None):
            logits = model(ids, mask, heads=["entities"])["entities"]
        return {"loss": F.cross_entropy(logits.float().reshape(-1, 3), targets.reshape(-1), ignore_index=IGNORE)}

    reports: list[EntityReport] = []

    def after_epoch(epoch: int, row: dict[str, Any]) -> dict[str, Any]:
        nonlocal reports
        out: dict[str, Any] = {"pieces_per_s": round(n_pieces / max(row["seconds"], 1e-9))}
        if dev and (epoch == cfg.epochs or (cfg.eval_every and epoch % cfg.eval_every == 0)):
            reports = evaluate(model, tokenizer, dev, dev_device, cfg)
            out["dev"] = [r.to_dict() for r in reports]
            log(format_reports(reports))
        return out

    train_start = time.perf_counter()
    history = run_epochs(model, opt, sched, epochs, losses, grad_clip=cfg.grad_clip, after_epoch=after_epoch, log=log)

    metrics: dict[str, Any] = {
        "config": asdict(cfg),
        "train_documents": len(train),
        "train_documents_per_corpus": {c: sum(e.corpus == c for e in train) for c in sorted({e.corpus for e in train})},
        "train_windows": len(windows),
        "train_pieces": n_pieces,
        "device": str(dev_device) + (f" ({torch.cuda.get_device_name(dev_device)})" if dev_device.type == "cuda" else ""),
        "train_seconds": round(time.perf_counter() - train_start, 1),
        "history": history,
        "dev": [r.to_dict() for r in reports],
    }
    info = {"base_model": "sentence-transformers/all-MiniLM-L6-v2" + (f" (from {cfg.base_model})" if cfg.base_model else ""),
            "trained_on": "train+dev" if cfg.final else "train",
            "training": {k: metrics[k] for k in ("train_documents_per_corpus", "train_pieces", "device", "train_seconds")}}
    card = model_card(cfg, metrics, card_metrics, command)
    out = save_encoder(model, tokenizer, out, name=cfg.name, version=cfg.version, dtype=cfg.save_dtype,
                       info=info, card=card)
    (Path(out) / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {out}")
    return metrics


def _table(dev: Sequence[Mapping[str, Any]]) -> str:
    lines = ["| corpus | label | gold | P | R | F1 | token F1 |", "|---|---|---:|---:|---:|---:|---:|"]
    for rep in dev:
        for lab, c in rep["strict"].items():
            if lab == "ALL" and len(rep["strict"]) <= 2:
                continue
            tok = rep.get("token", {}).get(lab)
            tok_f1 = "" if tok is None else f"{100 * tok['f1']:.2f}"
            lines.append(f"| {rep['corpus']} | {lab} | {c['gold']} | {100 * c['p']:.2f} | {100 * c['r']:.2f} | "
                         f"{100 * c['f1']:.2f} | {tok_f1} |")
    return "\n".join(lines)


def model_card(cfg: TrainConfig, metrics: Mapping[str, Any], card_metrics: Mapping[str, Any] | None,
               command: str | None) -> str:
    """The model folder's README.md: data, settings and measured dev scores."""
    per_corpus = ", ".join(f"{c} {n}" for c, n in metrics["train_documents_per_corpus"].items())
    lines = [
        f"# {cfg.name} {cfg.version} — entity tagger (DRUG, DISORDER, OUTCOME)",
        "",
        "Fine-tuned sentence-transformers/all-MiniLM-L6-v2 (6 layers, 384 hidden) with a per-label BIO head over all",
        "word pieces. Windows of at most 512 pieces, cut between sentences, 128 pieces of overlap.",
        "",
        "## Training data",
        "",
        f"- documents: {metrics['train_documents']} ({per_corpus}); {metrics['train_pieces']} word pieces",
        "- labels: BC5CDR Chemical→DRUG, Disease→DISORDER; NCBI-disease (all types)→DISORDER; BioRED",
        "  ChemicalEntity→DRUG, DiseaseOrPhenotypicFeature→DISORDER; EBM-NLP outcomes→OUTCOME. Each corpus supervises",
        "  only the labels it annotates (other label columns are masked in the loss).",
    ]
    if cfg.final:
        lines += [
            "- **trained on train + dev** of every corpus (the shipped model). Documents in any corpus' held-out test",
            "  split (CROSS_DATASET_OVERLAP.tsv) were removed. It has no dev scores of its own: the scores below come",
            "  from the run with identical settings and seed trained on the train splits only.",
        ]
    else:
        lines += ["- trained on the train splits only; documents also in a dev or held-out test split of an evaluated",
                  "  corpus were removed, so the dev scores below are clean."]
    dev = card_metrics.get("dev") if card_metrics else metrics.get("dev")
    lines += [
        "",
        "## Settings",
        "",
        f"epochs {cfg.epochs}, AdamW lr {cfg.lr} (head {cfg.head_lr or cfg.lr}), weight decay {cfg.weight_decay}, "
        f"linear warm-up {cfg.warmup:.0%} then linear decay, batches of <= {cfg.batch_tokens} padded pieces, dropout "
        f"{cfg.dropout} (attention {'base' if cfg.attention_dropout is None else cfg.attention_dropout}), grad clip {cfg.grad_clip}, seed {cfg.seed}, autocast {cfg.precision}, "
        f"weights stored as {cfg.save_dtype or 'float32'}; device {metrics['device']}, {metrics['train_seconds']} s.",
    ]
    if command:
        lines += ["", f"Command: `{command}`"]
    if dev:
        lines += ["", "## Dev scores (strict mention-level P/R/F1; token-level F1 for OUTCOME)", "", _table(dev)]
    return "\n".join(lines) + "\n"
