"""Scoring the claim component: MechClaims dev (`scoring.score_claims`, the metrics of the shared
score_claims.py), key-claim sentence F1 on the claim-sentence corpus, 4-way causal-language macro-F1, and
agreement between two annotators. Predictions come from a `claimx.models.predictor.Predictor`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from .scoring import prf, score_claims

if TYPE_CHECKING:
    from ..corpora.claim_sources import ClaimDoc
    from ..extractor import Extractor
    from ..models.predictor import Predictor

__all__ = ["CAUSAL_CLASSES", "CONTEXT", "agreement", "alone_and_in_context", "causal_class", "evaluate_causal",
           "evaluate_key_claims", "evaluate_mechclaims", "flag_f1", "key_claim_f1", "predictions_as_output", "same_alone",
           "score_mechclaims", "sentences_alone"]

CAUSAL_CLASSES = ("none", "direct causal", "conditional causal", "correlational")


def key_claim_f1(gold: Sequence[dict], pred: Sequence[dict]) -> dict[str, float]:
    c = Counter()
    preds = {str(p["id"]): {(x["start"], x["end"]) for x in p["claims"] if x.get("key")} for p in pred}
    for g in gold:
        gk = {(x["start"], x["end"]) for x in g["claims"] if x.get("key")}
        pk = preds.get(str(g["id"]), set())
        c["tp"] += len(gk & pk)
        c["fp"] += len(pk - gk)
        c["fn"] += len(gk - pk)
    return prf(c["tp"], c["fp"], c["fn"])


def flag_f1(gold: Sequence[dict], pred: Sequence[dict], flag: str) -> dict[str, float]:
    """P/R/F1 of the positive class of ``flag`` (``"negated"``, or ``"hedged"`` for certainty) on the claims
    found in both (same sentence offsets): unlike accuracy, a head that never says it scores 0, not ~0.93."""
    def positive(claim: dict) -> bool:
        return claim.get("certainty") == "hedged" if flag == "hedged" else bool(claim.get(flag))

    c = Counter()
    preds = {str(p["id"]): {(x["start"], x["end"]): x for x in p["claims"]} for p in pred}
    for g in gold:
        mine = preds.get(str(g["id"]), {})
        for x in g["claims"]:
            y = mine.get((x["start"], x["end"]))
            if y is not None:
                c["tp"] += positive(x) and positive(y)
                c["fp"] += positive(y) and not positive(x)
                c["fn"] += positive(x) and not positive(y)
    return prf(c["tp"], c["fp"], c["fn"])


#: What `alone_and_in_context` puts before each sentence: two methods sentences of a short abstract.
CONTEXT = "We studied adult outpatients at two hospitals. Outcomes were assessed after 12 weeks. "

ClaimReading = tuple[str, str, bool] | None  # (type, certainty, negated) of the claim, or None: no claim


def alone_and_in_context(extractor: Extractor, sentences: Sequence[str], context: str = CONTEXT
                         ) -> tuple[list[ClaimReading], list[ClaimReading]]:
    """What an Extractor says of each sentence given alone (`ex("...")`) and placed after ``context``:
    ``(type, certainty, negated)`` of the claim starting at the sentence, or None."""
    def reading(result, start: int) -> ClaimReading:
        claim = next((c for c in result.claims if c.start == start), None)
        return None if claim is None else (claim.type, claim.certainty, claim.negated)

    alone = [reading(r, 0) for r in extractor.pipe(list(sentences))]
    inside = [reading(r, len(context)) for r in extractor.pipe([context + s for s in sentences])]
    return alone, inside


def sentences_alone(docs: Sequence[dict]) -> list[dict]:
    """Each sentence of gold MechClaims ``docs`` as a one-sentence document (id ``<doc id>#<k>``; the gold span is
    its one sentence, where ``ex("...")`` would split the text itself), with the gold claim of that sentence and its
    roles, offsets moved; key dropped (it is a notion of the abstract). A claim must lie in one sentence."""
    out = []
    for d in docs:
        for k, (s, e) in enumerate(d["sentences"]):
            claims = [{**c, "start": c["start"] - s, "end": c["end"] - s, "key": False,
                       "roles": [{**r, "start": r["start"] - s, "end": r["end"] - s} for r in c["roles"]]}
                      for c in d["claims"] if s <= c["start"] and c["end"] <= e]
            out.append({"id": f"{d['id']}#{k}", "text": d["text"][s:e], "sentences": [[0, e - s]], "claims": claims})
        if sum(len(x["claims"]) for x in out[-len(d["sentences"]):]) != len(d["claims"]):
            raise ValueError(f"{d['id']}: a claim crosses a sentence boundary")
    return out


def same_alone(docs: Sequence[dict], in_abstract: Sequence[dict], alone: Sequence[dict]) -> dict[str, int]:
    """How many sentences of ``docs`` get the same reading (no claim, or its type, certainty and negation) from the
    predictions ``alone`` (one per sentence, as `sentences_alone` orders them) as from ``in_abstract`` (per doc)."""
    def reading(claims: Sequence[dict], start: int) -> ClaimReading:
        c = next((c for c in claims if c["start"] == start), None)
        return None if c is None else (c["type"], c["certainty"], c["negated"])

    inside, names = [], []
    for d, p in zip(docs, in_abstract, strict=True):
        if p["id"] != d["id"]:
            raise ValueError(f"predictions out of order: {p['id']} where {d['id']} was expected")
        inside += [reading(p["claims"], s) for s, _ in d["sentences"]]
        names += [f"{d['id']}#{k}" for k in range(len(d["sentences"]))]
    if [p["id"] for p in alone] != names:
        raise ValueError("the predictions alone are not one per sentence, in `sentences_alone` order")
    pairs = list(zip(inside, (reading(p["claims"], 0) for p in alone)))
    return {"sentences": len(pairs), "same": sum(a == b for a, b in pairs),
            "claim_in_abstract_only": sum(a is not None and b is None for a, b in pairs),
            "claim_alone_only": sum(a is None and b is not None for a, b in pairs)}


def predictions_as_output(predictor: Predictor, docs: Sequence[dict], **thresholds: float) -> list[dict]:
    """Run the model on gold documents' texts and sentences; claimx output records (claims only), decoded as
    the pipeline decodes them, with the abbreviations scispaCy finds in each text.
    ``thresholds``: ``claim_threshold`` / ``key_threshold`` other than the model's."""
    from ..pipeline import build_base_nlp
    from ..pipeline.abbreviations import abbreviation_mentions
    from ..pipeline.claims import decode_claims

    settings = predictor.model.claims
    kw = {"claim_threshold": settings.claim_threshold, "key_threshold": settings.key_threshold, **thresholds}
    preds = predictor.predict([(d["text"], [tuple(s) for s in d["sentences"]]) for d in docs])
    abbrs = [abbreviation_mentions(doc) for doc in build_base_nlp().pipe(d["text"] for d in docs)]
    return [{"id": d["id"], "claims": [asdict(c) for c in decode_claims(d["text"], p.sentences, p.roles, a, **kw)]}
            for d, p, a in zip(docs, preds, abbrs)]


