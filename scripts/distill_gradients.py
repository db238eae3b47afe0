#!/usr/bin/env python
"""Per-loss gradient norms on a fresh student's encoder: which head's loss drives distillation's steps.

    python scripts/distill_gradients.py --teacher models/claimx-minilm --texts 160 --batches 4
    python scripts/distill_gradients.py ... --entity-weight 8 --gold-weight 4 --gold-claim-weight 1  # distill.py's

Draws ``--texts`` distillation texts (seeded), builds the student `distill.py` would start from, and prints, for
each batch of 40 windows, every loss of `distill_losses` with the norm of its gradient on the encoder layers.
Gradients are clipped as a whole (norm 1) in training, so a loss with a small share moves the encoder little.
"""

from __future__ import annotations

import argparse
import random
import sys

from _bootstrap import ROOT, import_claimx


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", default=str(ROOT / "models" / "claimx-minilm"))
    ap.add_argument("--layers", type=int, nargs="+", default=[1, 3, 5])
    ap.add_argument("--texts", type=int, default=160)
    ap.add_argument("--batches", type=int, default=4)
    ap.add_argument("--entity-weight", type=float, default=1.0)
    ap.add_argument("--gold-weight", type=float, default=1.0)
    ap.add_argument("--gold-claim-weight", type=float, default=1.0)
    ap.add_argument("--temperature", type=float, default=2.0)
    args = ap.parse_args(argv)
    import_claimx()
    import torch
    from distill import training_texts

    from claimx.models.encoder import load_encoder
    from claimx.models.predictor import autocast_dtype
    from claimx.models.spec import load_spec
    from claimx.models.training.distill import (
        DistillConfig,
        batch_losses,
        gold_claim_targets,
        gold_window_tags,
        student_from_teacher,
        teacher_logits,
    )
    from claimx.models.windows import document_windows, tokenize

    texts, gold, claims, _ = training_texts(lambda _: None)
    pick = random.Random(0).sample(range(len(texts)), min(args.texts, len(texts)))
    texts, gold, claims = [texts[i] for i in pick], [gold[i] for i in pick], [claims[i] for i in pick]
    cfg = DistillConfig(teacher=args.teacher, layers=tuple(args.layers), temperature=args.temperature,
                        entity_weight=args.entity_weight, gold_weight=args.gold_weight,
                        gold_claim_weight=args.gold_claim_weight)
    dev = torch.device("cpu")
    teacher, tok = load_encoder(load_spec(cfg.teacher), device=dev)
    student = student_from_teacher(teacher, cfg.layers, 0)
    amp, settings = autocast_dtype(dev, cfg.precision), teacher.entities
    pieces = tokenize(tok, [t for t, _ in texts])
    windows = [w for d, (p, (_, sents)) in enumerate(zip(pieces, texts))
               for w in document_windows(d, p, sents, settings, tok.cls_token_id, tok.sep_token_id)]
    gold_tags = gold_window_tags(windows, pieces, gold, settings.labels)
    gold_claims = gold_claim_targets(windows, pieces, claims, teacher.claims.roles)
    targets = teacher_logits(teacher, windows, tok.pad_token_id, dev, amp)
    encoder = [p for n, p in student.named_parameters() if n.startswith("backbone.encoder")]
    for b in range(args.batches):
        ids = list(range(b * 40, min(len(windows), (b + 1) * 40)))
        if not ids:
            break
        parts = batch_losses(student, windows, targets, gold_tags, ids, cfg, tok.pad_token_id, dev, amp, gold_claims)
        cells = []
        for name, loss in parts.items():
            if not loss.requires_grad:  # no labelled cell in this batch
                cells.append(f"{name} -")
                continue
            grads = torch.autograd.grad(loss, encoder, retain_graph=True, allow_unused=True)
            norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads if g is not None))
            cells.append(f"{name} {loss.item():.3f} (|g| {norm.item():.1f})")
        print(f"batch {b}: " + "; ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
