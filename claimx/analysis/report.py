"""The corpus report: what the claims of many abstracts add up to, as one self-contained HTML page.

    html = claimx.analysis.report.build_report(claimx.read_results("claims.jsonl"))

Counts by claim type, certainty, negation and key flag; entities by label; claims per abstract; the most
frequent agents, mechanisms and effects (merged as in the mechanism graph); and the mechanistic relations
stated by the most abstracts, with their best statement and links to their sources. Plots are
matplotlib SVG inlined in the page, so it opens offline.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from string import Formatter
from urllib.parse import quote

from ..records import RecordError
from ..results import CLAIM_TYPES, ROLE_LABELS, Result
from .concepts import concept_key, display_name, role_concept
from .graph import build_graph

__all__ = ["PUBMED_LINK", "build_report", "check_link"]

#: link for ids that look like PMIDs; --link overrides it for every id
PUBMED_LINK = "https://pubmed.ncbi.nlm.nih.gov/{id}/"


@dataclass
class _Tally:
    documents: int = 0
    per_doc: Counter = field(default_factory=Counter)  # claims per abstract -> abstracts
    types: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)  # (type, flag) -> claims
    entities: Counter = field(default_factory=Counter)
    concepts: dict = field(default_factory=lambda: {r: Counter() for r in ROLE_LABELS})  # role -> key -> abstracts
    forms: dict = field(default_factory=dict)  # key -> Counter of surface forms
    names: dict = field(default_factory=dict)  # key -> concept name, for roles linked to a concept
    models: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.documents += 1
        self.per_doc[len(result.claims)] += 1
        self.models[result.model] += 1
        self.entities.update(e.label for e in result.entities)
        seen: set[tuple[str, str]] = set()
        for claim in result.claims:
            self.types[claim.type] += 1
            for flag, on in (("asserted", claim.certainty == "asserted"), ("hedged", claim.certainty == "hedged"),
                             ("negated", claim.negated), ("key", claim.key)):
                self.flags[claim.type, flag] += on
            for role in claim.roles:
                concept = role_concept(result, role)
                key = concept.id if concept is not None else concept_key(role.expanded, role.label)
                if not key:
                    continue
                if concept is not None:
                    self.names[key] = concept.name
                self.forms.setdefault(key, Counter())[role.expanded] += 1
                if (role.label, key) not in seen:
                    seen.add((role.label, key))
                    self.concepts.setdefault(role.label, Counter())[key] += 1


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return re.sub(r"^.*?(<svg)", r"\1", buf.getvalue(), flags=re.S)  # drop the XML prolog and doctype


def _plots(t: _Tally) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    out = []
    fig, ax = plt.subplots(figsize=(6, 2.8))
    asserted = [t.flags[ty, "asserted"] for ty in CLAIM_TYPES]
    hedged = [t.flags[ty, "hedged"] for ty in CLAIM_TYPES]
    ax.bar(CLAIM_TYPES, asserted, label="asserted", color="#4c72b0")
    ax.bar(CLAIM_TYPES, hedged, bottom=asserted, label="hedged", color="#a1c9f4")
    ax.plot(CLAIM_TYPES, [t.flags[ty, "negated"] for ty in CLAIM_TYPES], "kx", label="negated")
    ax.set_ylabel("claims")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    out.append(("Claims by type and certainty", _svg(fig)))
    fig, ax = plt.subplots(figsize=(6, 2.4))
    most = max(t.per_doc, default=0)
    ax.bar(range(most + 1), [t.per_doc[n] for n in range(most + 1)], color="#55a868")
    ax.set_xlabel("claims in the abstract")
    ax.set_ylabel("abstracts")
    ax.spines[["top", "right"]].set_visible(False)
    out.append(("Claims per abstract", _svg(fig)))
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    for ax, role, color in zip(axes, ROLE_LABELS, ("#d62728", "#1f77b4", "#2ca02c")):
        top = t.concepts[role].most_common(12)[::-1]
        names = [_short(t.names.get(k) or display_name(t.forms[k])).replace("$", r"\$") for k, _ in top]  # "$" is not maths here
        ax.barh(names, [n for _, n in top], color=color)
        ax.set_title(f"{role}", fontsize=9)
        ax.set_xlabel("abstracts")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.append(("Most frequent agents, mechanisms and effects", _svg(fig)))
    return out


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def check_link(template: str) -> None:
    """Raise ValueError unless `template` holds `{id}` and no other replacement field."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in Formatter().parse(template) if name is not None]
    except ValueError:
        fields = []
    if not fields or any(f != ("id", "", None) for f in fields):
        raise ValueError(f"link template {template!r} needs {{id}} where the source id goes and no other braces, "
                         "e.g. https://example.org/doc/{id}")


def _link(rid: str, link: str | None) -> str:
    template = link or (PUBMED_LINK if rid.isdigit() else None)
    label = html.escape(rid)
    if template is None:
        return label
    return f'<a href="{html.escape(template.format(id=quote(rid, safe="")))}">{label}</a>'


