"""From the claim component's probabilities to the output contract's claims.

A sentence is a claim when P(claim) = 1 - P(none) reaches the model's ``claim_threshold``; its
type is the most probable of the four claim types; ``key`` needs P(key) >= ``key_threshold``.
Roles are the AGENT / MECHANISM / EFFECT spans decoded inside the sentence; a role that ends with the
short form of its own definition ("chronic stress pathology (CSP)") ends before it, as the guideline's
shortest noun phrase does ("chronic stress pathology"). ``statement`` and a
role's ``expanded`` spell out abbreviations defined in the document (and drop the parenthesised
short form right after its definition: "chronic stress pathology (CSP)" → "chronic stress pathology").
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from ..results import RELATIONAL_TYPES, Claim, Role

__all__ = ["AbbreviationMention", "decode_claims", "expand", "trim_definition"]

AbbreviationMention = tuple[int, int, str]  # (start, end, long form) of a short form in the text


def expand(text: str, start: int, end: int, abbreviations: Sequence[AbbreviationMention]) -> str:
    """``text[start:end]`` with each short form inside it replaced by its long form."""
    out, pos = [], start
    for s, e, long in sorted(abbreviations):
        if s < pos or e > end:
            continue
        before = text[start:s].rstrip()
        if before.endswith("(") and text[e:e + 1] == ")" and before[:-1].rstrip().lower().endswith(long.lower()):
            cut = start + len(before) - 1  # the definition "long (SHORT)": drop " (SHORT)"
            while cut > pos and text[cut - 1].isspace():
                cut -= 1
            out.append(text[pos:cut])
            pos = e + 1
            continue
        out.append(text[pos:s])
        out.append(long)
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def trim_definition(text: str, start: int, end: int, abbreviations: Sequence[AbbreviationMention]) -> int:
    """The end of role ``text[start:end]`` without a closing " (SHORT)" that defines an abbreviation of the words
    before it ("chronic stress pathology (CSP)" ends after "pathology"); ``end`` when it has none."""
    if text[end - 1:end] != ")":
        return end
    for s, e, long in abbreviations:
        if e == end - 1 and s > start:
            before = text[start:s].rstrip()
            if before.endswith("(") and before[:-1].rstrip().lower().endswith(long.lower()):
                return start + len(before[:-1].rstrip())
    return end


def decode_claims(text: str, sentences, roles, abbreviations: Sequence[AbbreviationMention], *,
                  claim_threshold: float = 0.5, key_threshold: float = 0.5) -> list[Claim]:
    """Claims of one document from ``SentencePrediction``s and decoded role spans ``(start, end, label, score)``."""
    roles = sorted(roles)
    role_starts = [r[0] for r in roles]
    abbreviations = sorted(abbreviations)
    abbr_starts = [a[0] for a in abbreviations]

    def within(items, starts, s, e):  # items starting in [s, e) and ending by e: no scan of the whole document
        out = []
        for i in range(bisect_left(starts, s), bisect_left(starts, e)):
            if items[i][1] <= e:
                out.append(items[i])
        return out

    claims = []
    for sp in sentences:
        score = sp.claim
        if score < claim_threshold:
            continue
        s, e = sp.start, sp.end
        ctype = sp.type
        inside = within(roles, role_starts, s, e) if ctype in RELATIONAL_TYPES else []
        abbrs = within(abbreviations, abbr_starts, s, e)
        spans = [(rs, trim_definition(text, rs, re, abbrs), label) for rs, re, label, _ in inside]
        claims.append(Claim(
            start=s, end=e, text=text[s:e], statement=expand(text, s, e, abbrs), type=ctype,
            certainty="hedged" if sp.hedged >= 0.5 else "asserted", negated=sp.negated >= 0.5,
            key=sp.key >= key_threshold, score=round(score, 4),
            roles=[Role(label, rs, re, text[rs:re], expand(text, rs, re, abbrs)) for rs, re, label in spans],
        ))
    return claims
