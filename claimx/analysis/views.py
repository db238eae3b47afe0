"""Annotated HTML views of results: the abstract with its entities, claims and roles marked, and each
claim's type, certainty, negation, key flag and expanded statement listed below it.

    html = claimx.render_html(results, title="My abstracts")   # a self-contained page (no network fetches)
    result                                                     # in a notebook: Result._repr_html_

Entities use displaCy's `ent` markup (`<mark class="entity">` with the label after the text); marks that
overlap are nested, and one that crosses the end of another is split at that point (its label is shown
once). Claim sentences are tinted by type, with the statement on hover; roles are underlined by label.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from spacy.displacy.templates import TPL_ENT, TPL_KB_LINK

from ..linking.lexicon import concept_url
from ..records import RecordError

if TYPE_CHECKING:
    from ..results import Claim, Concept, Result

_e = html.escape

__all__ = ["CLAIM_COLORS", "ENTITY_COLORS", "ROLE_COLORS", "misplaced", "render_html"]

ENTITY_COLORS = {"DRUG": "#7aecec", "DISORDER": "#feca74", "OUTCOME": "#c887fb"}
ROLE_COLORS = {"AGENT": "#d62728", "MECHANISM": "#1f77b4", "EFFECT": "#2ca02c"}
CLAIM_COLORS = {"mechanistic": "#fff1b8", "causal": "#ffd9d9", "correlational": "#d9ecff", "descriptive": "#ececec"}

# displaCy's entity mark, with the label also as a data attribute for styling and tests
_ENT = TPL_ENT.replace('class="entity"', 'class="entity" data-label="{label}"', 1)
assert _ENT != TPL_ENT, "spaCy's displaCy entity template changed: update claimx.analysis.views"

_CSS = """
.cx{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:60em;margin:0 auto;color:#222}
.cx header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.4em 0;z-index:20}
.cx h1{font-size:1.3em;margin:.2em 0}.cx h2{font-size:1.05em;margin:0 0 .4em}.cx h2 small{color:#666;font-weight:normal}
.cx .cx-legend span{display:inline-block;margin:.1em .4em .1em 0;padding:0 .4em;border-radius:.3em;font-size:.8em}
.cx article{border-bottom:1px solid #eee;padding:1em 0}
.cx .cx-text{line-height:2.4}
.cx mark.entity{padding:.15em .3em!important;margin:0 .1em!important}
.cx mark.entity mark.entity{padding:0 .15em!important;margin:0!important}
.cx .cx-claim{border-radius:.3em;padding:.2em 0}
.cx .cx-role{border-bottom:3px solid;padding-bottom:1px}
.cx .cx-role>sup,.cx .cx-badge{font-size:.6em;font-weight:bold;letter-spacing:.03em}
.cx .cx-badge{border:1px solid #888;border-radius:.3em;padding:0 .25em;margin-right:.3em;background:#fff;vertical-align:middle}
.cx ol.cx-claims{margin:.4em 0 0 1.2em;padding:0}.cx ol.cx-claims li{margin:.35em 0;padding:.2em .4em;border-radius:.3em}
.cx .cx-flag{font-size:.75em;border:1px solid #999;border-radius:.3em;padding:0 .3em;margin-right:.3em;background:#fff}
.cx .cx-chip{font-size:.85em;border-bottom:3px solid;margin-right:.6em}
.cx .cx-chip b{font-size:.7em}
.cx .cx-none{color:#777;font-style:italic}
.cx .cx-index{font-size:.85em;margin-top:.3em}.cx .cx-index ol{max-height:40vh;overflow:auto;margin:.3em 0}
"""


@dataclass
class _Mark:
    start: int
    end: int
    rank: int  # 0 claim, 1 role, 2 entity: outer before inner at the same span
    html_open: str
    html_close: str
    tag: str = ""  # label badge, written before the close of the first piece
    lead: str = ""  # badge written after the open of the first piece
    piece: int = 0

    def split(self, at: int) -> tuple[_Mark, _Mark]:
        head = replace(self, end=at)
        return head, replace(self, start=at, piece=self.piece + 1)


def _claim_mark(claim: Claim) -> _Mark:
    flags = [claim.certainty] + (["negated"] if claim.negated else []) + (["key"] if claim.key else [])
    hover = f"{claim.type}, {', '.join(flags)}: {claim.statement}"
    open_ = (f'<span class="cx-claim" data-type="{_e(claim.type)}" data-certainty="{_e(claim.certainty)}" '
             f'data-negated="{str(claim.negated).lower()}" data-key="{str(claim.key).lower()}" '
             f'title="{_e(hover)}" style="background:{CLAIM_COLORS.get(claim.type, "#eee")}">')
    badge = f'<span class="cx-badge">{_e(claim.type[:4].upper())}</span>'
    return _Mark(claim.start, claim.end, 0, open_, "</span>", lead=badge)


def _marks(result: Result) -> list[_Mark]:
    marks = [_claim_mark(c) for c in result.claims]
    for claim in result.claims:
        for role in claim.roles:
            color = ROLE_COLORS.get(role.label, "#555")
            marks.append(_Mark(role.start, role.end, 1,
                               f'<span class="cx-role" data-label="{_e(role.label)}" style="border-color:{color}">',
                               "</span>", f'<sup class="cx-tag" style="color:{color}">{_e(role.label)}</sup>'))
    for ent in result.entities:
        bg = ENTITY_COLORS.get(ent.label, "#ddd")
        head, tail = _ENT.format(label=_e(ent.label), text="\0", bg=bg, kb_link=_kb_links(ent.concept)).split("\0")
        badge = tail.strip().rsplit("</mark>", 1)[0].strip().replace("<span ", '<span class="cx-tag" ', 1)  # after the text
        if ent.concept is not None:  # the concept on hover, its ids linked to their MeSH (or OMIM) pages in the label
            hover = f"{ent.concept.id} {ent.concept.name} (linker score {ent.concept.score:.2f})"
            head = head.replace("<mark ", f'<mark title="{_e(hover)}" data-concept="{_e(ent.concept.id)}" ', 1)
        marks.append(_Mark(ent.start, ent.end, 2, head.strip(), "</mark>", badge))
    n = len(result.text)
    return _split_inner([m for m in marks if 0 <= m.start < m.end <= n])


def _kb_links(concept: Concept | None) -> str:
    """displaCy's knowledge-base link after the label: each id of the concept, linked to its page."""
    if concept is None:
        return ""
    return "".join(TPL_KB_LINK.format(kb_url=_e(concept_url(i) or "#"), kb_id=_e(i)) for i in concept.ids)


def _split_inner(marks: list[_Mark]) -> list[_Mark]:
    """Cut each mark at the boundaries of outer-ranked marks inside it, so an entity that crosses a role's
    edge is split rather than the role, and a role that crosses a claim's edge rather than the claim."""
    out = []
    for mark in marks:
        cuts = sorted({b for o in marks if o.rank < mark.rank for b in (o.start, o.end) if mark.start < b < mark.end})
        pieces = [mark]
        for cut in cuts:
            pieces[-1:] = pieces[-1].split(cut)
        out += pieces
    return out


def _nest(text: str, marks: list[_Mark], lo: int, hi: int) -> str:
    """`text[lo:hi]` with `marks` (all inside it) nested; a mark crossing its parent's end is split there
    (after `_split_inner` only marks of the same rank can still cross)."""
    out, pos = [], lo
    marks = sorted(marks, key=lambda m: (m.start, -m.end, m.rank))
    while marks:
        mark, rest = marks[0], []
        inner: list[_Mark] = []
        for other in marks[1:]:
            if other.start >= mark.end:
                rest.append(other)
            elif other.end <= mark.end:
                inner.append(other)
            else:
                head, tail = other.split(mark.end)
                inner.append(head)
                rest.append(tail)
        out.append(html.escape(text[pos:mark.start]))
        close = (mark.tag if mark.piece == 0 else "") + mark.html_close  # the label on the first piece only
        lead = mark.lead if mark.piece == 0 else ""
        out.append(mark.html_open + lead + _nest(text, inner, mark.start, mark.end) + close)
        pos, marks = mark.end, sorted(rest, key=lambda m: (m.start, -m.end, m.rank))
    out.append(html.escape(text[pos:hi]))
    return "".join(out)


def _claims_list(result: Result) -> str:
    if not result.claims:
        return '<p class="cx-none">no claims</p>'
    items = []
    for claim in result.claims:
        flags = [claim.certainty] + (["negated"] if claim.negated else []) + (["key claim"] if claim.key else [])
        roles = "".join(
            f'<span class="cx-chip" data-label="{_e(r.label)}" style="border-color:{ROLE_COLORS.get(r.label, "#555")}">'
            f"<b>{_e(r.label)}</b> {_e(r.expanded)}</span>" for r in claim.roles)
        items.append(
            f'<li data-type="{_e(claim.type)}" data-start="{claim.start}" '
            f'style="background:{CLAIM_COLORS.get(claim.type, "#eee")}">'
            f'<span class="cx-badge">{_e(claim.type)}</span>'
            + "".join(f'<span class="cx-flag">{_e(f)}</span>' for f in flags)
            + f'<span class="cx-statement">{_e(claim.statement)}</span> '
            f'<span class="cx-flag" title="model score">{claim.score:.2f}</span>'
            f'<div class="cx-roles">{roles}</div></li>')
    return f'<ol class="cx-claims">{"".join(items)}</ol>'


def _article(result: Result, number: int) -> str:
    counts = f"{len(result.claims)} claims · {len(result.entities)} entities · {len(result.abbreviations)} abbreviations"
    rid = _e(str(result.id)) if result.id is not None else "(no id)"
    if result.text:
        body = f'<div class="cx-text">{_nest(result.text, _marks(result), 0, len(result.text))}</div>'
    else:  # read back from a results file: the contract holds no text
        body = ('<p class="cx-none">document text not available: give the input with <code>claimx show INPUT '
                "--results</code> to see it marked</p>")
    return (f'<article class="cx-doc" data-id="{rid}" id="doc-{number}"><h2>{rid} <small>{counts}</small></h2>'
            f"{body}{_claims_list(result)}</article>")


def _legend() -> str:
    parts = [f'<span style="background:{c}">{label}</span>' for label, c in ENTITY_COLORS.items()]
    parts += [f'<span style="border-bottom:3px solid {c}">{label}</span>' for label, c in ROLE_COLORS.items()]
    parts += [f'<span style="background:{c}">{label} claim</span>' for label, c in CLAIM_COLORS.items()]
    return f'<div class="cx-legend">{"".join(parts)}</div>'


def render_html(results: Iterable[Result | RecordError] | Result, *, title: str = "claimx", page: bool = True) -> str:
    """An HTML view of `results` (RecordErrors listed at the end); a full page, or a fragment with `page=False`."""
    if not isinstance(results, Iterable):  # one Result
        results = [results]
    articles, index, errors = [], [], []
    for item in results:
        if isinstance(item, RecordError):
            where = ", ".join(x for x in (item.file, f"line {item.line}" if item.line is not None else "",
                                          f"id {item.id}" if item.id is not None else "") if x)
            errors.append(f"<li>{_e(where) + ': ' if where else ''}{_e(item.error)}</li>")
        else:
            articles.append(_article(item, len(articles) + 1))
            types = Counter(c.type for c in item.claims)
            index.append(f'<li><a href="#doc-{len(articles)}">{_e(str(item.id))}</a> '
                         + (", ".join(f"{n} {_e(t)}" for t, n in types.most_common()) or "no claims") + "</li>")
    failed = f'<section class="cx-errors"><h2>Not shown</h2><ul>{"".join(errors)}</ul></section>' if errors else ""
    nav = (f'<details class="cx-index"><summary>{len(articles)} abstracts</summary><ol>{"".join(index)}</ol></details>'
           if len(articles) > 1 else "")
    body = (f'<div class="cx"><style>{_CSS}</style><header><h1>{html.escape(title)}</h1>'
            f"{_legend()}{nav}</header>{''.join(articles)}{failed}</div>")
    if not page:
        return body
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>{body}</body></html>')


def misplaced(result: Result) -> str | None:
    """The first span of `result` whose `text` is not the slice of `result.text` it points at, described."""
    spans = [("claim", c) for c in result.claims] + [("role", r) for c in result.claims for r in c.roles]
    for kind, span in spans + [("entity", e) for e in result.entities]:
        if result.text[span.start:span.end] != span.text:
            return f"{kind} {span.start}-{span.end} is {span.text[:40]!r} in the result"
    return None