def score_mechclaims(gold: Sequence[dict], pred: Sequence[dict]) -> dict[str, Any]:
    """score_claims.py metrics plus key-claim F1 and the negated- and hedged-class F1."""
    out = score_claims(gold, pred)
    out["key_sentence"] = key_claim_f1(gold, pred)
    out["negated_class"] = flag_f1(gold, pred, "negated")
    out["hedged_class"] = flag_f1(gold, pred, "hedged")
    return out


def evaluate_mechclaims(predictor: Predictor, docs: Sequence[dict]) -> dict[str, Any]:
    """`score_mechclaims` of the model's predictions on MechClaims documents (``load_mechclaims``)."""
    return score_mechclaims(docs, predictions_as_output(predictor, docs))


def evaluate_key_claims(predictor: Predictor, docs: Sequence[ClaimDoc], thresholds: Sequence[float] = ()) -> dict[str, Any]:
    """Key-claim sentence F1 on claim-sentence documents (``claim_sources.load_claim_sentences``), at the
    model's key threshold (and at each of ``thresholds``, for information)."""
    preds = predictor.predict([(d.text, d.sentences) for d in docs])
    gold, score = [], []
    for d, p in zip(docs, preds):
        for k, sp in zip(d.key, p.sentences):
            if k is not None:
                gold.append(k)
                score.append(sp.key)
    gold_a, score_a = np.asarray(gold), np.asarray(score)

    def at(t: float) -> dict[str, float]:
        yes = score_a >= t
        return prf(int((yes & (gold_a == 1)).sum()), int((yes & (gold_a == 0)).sum()), int((~yes & (gold_a == 1)).sum()))

    threshold = predictor.model.claims.key_threshold
    out = {"threshold": threshold, **at(threshold), "sentences": len(gold)}
    if thresholds:
        out["sweep"] = {f"{t:.2f}": at(t)["f1"] for t in thresholds}
    return out


