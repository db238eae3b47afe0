"""The claim scorer of claimx: gold claim annotations against claimx output, per document id.

This is the package's own copy of ``score_claims.py`` of the shared tools (``../shared/tools``), which
is not installed with the package; it returns exactly the reference's ``score`` dict (same keys, same
rounding to 4 decimals, same greedy matching), so numbers from the two are interchangeable.

What is scored (gold format of docs/claims-guideline.md; predictions are claimx output records)::

    gold: {"id", "sentences": [[start, end], ...],
           "claims": [{"start", "end", "type", "certainty", "negated", "roles": [{"label", "start", "end"}]}]}
    pred: {"id", "claims": [{"start", "end", "type", "certainty", "negated", "roles": [...]}]}

* Sentences. Every claim (gold or predicted) is assigned to the gold sentence it overlaps most (the
  first such sentence on a tie; none if it overlaps no sentence). A sentence is a gold claim when a
  gold claim is assigned to it (the last one wins if several are) and a predicted claim when at least
  one predicted claim is. ``claim_sentence`` is P/R/F1 over sentences; ``mechanistic_sentence`` the
  same for "the sentence holds a mechanistic claim" (any of its predicted claims may be mechanistic).
* On sentences that are both (matched), the gold claim is compared with the first predicted claim
  assigned there: type, certainty and negation accuracy, and the ``type_confusion`` counts
  ``"gold->pred"``.
* Roles, pooled over the documents and independent of sentences: ``roles_exact`` is P/R/F1 over the
  sets of ``(label, start, end)``; ``roles_partial_f1`` gives each gold role the best character-overlap
  Dice of a still-unused predicted role of the same label (greedy, see below) and is the F1 of
  credit/predicted and credit/gold.
* A gold document missing from the predictions predicts nothing; predictions for documents not in
  the gold are ignored. ``documents`` is the number of distinct gold ids.

Greedy order. As in the reference, the partial-role pass takes the gold roles in the iteration order
of ``set(gold_roles)`` and, for each, the first best predicted role in ``sorted(...)`` order. When two
gold roles of one label compete for the same predicted role, the result depends on that order, and
set order of ``(str, int, int)`` tuples depends on string hashing (``PYTHONHASHSEED``): the
reference's ``roles_partial_f1`` can differ between two processes on the same input. This module
builds and iterates the set exactly as the reference does, so within one process the two always
agree (and both are deterministic under a fixed ``PYTHONHASHSEED``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["prf", "score_claims"]

Span = tuple[int, int]
RoleKey = tuple[str, int, int]


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (each rounded to 4 decimals, 0.0 when undefined) with the counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "fp": fp, "fn": fn}


def _overlap(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of characters shared by the half-open spans ``a`` and ``b``."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _assign(sentences: Sequence[Span], span: Span) -> int | None:
    """Index of the sentence ``span`` overlaps most (first one on a tie), or None if it overlaps none."""
    best, best_ov = None, 0
    for i, s in enumerate(sentences):
        ov = _overlap(s, span)
        if ov > best_ov:
            best, best_ov = i, ov
    return best


def _roles(claims: Sequence[Mapping[str, Any]]) -> list[RoleKey]:
    return [(r["label"], r["start"], r["end"]) for c in claims for r in c.get("roles", [])]


def _partial_credit(gold: set[RoleKey], pred: set[RoleKey], credit: float) -> float:
    """``credit`` plus the greedy Dice credit of one document's roles, each predicted role used once.

    Gold roles are taken in ``gold``'s own iteration order (the reference's; see the module docstring),
    predicted ones in sorted order, the first best kept; the running float sum is continued from
    ``credit`` so that it adds up in the reference's order.
    """
    candidates = sorted(pred)
    used: set[int] = set()
    for label, start, end in gold:
        best, best_j = 0.0, None
        for j, (p_label, p_start, p_end) in enumerate(candidates):
            if p_label != label or j in used:
                continue
            ov = _overlap((start, end), (p_start, p_end))
            if ov:
                dice = 2 * ov / ((end - start) + (p_end - p_start))
                if dice > best:
                    best, best_j = dice, j
        if best_j is not None:
            used.add(best_j)
            credit += best
    return credit


def _score(gold_docs: Mapping[str, Mapping[str, Any]], pred_docs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The reference ``score``: gold and predicted documents keyed by document id."""
    c: Counter[str] = Counter()
    type_conf: Counter[tuple[Any, Any]] = Counter()
    role_exact: Counter[str] = Counter()
    credit, n_gold_roles, n_pred_roles = 0.0, 0, 0
    for did, g in gold_docs.items():
        sents = [tuple(s) for s in g["sentences"]]
        gold_by_sent: dict[int | None, Mapping[str, Any]] = {}
        for gc in g["claims"]:
            gold_by_sent[_assign(sents, (gc["start"], gc["end"]))] = gc
        p = pred_docs.get(did, {"claims": []})
        pred_claims = p.get("claims", [])
        pred_by_sent: dict[int, list[Mapping[str, Any]]] = {}
        for pc in pred_claims:
            i = _assign(sents, (pc["start"], pc["end"]))
            if i is not None:
                pred_by_sent.setdefault(i, []).append(pc)
        for i in range(len(sents)):
            gc, pcs = gold_by_sent.get(i), pred_by_sent.get(i, [])
            gt, pt = gc is not None, bool(pcs)
            c["claim_tp"] += gt and pt
            c["claim_fp"] += (not gt) and pt
            c["claim_fn"] += gt and not pt
            gm = gt and gc["type"] == "mechanistic"
            pm = any(x.get("type") == "mechanistic" for x in pcs)
            c["mech_tp"] += gm and pm
            c["mech_fp"] += (not gm) and pm
            c["mech_fn"] += gm and not pm
            if gt and pt:
                first = pcs[0]
                type_conf[(gc["type"], first.get("type"))] += 1
                c["matched"] += 1
                c["type_ok"] += gc["type"] == first.get("type")
                c["cert_ok"] += gc["certainty"] == first.get("certainty")
                c["neg_ok"] += bool(gc["negated"]) == bool(first.get("negated"))
        # Built exactly as the reference builds them: the set's iteration order drives the greedy pass.
        gs, ps = set(_roles(g["claims"])), set(_roles(pred_claims))
        role_exact["tp"] += len(gs & ps)
        role_exact["fp"] += len(ps - gs)
        role_exact["fn"] += len(gs - ps)
        credit = _partial_credit(gs, ps, credit)
        n_gold_roles += len(gs)
        n_pred_roles += len(ps)
    m = max(c["matched"], 1)
    pp = credit / n_pred_roles if n_pred_roles else 0.0
    pr = credit / n_gold_roles if n_gold_roles else 0.0
    return {
        "documents": len(gold_docs),
        "claim_sentence": prf(c["claim_tp"], c["claim_fp"], c["claim_fn"]),
        "mechanistic_sentence": prf(c["mech_tp"], c["mech_fp"], c["mech_fn"]),
        "type_accuracy_on_matched": round(c["type_ok"] / m, 4),
        "certainty_accuracy_on_matched": round(c["cert_ok"] / m, 4),
        "negation_accuracy_on_matched": round(c["neg_ok"] / m, 4),
        "roles_exact": prf(role_exact["tp"], role_exact["fp"], role_exact["fn"]),
        "roles_partial_f1": round(2 * pp * pr / (pp + pr), 4) if pp + pr else 0.0,
        # Sorted on the (gold, pred) pairs as the reference does (a pred type of None next to a
        # string type for the same gold type raises TypeError there too).
        "type_confusion": {f"{a}->{b}": n for (a, b), n in sorted(type_conf.items())},
    }


def score_claims(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Score claimx output records ``pred`` against gold documents ``gold``, matched by ``str(id)``.

    Returns score_claims.py's dict: ``documents``, ``claim_sentence`` and ``mechanistic_sentence``
    (``prf`` dicts), ``type_/certainty_/negation_accuracy_on_matched``, ``roles_exact`` (``prf``),
    ``roles_partial_f1`` and ``type_confusion`` (``{"gold->pred": count}``). With duplicate ids the
    last document of each id counts.
    """
    return _score({str(d["id"]): d for d in gold}, {str(d["id"]): d for d in pred})
