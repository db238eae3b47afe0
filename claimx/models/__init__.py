"""The model runtime and its parts (torch): what `claimx.load()` runs, and what training builds on.

- `spec`: model folders and installed models → `ModelSpec` (no torch);
- `encoder` + `heads`: the encoder and the entity, claim and role heads; `save_encoder` / `load_encoder`;
- `windows` (word pieces, windows, batches) and `bio` (BIO tags ↔ spans);
- `predictor`: `Predictor.load(spec)` then `predict([(text, sentence spans), ...])`, one encoder pass for all heads;
- `training/`: targets, the step loop, the entity and claim trainers (scripts/train_*.py).
"""
