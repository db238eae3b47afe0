#!/usr/bin/env python
"""Throughput of `claimx extract` end to end (read JSONL → pipeline → write JSONL) at each precision, and of
the baseline a user would write with Hugging Face pipelines and the same weights, on the same abstracts
in the same run. Each row runs in its own process (so peak RSS is its own); abstracts/s is timed after
start-up, and start-up (the process's whole time but the timed part: Python, imports, model load, a warm-up
call) has a column of its own. Prints a table; not a test.

    python scripts/bench.py --n 500                       # CPU: claimx auto/fp32/int8 + HF baselines
    git worktree add /tmp/old v0.1.0 && python scripts/bench.py --precision auto --baselines --baseline-checkout /tmp/old --repeat 3
    python scripts/bench.py --n 20000 --device cuda --precision auto --baselines

Baseline ("HF pipelines"): `pipeline("token-classification")` over each abstract (our encoder and entity
head as a BertForTokenClassification) plus `pipeline("text-classification")` over each of its sentences
(our encoder with a sequence-classification head): the compute a user pays for entities + per-sentence
claims with these weights, called the obvious way, one abstract at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bootstrap import ROOT  # noqa: F401  (puts the checkout on sys.path)


def sample(n: int) -> list[dict]:
    """`n` abstracts: BC5CDR train, BC5CDR dev, NCBI train, BioRED train, in that order, cycled if n is larger."""
    from claimx.corpora import load_corpus

    pool: list[dict] = []
    for corpus, split in [("bc5cdr", "train"), ("bc5cdr", "dev"), ("ncbi", "train"), ("biored", "train")]:
        pool += [{"id": f"{corpus}:{d.id}", "text": d.text} for d in load_corpus(corpus, split)]
        if len(pool) >= n:
            break
    return [dict(pool[i % len(pool)], id=f"{pool[i % len(pool)]['id']}#{i // len(pool)}") for i in range(n)]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_claimx(src: Path, out: Path, device: str, precision: str, batch_size: int) -> dict:
    import claimx
    from claimx.run.jobs import run_extract

    ex = claimx.load(device=device, precision=precision)
    ex("Aspirin reduced pain in migraine.")  # warm-up
    s = run_extract(src, out, options=claimx.ExtractOptions(batch_size=batch_size), extractor=ex)
    assert s.written == s.read, s.line()
    return {"seconds": s.seconds, "records": s.written}


def run_hf(src: Path, out: Path, device: str, precision: str) -> dict:
    import torch
    from transformers import BertForSequenceClassification, BertForTokenClassification, pipeline

    from claimx.models.encoder import load_encoder
    from claimx.models.heads import TYPE_CLASSES
    from claimx.models.spec import load_spec
    from claimx.pipeline import build_base_nlp

    model, tok = load_encoder(load_spec())
    backbone = model.backbone.state_dict()
    cfg = model.backbone.config
    tc = BertForTokenClassification(cfg.__class__(**{**cfg.to_dict(), "num_labels": 3 * len(model.entities.labels)}))
    tc.bert.load_state_dict(backbone, strict=False)
    tc.classifier.load_state_dict(model.heads["entities"].proj.state_dict())
    sc = BertForSequenceClassification(cfg.__class__(**{**cfg.to_dict(), "num_labels": len(TYPE_CLASSES)}))
    sc.bert.load_state_dict(backbone, strict=False)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    dev = 0 if device == "cuda" else -1
    ner = pipeline("token-classification", model=tc.to(dtype), tokenizer=tok, device=dev, aggregation_strategy="simple")
    cls = pipeline("text-classification", model=sc.to(dtype), tokenizer=tok, device=dev)
    sentences = build_base_nlp()  # scispaCy tokens, sentences (and abbreviations, as claimx has them)
    ner("Aspirin reduced pain."), cls(["Aspirin reduced pain."])
    start = time.perf_counter()
    records = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    with open(out, "w", encoding="utf-8") as f:
        for r in records:
            doc = sentences(r["text"])
            ents = ner(r["text"])
            labels = cls([s.text for s in doc.sents])
            f.write(json.dumps({"id": r["id"], "entities": [{k: (float(v) if k == "score" else v) for k, v in e.items()}
                                                            for e in ents], "sentences": labels}) + "\n")
    return {"seconds": time.perf_counter() - start, "records": len(records)}


def one(args: argparse.Namespace) -> None:
    """Run one row (in a child process) and print its JSON."""
    src = Path(args.input)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        if args.one == "claimx":
            row = run_claimx(src, out, args.device, args.precision[0], args.batch_size)
        else:
            row = run_hf(src, out, args.device, args.precision[0])
    row["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(row))


def _machine(device: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import torch

    def has(probe: str) -> bool:
        return bool(getattr(torch.cpu, probe, lambda: False)())

    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    kind = ("AMX (bf16 native)" if has("_is_amx_tile_supported") else
            "AVX-512 with BF16" if has("_is_avx512_bf16_supported") else
            "AVX-512 (no BF16)" if " avx512f" in flags else "AVX2 only (bf16 emulated)" if " avx2" in flags else "other")
    line = (f"{cpu}, {os.cpu_count()} CPUs, CPU kind: {kind}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads)")
    limits = [f"{k}={os.environ[k]}" for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS")
              if os.environ.get(k)]
    if limits:  # an AVX-512 CPU run with AVX2 kernels only (all three =avx2 / AVX2)
        line += f", kernels limited by {' '.join(limits)}"
    if device == "cuda" and torch.cuda.is_available():
        line += f", GPU {torch.cuda.get_device_name(0)}"
    return line


def stages(src: Path, device: str, precision: str, n: int) -> list[tuple[str, float]]:
    """Seconds per stage over the first `n` records, run one after the other in this process."""
    import claimx
    from claimx.records import record_from_mapping

    ex = claimx.load(device=device, precision=precision)
    ex("Aspirin reduced pain in migraine.")
    nlp, model = ex.nlp, ex.nlp.get_pipe("claimx_model")
    linker = ex.nlp.get_pipe("claimx_linker") if "claimx_linker" in ex.nlp.pipe_names else None
    lines = src.read_text(encoding="utf-8").splitlines()[:n]
    out: list[tuple[str, float]] = []

    def timed(name, fn):
        t = time.perf_counter()
        value = fn()
        out.append((name, time.perf_counter() - t))
        return value

    records = timed("read records", lambda: [record_from_mapping(json.loads(x), line=i) for i, x in enumerate(lines)])
    docs = timed("scispaCy tokens, sentences, abbreviations",
                 lambda: list(nlp.pipe((ex.make_doc(r) for r in records),
                                       disable=["claimx_model"] + (["claimx_linker"] if linker else []))))
    preds = timed("word pieces + encoder + heads", lambda: model.predict(docs))
    timed("decode entities, roles, claims", lambda: model.set_annotations(docs, preds))
    if linker is not None:
        timed("link concepts (claimx_linker)", lambda: [linker(d) for d in docs])
    timed("results → JSON", lambda: [json.dumps(ex.to_result(r, d).to_dict()) for r, d in zip(records, docs)])
    return out


def _model_label(folder: Path) -> str:
    meta = json.loads((folder / "claimx.json").read_text(encoding="utf-8"))
    return f"{meta['name']} {meta['version']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="number of abstracts")
    ap.add_argument("--batch-size", type=int, default=256, help="claimx --batch-size")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", nargs="+", default=["auto", "fp32", "int8"], help="claimx rows to run")
    ap.add_argument("--baselines", nargs="*", default=["fp32", "bf16"], help="HF pipeline rows (precisions); none: --baselines")
    ap.add_argument("--stages", type=int, default=200, help="time each stage over this many abstracts (0: skip)")
    ap.add_argument("--baseline-checkout", type=Path,
                    help="also run the claimx rows with the claimx of this checkout (e.g. a `git worktree` of an older "
                         "commit), alternating with this one")
    ap.add_argument("--models", nargs="+", type=Path,
                    help="run the claimx rows with each of these model folders (default: the default model), side by side")
    ap.add_argument("--repeat", type=int, default=1, help="run each row this many times, alternating; report the median")
    ap.add_argument("--one", choices=["claimx", "hf"], help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return one(args)

    from transformers import AutoTokenizer

    from claimx.models.spec import load_spec

    records = sample(args.n)
    tok = AutoTokenizer.from_pretrained(str(load_spec().path), local_files_only=True)
    pieces = sum(len(ids) for ids in tok([r["text"] for r in records], add_special_tokens=False)["input_ids"])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        checkouts = [ROOT] + ([args.baseline_checkout.resolve()] if args.baseline_checkout else [])
        models = [m.resolve() for m in args.models] if args.models else [None]
        rows = [("claimx", p, c, m) for p in args.precision for c in checkouts for m in models]
        rows += [("hf", p, ROOT, None) for p in args.baselines]
        runs: dict[tuple, list[dict]] = {row: [] for row in rows}
        for _ in range(args.repeat):
            for kind, precision, checkout, model in rows:
                cmd = [sys.executable, str(checkout / "scripts" / "bench.py"), "--one", kind, "--input", str(src),
                       "--device", args.device, "--precision", precision, "--batch-size", str(args.batch_size)]
                env = {**os.environ, "PYTHONPATH": str(checkout), **({"CLAIMX_MODEL": str(model)} if model else {})}
                began = time.perf_counter()
                p = subprocess.run(cmd, capture_output=True, text=True, cwd=checkout, env=env)
                wall = time.perf_counter() - began
                if p.returncode:
                    print(p.stderr, file=sys.stderr)
                    raise SystemExit(f"{kind} {precision} ({checkout}, model {model or 'default'}) failed")
                row = json.loads(p.stdout.strip().splitlines()[-1])
                runs[(kind, precision, checkout, model)].append({**row, "startup": wall - row["seconds"]})
        results = []
        for (kind, precision, checkout, model), done in runs.items():
            median = sorted(done, key=lambda r: r["seconds"])[len(done) // 2]
            label = kind + ("" if checkout == ROOT else f" @{checkout.name}") + (f" [{_model_label(model)}]" if model else "")
            startup = sorted(r["startup"] for r in done)[len(done) // 2]
            results.append((label, precision, {**median, "startup": startup,
                                               "all_seconds": [round(r["seconds"], 1) for r in done]}))
        stage_times = stages(src, args.device, args.precision[0], args.stages) if args.stages else []

    print(f"machine: {_machine(args.device)}, Python {platform.python_version()}")
    print(f"input: {args.n} abstracts (BC5CDR/NCBI/BioRED), {pieces} word pieces ({pieces / args.n:.0f} per abstract)")
    base = {p: r["records"] / r["seconds"] for k, p, r in results if k == "hf"}
    print(f"each row: median of {args.repeat} run(s), rows alternating")
    ref = base.get("fp32")
    width = max(34, *(len("claimx extract (end to end)" + k[len("claimx"):]) + 1 for k, _, _ in results))
    head = (f"{'what':<{width}}{'precision':>10}{'records':>9}{'seconds':>9}{'abstracts/s':>13}{'pieces/s':>10}"
            f"{'peak RSS MB':>13}{'start-up s':>12}")
    print(head + (f"{'× HF fp32':>11}" if ref else ""))
    for kind, precision, r in results:
        what = ("HF pipelines (tokens + sentences)" if kind == "hf" else
                "claimx extract (end to end)" + kind[len("claimx"):])
        rate = r["records"] / r["seconds"]
        line = (f"{what:<{width}}{precision:>10}{r['records']:>9}{r['seconds']:>9.1f}{rate:>13.1f}"
                f"{pieces / r['seconds']:>10.0f}{r['peak_rss_mb']:>13.0f}{r['startup']:>12.1f}")
        print(line + (f"{rate / ref:>11.2f}" if ref else "") + (f"   runs: {r['all_seconds']} s" if args.repeat > 1 else ""))
    print("seconds, abstracts/s: read JSONL → pipeline → write JSONL, after start-up; start-up s: the row's process "
          "time outside that (Python, imports, model load, one warm-up call, exit), paid once per run")
    if stage_times:
        total = sum(s for _, s in stage_times)
        print(f"\nwhere the time goes (claimx {args.precision[0]}, {args.stages} abstracts, stages run one after the other):")
        for name, s in stage_times:
            print(f"  {name:<44}{s:>8.2f} s {100 * s / total:>5.1f}%")


if __name__ == "__main__":
    main()