def causal_class(types: np.ndarray, hedged: float) -> int:
    """Yu et al.'s 4 classes from the type probabilities (TYPE_CLASSES order) and P(hedged)."""
    none, mech, causal, corr, desc = (float(x) for x in types)
    scores = [none + desc, (mech + causal) * (1 - hedged), (mech + causal) * hedged, corr]
    return int(np.argmax(scores))


def evaluate_causal(predictor: Predictor, docs: Sequence[ClaimDoc]) -> dict[str, Any]:
    """Macro-F1 over Yu et al.'s 4 classes on standalone sentences (``load_causal``)."""
    preds = predictor.predict([(d.text, d.sentences) for d in docs])
    gold = [d.meta["label"] for d in docs]
    pred = [causal_class(p.sentences[0].types, p.sentences[0].hedged) for p in preds]
    return causal_scores(gold, pred)


def causal_scores(gold: Sequence[int], pred: Sequence[int]) -> dict[str, Any]:
    per = {}
    for c, name in enumerate(CAUSAL_CLASSES):
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        per[name] = prf(tp, fp, fn)
    confusion = Counter(f"{CAUSAL_CLASSES[g]}->{CAUSAL_CLASSES[p]}" for g, p in zip(gold, pred))
    return {"macro_f1": round(float(np.mean([v["f1"] for v in per.values()])), 4),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)), 4),
            "per_class": per, "confusion": dict(sorted(confusion.items())), "sentences": len(gold)}


def agreement(pairs: Sequence[tuple[dict, dict]]) -> dict[str, Any]:
    """Agreement of two annotators on the same documents (stand-off records with the same sentences):
    score_claims.py's metrics with the first annotator as reference (claim-sentence F1 and role
    F1 are symmetric), key-claim F1, and Cohen's kappa of the 5-way label (none + 4 types)."""
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    out = score_claims(first, second)
    out["key_sentence"] = key_claim_f1(first, second)
    la, lb = [], []
    for a, b in pairs:
        ta = {c["start"]: c["type"] for c in a["claims"]}
        tb = {c["start"]: c["type"] for c in b["claims"]}
        for s, _ in a["sentences"]:
            la.append(ta.get(s, "none"))
            lb.append(tb.get(s, "none"))
    po = sum(x == y for x, y in zip(la, lb)) / max(1, len(la))
    ca, cb = Counter(la), Counter(lb)
    pe = sum(ca[k] * cb[k] for k in ca) / max(1, len(la)) ** 2
    out["label5_kappa"] = round((po - pe) / (1 - pe), 4) if pe < 1 else 1.0
    out["label5_agreement"] = round(po, 4)
    out["sentences"] = len(la)
    return out
