"""Run the result views end to end on a few hundred dev abstracts from ../shared/corpora and print what
each step made and how long it took: `claimx extract`, `claimx show`, `claimx report`, `claimx graph`
(command line), then the same from Python (`read_results`, `to_pandas`, `build_graph`, `render_html`),
and how many role mentions the graph merged into how many concepts.

    python scripts/demo_views.py --n 300 --out runs/viz

Everything it writes stays under --out (corpus text must not be committed).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import _bootstrap  # noqa: F401  (puts the repository on sys.path)

import claimx
from claimx.analysis.concepts import concept_key
from claimx.analysis.graph import build_graph
from claimx.corpora import load_corpus
from claimx.records import RecordError


def sample(n: int, out: Path) -> int:
    """`n` dev abstracts (about half BC5CDR, a third BioRED, the rest NCBI-disease), one id once."""
    seen: dict[str, str] = {}
    for corpus, share in (("bc5cdr", 0.5), ("biored", 0.33), ("ncbi", 1.0)):
        docs = [d for d in load_corpus(corpus, "dev") if d.id not in seen]
        random.Random(13).shuffle(docs)
        for d in docs[: max(0, min(round(n * share), n - len(seen)))]:
            seen[d.id] = d.text
    out.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in seen.items()), encoding="utf-8")
    return len(seen)


def cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "claimx", *args], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("runs/viz"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    docs, claims = args.out / "abstracts.jsonl", args.out / "claims.jsonl"
    n = sample(args.n, docs)
    rows = [("sample", 0.0, f"{n} abstracts -> {docs}")]
    rows.append(("claimx extract", cli("extract", str(docs), "-o", str(claims), "--quiet"), str(claims)))
    rows.append(("claimx show (50)", cli("show", str(docs), "--results", str(claims), "-o", str(args.out / "show.html")),
                 "show.html"))
    rows.append(("claimx report", cli("report", str(claims), "-o", str(args.out / "report.html"),
                                      "--title", f"claimx report: {n} dev abstracts"), "report.html"))
    rows.append(("claimx graph", cli("graph", str(claims), "-o", str(args.out / "graph.graphml")), "graph.graphml"))
    rows.append(("claimx graph (csv)", cli("graph", str(claims), "-o", str(args.out / "graph.csv")),
                 "graph.nodes.csv, graph.edges.csv"))

    start = time.perf_counter()
    results = [r for r in claimx.read_results(claims) if not isinstance(r, RecordError)]
    frames = {rows_: claimx.to_pandas(results, rows=rows_).shape for rows_ in ("claims", "roles", "entities")}
    rows.append(("read_results + to_pandas", time.perf_counter() - start, f"{len(results)} results; shapes {frames}"))
    start = time.perf_counter()
    graph = build_graph(results)
    rows.append(("build_graph", time.perf_counter() - start,
                 f"{graph.number_of_nodes()} concepts, {graph.number_of_edges()} relations"))

    print(f"\n{'step':<26} {'seconds':>8}  made")
    for step, seconds, what in rows:
        print(f"{step:<26} {seconds:>8.1f}  {what}")

    mentions = [(res.id, r.expanded, r.label) for res in results for c in res.claims for r in c.roles]
    by_key: dict[str, set[str]] = {}
    by_lower: dict[str, set[str]] = {}
    forms: dict[str, set[str]] = {}
    for doc, text, label in mentions:
        key = concept_key(text, label)
        if key:
            by_key.setdefault(key, set()).add(doc)
            forms.setdefault(key, set()).add(text.lower())
        by_lower.setdefault(text.lower(), set()).add(doc)
    merged = {k: v for k, v in forms.items() if len(v) > 1}
    shared_key = sum(len(d) > 1 for d in by_key.values())
    shared_lower = sum(len(d) > 1 for d in by_lower.values())
    stated = Counter(len({e["id"] for e in d["evidence"]}) for _, _, d in graph.edges(data=True))
    print(f"\nrole mentions {len(mentions)}; distinct lower-cased texts {len(by_lower)}; concepts {len(by_key)} "
          f"({len(merged)} of them merge 2+ lower-cased forms)")
    print(f"concepts in 2+ abstracts: {shared_key} (lower-casing alone: {shared_lower})")
    print(f"relations by abstracts stating them: {dict(sorted(stated.items()))}")
    print("sample of merged concepts (key: forms):")
    for key in sorted(merged, key=lambda k: -len(merged[k]))[:25]:
        print(f"  {key}: {' | '.join(sorted(merged[key]))}")


if __name__ == "__main__":
    main()
