#!/usr/bin/env python
"""Train the claimx entity tagger (DRUG / DISORDER / OUTCOME) and write a model folder.

    # dev-evaluated run (train splits; dev P/R/F1 per label after every epoch)
    python scripts/train_entities.py --device cuda --out runs/entities-dev
    # the shipped model: train + dev, card quoting the dev run's scores
    python scripts/train_entities.py --device cuda --final --card-metrics runs/entities-dev/metrics.json \
        --out models/claimx-minilm --overwrite
    # CPU smoke run
    python scripts/train_entities.py --device cpu --epochs 1 --limit-docs 25 --limit-eval-docs 25 --out /tmp/smoke

Settings come from ``configs/entities.toml``; flags override them. ``--export-data DIR`` writes the
exact documents of every split (gzipped JSONL) for a machine without the corpora or spaCy;
``--data DIR`` trains from them. ``--export-base DIR`` writes the base model (float16) to carry.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from _bootstrap import ROOT, import_claimx

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--config", default=str(ROOT / "configs" / "entities.toml"))
    ap.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    ap.add_argument("--out", default=str(ROOT / "models" / "claimx-minilm"), help="model folder to write")
    ap.add_argument("--overwrite", action="store_true", help="replace a model folder that already has weights")
    ap.add_argument("--final", action="store_true", help="train on train+dev (the shipped model); no dev scores")
    ap.add_argument("--card-metrics", help="metrics.json of the matching dev run, quoted in a --final model's card")
    ap.add_argument("--data", help="read documents from this --export-data folder instead of the corpora")
    ap.add_argument("--shared-root", help="folder holding corpora/ (default $CLAIMX_SHARED or ../shared)")
    ap.add_argument("--export-data", metavar="DIR", help="write train/dev/final documents to DIR and exit")
    ap.add_argument("--export-base", metavar="DIR", help="write the base model (float16) to DIR and exit")
    ap.add_argument("--threads", type=int, help="torch CPU threads")
    ap.add_argument("--log", help="also append the log to this file")
    for name, typ in [("epochs", int), ("lr", float), ("head-lr", float), ("batch-tokens", int), ("seed", int),
                      ("limit-docs", int), ("limit-eval-docs", int), ("eval-every", int), ("base-model", str),
                      ("precision", str), ("save-dtype", str), ("max-pieces", int), ("warmup", float),
                      ("attention-dropout", float)]:
        ap.add_argument(f"--{name}", type=typ, default=None)
    ap.add_argument("--corpora", nargs="+")
    ap.add_argument("--eval-corpora", nargs="+")
    return ap.parse_args(argv)


def make_config(args: argparse.Namespace):
    from claimx.models.training.entities import TrainConfig

    with open(args.config, "rb") as fh:
        data = tomllib.load(fh)
    for key in ("epochs", "lr", "head_lr", "batch_tokens", "seed", "limit_docs", "limit_eval_docs", "eval_every",
                "base_model", "precision", "save_dtype", "max_pieces", "warmup", "corpora", "eval_corpora",
                "attention_dropout"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    data["final"] = args.final
    if data.get("save_dtype") in ("float32", "none"):
        data["save_dtype"] = None
    return TrainConfig.from_dict(data)


def export_data(cfg, out: Path, shared_root) -> None:
    from claimx.corpora.examples import load_examples, write_examples

    for split in ("train", "dev", "final"):
        for corpus in sorted(set(cfg.corpora) | set(cfg.eval_corpora)):
            exs = load_examples(corpus, split, evaluated_on=cfg.eval_corpora, shared_root=shared_root)
            n = write_examples(exs, out / split / f"{corpus}.jsonl.gz")
            print(f"{split:5} {corpus:8} {n:5d} documents -> {out / split / f'{corpus}.jsonl.gz'}")


def export_base(cfg, out: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    from claimx.models.training.loop import default_base_model

    base = cfg.base_model or default_base_model()
    model = AutoModel.from_pretrained(base, local_files_only=True, add_pooling_layer=False).half()
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(base, local_files_only=True).save_pretrained(str(out))
    print(f"wrote {out} (float16 copy of {base})")


def main(argv=None) -> int:
    args = parse_args(argv)
    import_claimx()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no load reports (the unused pooler) or progress bars
    hf_logging.disable_progress_bar()

    from claimx.corpora.examples import load_examples
    from claimx.models.training.entities import train_entities

    cfg = make_config(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.export_data:
        export_data(cfg, Path(args.export_data), args.shared_root)
        return 0
    if args.export_base:
        export_base(cfg, Path(args.export_base))
        return 0
    out = Path(args.out)
    if (out / "model.safetensors").exists() and not args.overwrite:
        raise SystemExit(f"{out} already holds a trained model; pass --overwrite or another --out")
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    log_fh = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(msg: str) -> None:
        print(msg, flush=True)
        if log_fh:
            log_fh.write(msg + "\n")
            log_fh.flush()

    command = "python scripts/train_entities.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    log(f"# {command}\n# torch {torch.__version__}, device {device}, config {json.dumps({k: v for k, v in vars(cfg).items() if k != 'extra'})}")
    t0 = time.perf_counter()
    split = "final" if cfg.final else "train"
    train = []
    for corpus in cfg.corpora:
        exs = load_examples(corpus, split, data_dir=args.data, evaluated_on=cfg.eval_corpora, shared_root=args.shared_root)
        train += exs[: cfg.limit_docs] if cfg.limit_docs else exs
    dev = {}
    if not cfg.final:
        for corpus in cfg.eval_corpora:
            exs = load_examples(corpus, "dev", data_dir=args.data, shared_root=args.shared_root)
            dev[corpus] = exs[: cfg.limit_eval_docs] if cfg.limit_eval_docs else exs
    log(f"loaded {len(train)} {split} documents and {sum(map(len, dev.values()))} dev documents "
        f"in {time.perf_counter() - t0:.1f}s")
    card_metrics = json.loads(Path(args.card_metrics).read_text()) if args.card_metrics else None
    train_entities(cfg, train, dev, out, device=device, log=log, card_metrics=card_metrics, command=command)
    if log_fh:
        log_fh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
