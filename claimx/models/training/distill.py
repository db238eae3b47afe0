"""A compact student distilled from a trained claimx model (the teacher): fewer encoder layers, same heads.

The student keeps some of the teacher's encoder layers (``layers``: their indices, which also initialise
it), the teacher's embeddings and entity head, and a claim component with ``branch_layers`` branch layers
(0: the claim heads read the student's last layer, as the entity head does) whose heads start as the
teacher's. It learns the teacher's outputs on unlabelled abstracts, every head at once: entity and role BIO
logits per word piece, claim type and key / hedged / negated logits per sentence (soft targets at a
temperature, Hinton et al. 2015). The teacher runs once; its logits are kept (float16) for every epoch.
Texts with gold entity spans (``gold``: an `Example` per text, or None) also teach the entity head those spans
(cross-entropy, weight ``gold_weight``): soft targets alone leave a small student over-tagging. Texts with gold
claim labels (``claims_gold``: a `ClaimDoc` per text over the text's own sentences, or None) also teach the claim
heads those labels (the teacher's own claim losses, weight ``gold_claim_weight``).

    student, tokenizer, history = distill(DistillConfig(teacher="models/claimx-minilm"), texts)
    save_encoder(student, tokenizer, "runs/student/model", ...)
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...corpora.claim_sources import ClaimDoc
from ...corpora.examples import Example
from ...results import RELATIONAL_TYPES
from ..bio import IGNORE
from ..encoder import ClaimxEncoder, load_encoder
from ..heads import TYPE_CLASSES
from ..predictor import autocast_dtype
from ..spec import load_spec
from ..windows import Window, collate, document_windows, pack, tokenize
from .claims import claim_losses
from .loop import linear_schedule, run_epochs, seed_everything, shuffled_batches
from .targets import claim_targets, entity_tags, stack_targets, window_tags

__all__ = ["DistillConfig", "batch_losses", "distill", "distill_losses", "gold_claim_targets", "gold_window_tags",
           "student_from_teacher", "teacher_logits"]

Text = tuple[str, Sequence[tuple[int, int]]]  # a text and its sentence (start, end) spans


@dataclass
class DistillConfig:
    teacher: str = "claimx-minilm"  # model folder or installed name
    layers: tuple[int, ...] = (1, 3, 5)  # teacher encoder layers the student keeps, in order
    branch_layers: int = 0  # the student's claim branch (from its last `branch_layers` teacher branch layers)
    epochs: int = 8
    lr: float = 1e-4  # encoder and branch
    head_lr: float = 3e-4  # heads
    weight_decay: float = 0.01
    warmup: float = 0.06
    batch_tokens: int = 8192
    temperature: float = 2.0
    entity_weight: float = 1.0  # the entity soft-target loss (the claim type loss otherwise dominates the gradient)
    gold_weight: float = 1.0  # the gold entity cross-entropy, where a text has gold spans (0: soft targets only)
    gold_claim_weight: float = 0.0  # the gold claim losses (type, flags, roles), where a text has gold claim labels
    grad_clip: float = 1.0
    seed: int = 13
    precision: str = "auto"
    init: str | None = None  # a student folder (same layers and branch) to go on training instead of the teacher's layers


def student_from_teacher(teacher: ClaimxEncoder, layers: Sequence[int], branch_layers: int = 0) -> ClaimxEncoder:
    """A student encoder: the teacher's embeddings and ``layers`` (by index), its entity head and, when it has
    one, its claim component with ``branch_layers`` branch layers (the teacher's top ones) and its heads."""
    from transformers import AutoModel

    n = len(teacher.backbone.encoder.layer)
    if not layers or any(not 0 <= i < n for i in layers):
        raise ValueError(f"layers {list(layers)}: give indices of the teacher's {n} encoder layers")
    config = copy.deepcopy(teacher.backbone.config)
    config.num_hidden_layers = len(layers)
    try:
        backbone = AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:
        backbone = AutoModel.from_config(config)
    backbone.embeddings.load_state_dict(teacher.backbone.embeddings.state_dict())
    for mine, i in zip(backbone.encoder.layer, layers):
        mine.load_state_dict(teacher.backbone.encoder.layer[i].state_dict())
    student = ClaimxEncoder(backbone.float(), entities=teacher.entities)
    student.heads["entities"].load_state_dict(teacher.heads["entities"].state_dict())
    if teacher.claims is not None:
        theirs = teacher.heads["claims"]
        if not 0 <= branch_layers <= min(len(theirs.branch), len(layers)):
            raise ValueError(f"branch_layers {branch_layers}: give 0 to {min(len(theirs.branch), len(layers))} (the "
                             f"teacher's claim branch has {len(theirs.branch)} layers, the student {len(layers)})")
        mine = student.add_claims(replace(teacher.claims, branch_layers=branch_layers))
        state = {k: v for k, v in theirs.state_dict().items() if not k.startswith("branch.")}
        for j, layer in enumerate(theirs.branch[len(theirs.branch) - branch_layers:]):
            state.update({f"branch.{j}.{k}": v for k, v in layer.state_dict().items()})
        mine.load_state_dict(state)
    return student


def _forward(model: ClaimxEncoder, t: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Every head's logits for a collated batch: ``entities`` (and ``roles``) [B, T, labels, 3], ``type`` [S, 5],
    ``flags`` [S, 3]."""
    claims = model.claims is not None
    last, below = model.encode_states(t["input_ids"], t["attention_mask"], claims=claims)
    out = {"entities": model.heads["entities"](last)}
    if claims:
        out.update(model.heads["claims"](below, t["attention_mask"], t["sentence_of_piece"], t["position"]))
    return out


@torch.inference_mode()
def teacher_logits(teacher: ClaimxEncoder, windows: Sequence[Window], pad_id: int, device: torch.device, amp,
                   budget: int = 16384) -> list[dict[str, np.ndarray]]:
    """The teacher's logits for every window, float16 on the CPU: per piece (``[len(window), ...]``) and per
    sentence of the window."""
    out: list[dict[str, np.ndarray] | None] = [None] * len(windows)
    for chunk in pack([len(w) for w in windows], budget):
        t = {k: v.to(device) for k, v in collate([windows[j] for j in chunk], pad_id).items()}
        with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
            res = {k: v.float().cpu().numpy().astype(np.float16) for k, v in _forward(teacher, t).items()}
        s = 0
        for r, j in enumerate(chunk):
            n, k = len(windows[j]), len(windows[j].sentence_ids)
            out[j] = {"entities": res["entities"][r, :n].copy()}
            if "roles" in res:
                out[j].update(roles=res["roles"][r, :n].copy(), type=res["type"][s:s + k].copy(),
                              flags=res["flags"][s:s + k].copy())
            s += k
    return out  # type: ignore[return-value]


def _soft_bio(student: torch.Tensor, teacher: torch.Tensor, keep: torch.Tensor, temp: float) -> torch.Tensor:
    """KL(teacher ‖ student) of per-label BIO distributions at temperature ``temp``, mean over kept pieces × labels."""
    s = (student.float() / temp).log_softmax(-1)[keep]
    t = (teacher.float() / temp).log_softmax(-1)[keep]
    if not s.numel():
        return student.new_zeros(()).float()
    return F.kl_div(s, t, log_target=True, reduction="none").sum(-1).mean() * temp ** 2


def distill_losses(out: dict[str, torch.Tensor], target: dict[str, torch.Tensor], keep: torch.Tensor,
                   temp: float, sentence_of_piece: torch.Tensor | None = None, gold: torch.Tensor | None = None,
                   gold_weight: float = 1.0, entity_weight: float = 1.0) -> dict[str, torch.Tensor]:
    """Soft-target losses of every head: ``keep`` [B, T] marks the pieces scored (not [CLS]/[SEP]/padding).
    With ``sentence_of_piece`` [B, T] roles are scored only in the sentences the teacher makes relational claims
    (P(claim) ≥ 0.5 and a type other than descriptive, as claimx reads roles): it learned roles there only
    (`--roles-in-claims-only`), and a mean over every piece dilutes those few. ``gold`` [B, T, labels] (BIO
    ids, IGNORE where unlabelled) adds ``gold_entities``: cross-entropy of the entity head, times ``gold_weight``;
    ``entities`` (the soft targets) is times ``entity_weight``."""
    parts = {"entities": _soft_bio(out["entities"], target["entities"], keep, temp) * entity_weight}
    if gold is not None:  # a mean over the labelled (piece, label) cells, 0 where none (no device sync)
        total = F.cross_entropy(out["entities"].float().reshape(-1, 3), gold.reshape(-1), ignore_index=IGNORE,
                                reduction="sum")
        parts["gold_entities"] = total / (gold != IGNORE).sum().clamp(min=1) * gold_weight
    if "roles" in target:
        role_keep = keep
        if sentence_of_piece is not None:
            p = target["type"].float().softmax(-1)  # [S, TYPE_CLASSES]: none first
            relational = torch.tensor([c in RELATIONAL_TYPES for c in TYPE_CLASSES[1:]], device=p.device)
            claim = (p[:, 0] <= 0.5) & relational[p[:, 1:].argmax(-1)]  # P(claim) >= 0.5, a relational type
            role_keep = keep & (sentence_of_piece >= 0)
            if claim.numel():
                role_keep &= claim[sentence_of_piece.clamp(min=0)]
        parts["roles"] = _soft_bio(out["roles"], target["roles"], role_keep, temp)
        if not out["type"].shape[0]:  # no window of the batch owns a sentence
            parts["type"] = parts["flags"] = out["type"].new_zeros(()).float()
            return parts
        s, t = (out["type"].float() / temp).log_softmax(-1), (target["type"].float() / temp).log_softmax(-1)
        parts["type"] = F.kl_div(s, t, log_target=True, reduction="batchmean") * temp ** 2
        t = target["flags"].float() / temp  # binary KL: cross-entropy less the target's own entropy
        p = torch.sigmoid(t)
        parts["flags"] = (F.binary_cross_entropy_with_logits(out["flags"].float() / temp, p)
                          - F.binary_cross_entropy_with_logits(t, p)) * temp ** 2
    return parts


def gold_window_tags(windows: Sequence[Window], pieces: Sequence, gold: Sequence[Example | None] | None,
                     labels: Sequence[str]) -> list[np.ndarray | None] | None:
    """Per window, its pieces' gold entity BIO ids ``[len(window), labels]`` (None where its text has no gold
    `Example`); None when no text has any."""
    tags = {d: entity_tags(g, pieces[d].offsets, labels) for d, g in enumerate(gold or ()) if g is not None}
    return [window_tags(tags[w.doc], w) if w.doc in tags else None for w in windows] if tags else None


def gold_claim_targets(windows: Sequence[Window], pieces: Sequence, claims_gold: Sequence[ClaimDoc | None] | None,
                       roles: Sequence[str]) -> list[dict[str, np.ndarray]] | None:
    """Per window, its gold claim targets (`targets.claim_targets`: ``allowed`` / ``flags`` per sentence, ``roles``
    per piece, unsupervised where its text has no gold `ClaimDoc`); None when no text has any. Roles are kept in
    relational claim sentences only, as the teacher learned them (``--roles-in-claims-only``)."""
    if not any(g is not None for g in claims_gold or ()):
        return None
    by_doc: dict[int, list[int]] = {}
    for i, w in enumerate(windows):
        by_doc.setdefault(w.doc, []).append(i)
    out: list[dict[str, np.ndarray] | None] = [None] * len(windows)
    for d, ids in by_doc.items():
        doc = claims_gold[d]  # type: ignore[index]
        if doc is None:
            for i in ids:
                k = len(windows[i].sentence_ids)
                out[i] = {"allowed": np.zeros((k, len(TYPE_CLASSES)), dtype=bool),
                          "flags": np.full((k, 3), np.nan, dtype=np.float32),
                          "roles": np.full((len(windows[i]), len(roles)), IGNORE, dtype=np.int64)}
        else:
            for i, t in zip(ids, claim_targets(doc, pieces[d].offsets, [windows[i] for i in ids], roles,
                                               roles_in_claims_only=True)):
                out[i] = t
    return out  # type: ignore[return-value]


def batch_losses(student: ClaimxEncoder, windows: Sequence[Window], targets: Sequence[dict[str, np.ndarray]],
                 gold_tags: Sequence[np.ndarray | None] | None, batch_ids: Sequence[int], cfg: DistillConfig,
                 pad_id: int, device: torch.device, amp,
                 gold_claims: Sequence[dict[str, np.ndarray]] | None = None) -> dict[str, torch.Tensor]:
    """`distill_losses` of ``student`` on the windows ``batch_ids``: the teacher's ``targets`` (`teacher_logits`)
    and, when the run has gold (``gold_tags``, `gold_window_tags`) and ``cfg.gold_weight``, the gold entities;
    with ``gold_claims`` (`gold_claim_targets`) and ``cfg.gold_claim_weight``, ``gold_type`` / ``gold_flags`` /
    ``gold_roles`` (`claims.claim_losses`, times the weight)."""
    t = collate([windows[i] for i in batch_ids], pad_id)
    width = t["input_ids"].shape[1]
    target = {k: v.to(device) for k, v in stack_targets([targets[i] for i in batch_ids], width, 0).items()}
    t = {k: v.to(device) for k, v in t.items()}
    keep = t["attention_mask"].bool()
    keep[:, 0] = False  # [CLS]
    keep[torch.arange(len(batch_ids), device=device), t["attention_mask"].sum(1) - 1] = False  # [SEP]
    with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
        out = _forward(student, t)
    gold_batch = None
    if cfg.gold_weight and gold_tags is not None:  # every batch scores it (0 without gold): a per-batch mean
        n_labels = out["entities"].shape[2]
        rows = [gold_tags[i] if gold_tags[i] is not None else np.full((len(windows[i]), n_labels), IGNORE)
                for i in batch_ids]
        gold_batch = stack_targets([{"entities": r} for r in rows], width, IGNORE)["entities"].to(device)
    parts = distill_losses(out, target, keep, cfg.temperature, t["sentence_of_piece"], gold_batch, cfg.gold_weight,
                           cfg.entity_weight)
    if cfg.gold_claim_weight and gold_claims is not None and "type" in out:
        batch = {k: v.to(device) for k, v in stack_targets([gold_claims[i] for i in batch_ids], width, IGNORE).items()}
        parts.update({f"gold_{k}": v * cfg.gold_claim_weight for k, v in claim_losses(out, batch).items()})
    return parts


def distill(cfg: DistillConfig, texts: Sequence[Text], *, gold: Sequence[Example | None] | None = None,
            claims_gold: Sequence[ClaimDoc | None] | None = None, device: str = "cpu", log: Callable[[str], None] = print,
            evaluate: Callable[[ClaimxEncoder, object, int], dict] | None = None,
            checkpoint: str | Path | None = None, logits_cache: str | Path | None = None
            ) -> tuple[ClaimxEncoder, object, list]:
    """Train a student of ``cfg.teacher`` on ``texts``; ``evaluate(model, tokenizer, epoch)`` after each epoch.
    ``gold``: per text, an `Example` whose spans are that text's gold entities (offsets into the text), or None;
    ``claims_gold``: per text, a `ClaimDoc` of that text and its sentences (as given in ``texts``) or None.
    With ``checkpoint`` the run saves itself after every epoch and goes on from there when restarted with the
    same settings and texts (`loop.run_epochs`); with ``logits_cache`` (a file) the teacher's logits are kept
    there for a resumed run or another student of the same teacher and texts. Returns ``(student, tokenizer,
    history)``."""
    seed_everything(cfg.seed)
    dev = torch.device(device)
    spec = load_spec(cfg.teacher)
    teacher, tokenizer = load_encoder(spec, device=dev)
    student = student_from_teacher(teacher, cfg.layers, cfg.branch_layers).to(dev)
    if cfg.init:  # a second stage: the same student, started from its trained weights
        first = load_spec(cfg.init)
        was = first.meta.get("distillation") or {}
        problems = [f"its {k} are {was[k]}" for k, want in (("layers", list(cfg.layers)),
                                                          ("branch_layers", cfg.branch_layers))
                    if k in was and was[k] != want]
        if first.entities.labels != spec.entities.labels:
            problems.append(f"its entity labels are {list(first.entities.labels)}")
        if (first.claims and first.claims.roles) != (spec.claims and spec.claims.roles):
            problems.append("its claim roles differ from the teacher's")
        start, _ = load_encoder(first, device=dev)
        try:
            student.load_state_dict(start.float().state_dict())
        except RuntimeError as e:
            problems.append(" ".join(str(e).split())[:400])
        if problems:
            raise ValueError(f"init {cfg.init}: not a student of this teacher with layers {list(cfg.layers)} and "
                             f"branch {cfg.branch_layers}: " + "; ".join(problems))
        del start
    amp = autocast_dtype(dev, cfg.precision)

    t0 = time.perf_counter()
    settings, cls_id, sep_id = teacher.entities, tokenizer.cls_token_id, tokenizer.sep_token_id
    for name, given, kind in (("gold", gold, "an Example"), ("claims_gold", claims_gold, "a ClaimDoc")):
        if given is not None and len(given) != len(texts):
            raise ValueError(f"{name}: {len(given)} entries for {len(texts)} texts; give one ({kind} or None) per text")
    for d, doc in enumerate(claims_gold or ()):
        if doc is not None and (doc.text != texts[d][0] or list(doc.sentences) != list(texts[d][1])):
            raise ValueError(f"claims_gold[{d}] ({doc.id}): its text and sentences must be text {d}'s")
    pieces = tokenize(tokenizer, [t for t, _ in texts])
    windows = [w for d, (p, (_, sents)) in enumerate(zip(pieces, texts))
               for w in document_windows(d, p, sents, settings, cls_id, sep_id)]
    gold_tags = gold_window_tags(windows, pieces, gold, settings.labels)
    gold_claims = (gold_claim_targets(windows, pieces, claims_gold, student.claims.roles)
                   if student.claims and cfg.gold_claim_weight else None)
    data = hashlib.sha1(repr([(t, list(s)) for t, s in texts] + [g and (g.corpus, g.spans) for g in gold or ()]
                             + [g and (g.id, g.allowed, g.key, g.hedged, g.negated, g.roles) for g in claims_gold or ()]
                             ).encode()).hexdigest()
    weights = hashlib.sha1((spec.path / "model.safetensors").read_bytes()).hexdigest()
    layout = hashlib.sha1(repr([(w.doc, w.ids.tolist(), w.sentence_ids) for w in windows]).encode()).hexdigest()
    key = {"teacher": weights, "windows": layout, "precision": str(amp)}  # what the logits depend on
    cached = torch.load(logits_cache, weights_only=False) if logits_cache and Path(logits_cache).exists() else None
    reused = cached is not None and cached["key"] == key and len(cached["targets"]) == len(windows)
    if reused:
        targets = cached["targets"]
    else:
        targets = teacher_logits(teacher, windows, tokenizer.pad_token_id, dev, amp)
        if logits_cache:
            tmp = Path(f"{logits_cache}.tmp")
            torch.save({"key": key, "targets": targets}, tmp)
            os.replace(tmp, logits_cache)  # a run killed while saving leaves no half-written cache
    del teacher
    n_pieces = sum(len(w) for w in windows)
    log(f"data: {len(texts)} texts -> {len(windows)} windows, {n_pieces} pieces, "
        f"{sum(len(w.sentence_ids) for w in windows)} sentences, {sum(g is not None for g in gold or ())} texts with gold "
        f"entities, {sum(g is not None for g in claims_gold or ())} with gold claim labels; teacher logits "
        f"{'read from ' + str(logits_cache) if reused else 'computed'} in {time.perf_counter() - t0:.0f}s")

    body, nodecay, heads = [], [], []
    for name, p in student.named_parameters():
        if name.startswith("heads.") and not name.startswith("heads.claims.branch."):
            heads.append(p)
        else:
            (body if p.ndim >= 2 else nodecay).append(p)
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.lr, "weight_decay": cfg.weight_decay},
                             {"params": nodecay, "lr": cfg.lr, "weight_decay": 0.0},
                             {"params": heads, "lr": cfg.head_lr, "weight_decay": cfg.weight_decay}])
    rng = random.Random(cfg.seed)
    lengths = [len(w) for w in windows]
    epochs = [shuffled_batches(lengths, cfg.batch_tokens, rng) for _ in range(cfg.epochs)]
    total = sum(map(len, epochs))
    sched = linear_schedule(opt, total, math.ceil(cfg.warmup * total))
    log(f"training: {cfg.epochs} epochs x {total // max(1, cfg.epochs)} steps, student layers {list(cfg.layers)} + "
        f"branch {cfg.branch_layers}, lr {cfg.lr} / heads {cfg.head_lr}, T {cfg.temperature}, "
        f"entity weight {cfg.entity_weight}, gold weight {cfg.gold_weight}, gold claim weight {cfg.gold_claim_weight}, "
        f"{'bf16 autocast' if amp else 'fp32'} on {dev}")

    def losses(batch_ids: list[int]) -> dict[str, torch.Tensor]:
        parts = batch_losses(student, windows, targets, gold_tags, batch_ids, cfg, tokenizer.pad_token_id, dev, amp,
                             gold_claims)
        parts["loss"] = sum(parts.values())
        return parts

    def after_epoch(epoch: int, row: dict) -> dict:
        return {"dev": evaluate(student, tokenizer, epoch)} if evaluate is not None else {}

    fingerprint = {**asdict(cfg), "teacher": weights, "windows": layout, "pieces": n_pieces, "data": data}
    history = run_epochs(student, opt, sched, epochs, losses, grad_clip=cfg.grad_clip, after_epoch=after_epoch,
                         log=log, checkpoint=checkpoint, fingerprint=fingerprint)
    return student, tokenizer, history