def _mechanistic(results: Iterable[Result]) -> Iterator[Result]:
    for r in results:
        yield replace(r, claims=[c for c in r.claims if c.type == "mechanistic"])


def _relations_table(results: list[Result], link: str | None, top: int) -> str:
    graph = build_graph(_mechanistic(results))
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (-e[3]["support"], -e[3]["claims"], e[0], e[1], e[2]))
    rows = []
    for source, target, relation, d in edges[:top]:
        ids = list(dict.fromkeys(e["id"] for e in d["evidence"]))
        rows.append(
            f"<tr><td>{html.escape(graph.nodes[source]['name'])}</td><td>{relation.replace('_', ' ')}</td>"
            f"<td>{html.escape(graph.nodes[target]['name'])}</td><td>{d['support']}</td><td>{d['contradict']}</td>"
            f"<td>{d['hedged']}</td><td>{html.escape(d['example'])}</td>"
            f"<td>{', '.join(_link(i, link) for i in ids[:10])}{' …' if len(ids) > 10 else ''}</td></tr>")
    head = ("<tr><th>source</th><th>relation</th><th>target</th><th>supporting abstracts</th>"
            "<th>contradicting</th><th>hedged claims</th><th>statement (best scored)</th><th>sources</th></tr>")
    return f'<table class="cx-rel">{head}{"".join(rows)}</table>' if rows else "<p>No mechanistic relations.</p>"


def _counts_table(t: _Tally) -> str:
    types = list(CLAIM_TYPES) + sorted(set(t.types) - set(CLAIM_TYPES))  # a model with other types: listed too
    rows = "".join(
        f"<tr><td>{html.escape(ty)}</td><td>{t.types[ty]}</td>"
        + "".join(f"<td>{t.flags[ty, f]}</td>" for f in ("asserted", "hedged", "negated", "key")) + "</tr>"
        for ty in types)
    total = ("<tr><th>all</th><th>" + str(sum(t.types.values())) + "</th>"
             + "".join(f"<th>{sum(t.flags[ty, f] for ty in types)}</th>" for f in ("asserted", "hedged", "negated", "key"))
             + "</tr>")
    return ("<table><tr><th>type</th><th>claims</th><th>asserted</th><th>hedged</th><th>negated</th><th>key</th></tr>"
            f"{rows}{total}</table>")


_CSS = """body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:70em;margin:1em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f4f4f4}.cx-rel td:nth-child(7){max-width:30em}figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}
.cx-errors li{font-family:monospace;font-size:.85em}"""


def build_report(results: Iterable[Result | RecordError], *, title: str = "claimx corpus report",
                 link: str | None = None, top: int = 25) -> str:
    """The report page for `results` (RecordErrors are listed, the rest still reported).

    `link`: a URL template with `{id}` for every source id (default: PubMed for ids made of digits); the id
    is URL-encoded. `top`: rows in the table of mechanistic relations.
    """
    if link is not None:
        check_link(link)
    if top < 0:
        raise ValueError(f"top={top}: give a number of rows")
    tally, kept = _Tally(), []
    for item in results:
        if isinstance(item, RecordError):
            tally.errors.append(item)
        else:
            tally.add(item)
            # what the relations table needs: the claims, and the linked entities their roles merge by
            kept.append(replace(item, entities=[e for e in item.entities if e.concept is not None], abbreviations=[]))
    claims = sum(tally.types.values())
    with_claims = tally.documents - tally.per_doc[0]
    entities = ", ".join(f"{n} {html.escape(label)}" for label, n in sorted(tally.entities.items())) or "none"
    models = ", ".join(html.escape(m or "(unnamed)") for m in tally.models)
    summary = (f"<p><b>{tally.documents}</b> abstracts, <b>{claims}</b> claims "
               f"({claims / max(tally.documents, 1):.2f} per abstract; {with_claims} abstracts with at least one), "
               f"entities: {entities}. Model: {models}. Unreadable lines: {len(tally.errors)}.</p>")
    figures = "".join(f"<figure><figcaption>{html.escape(c)}</figcaption>{svg}</figure>" for c, svg in _plots(tally))
    errors = ""
    if tally.errors:
        where = [":".join(str(x) for x in (e.file, e.line) if x not in (None, "")) for e in tally.errors]
        items = "".join(f"<li>{html.escape(w + ': ' if w else '')}{html.escape(e.error)}</li>"
                        for w, e in zip(where, tally.errors))
        errors = f'<h2>Unreadable lines ({len(tally.errors)})</h2><ul class="cx-errors">{items}</ul>'
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{summary}<h2>Claims</h2>"
            f"{_counts_table(tally)}{figures}<h2>Most supported mechanistic relations</h2>"
            "<p>Mechanistic claims only; agents, mechanisms and effects merged across abstracts as in "
            "<code>claimx graph</code>. A contradicting abstract states the relation negated.</p>"
            f"{_relations_table(kept, link, top)}{errors}</body></html>")
