"""Concept keys: fold a role's text to the form under which the same concept is merged across abstracts.

    concept_key("Ketamine treatment", "AGENT")  -> "ketamine"
    concept_key("the NMDA receptors")           -> "nmda receptor"
    concept_key("restoring synaptic connections") == concept_key("restores synaptic connection")

Start from the role's `expanded` text (abbreviations defined in its abstract spelled out); then fold
Unicode compatibility forms, case, dashes and quotes, surrounding punctuation, leading determiners,
exposure wrappers ("treatment with X", "X administration"; for an AGENT also "X treatment", "use of X"
and "X use", which name other things elsewhere: "cocaine use" as an EFFECT is not cocaine) and
inflection (lemminflect's lexicon: "receptors" -> "receptor", "mice" -> "mouse", "restoring" ->
"restore"; unknown plurals: "cytokines", "kinases", "beta-blockers"; acronyms are kept: "AIDS" is not
"aid", "MMPs" is "mmp"). Synonyms that share no words ("acetaminophen" / "paracetamol") are merged only
through the concept linker: `role_concept` gives a role the MeSH concept of the DRUG / DISORDER entity it
names, and the graph and the report then merge by that concept's id (text folding stays the fallback).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from typing import TYPE_CHECKING

from lemminflect import getAllLemmas, getLemma

if TYPE_CHECKING:
    from ..results import Concept, Result, Role

__all__ = ["concept_key", "display_name", "role_concept"]

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"}
                        | {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_EDGE = ".,;:!?\"'*"
_LEADING = {"a", "an", "the", "this", "these", "that", "those", "its", "their", "his", "her", "our", "such"}
_WRAPPERS_BEFORE = (("treatment", "with"), ("administration", "of"), ("exposure", "to"), ("application", "of"),
                    ("injection", "of"), ("infusion", "of"))
_WRAPPERS_AFTER = {"administration", "exposure", "injection", "infusion"}
# only for what acts (AGENT): "lithium treatment" is lithium, but "cancer treatment" or "cocaine use" as an
# EFFECT are not cancer or cocaine
_AGENT_BEFORE = (("use", "of"),)
_AGENT_AFTER = {"treatment", "use"}  # not "therapy": "gene therapy" is not "gene"
_KEEP = ("is", "us", "ss", "ys", "os")  # endings of unknown words that are not plurals (pertussis, virus)
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "kappa", "lambda", "sigma", "omega"}
_ACRONYM_PLURAL = re.compile(r".*[A-Z0-9]s$")  # MMPs, SSRIs, miRNAs (not AIDS)


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    """One token folded: case, then inflection of its last hyphen part ("beta-blockers", "ACE-inhibitors");
    an acronym part (AIDS, IS) is only lower-cased and loses a plural "s" (MMPs, miRNAs, GTPases)."""
    head, _, last = word.rpartition("-")
    head = head.lower() + "-" if head else ""
    if sum(c.isupper() for c in last) >= 2:
        if last.endswith("ases") or _ACRONYM_PLURAL.match(last):
            last = last[:-1]
        return head + last.lower()
    return head + _lemma(last.lower(), ("NOUN",) if head else ("NOUN", "VERB", "ADJ"))


def _lemma(word: str, readings: tuple[str, ...] = ("NOUN", "VERB", "ADJ")) -> str:
    """The lemma of a lower-case word, in the first of `readings` it has ("levels" -> "level", "signaling" stays);
    after a hyphen only nouns are folded ("ketamine-induced" stays)."""
    if not word.isalpha():
        return word
    lemmas = getAllLemmas(word)
    for upos in readings:
        if upos in lemmas:
            return lemmas[upos][0]
    if lemmas or len(word) < 5 or not word.endswith("s") or word.endswith(_KEEP):
        return word
    if word.endswith("ases"):  # enzymes: kinases, proteases, synthases
        return word[:-1]
    return getLemma(word, "NOUN", lemmatize_oov=True)[0]  # unknown plural: "cytokines" -> "cytokine"


def _clean(token: str) -> str:
    """A token without surrounding punctuation, keeping balanced brackets: "(R)-alpha" stays whole."""
    token = token.strip(_EDGE)
    for left, right in ("()", "[]"):
        if token.startswith(left) and token.count(left) > token.count(right):
            token = token[1:]
        if token.endswith(right) and token.count(right) > token.count(left):
            token = token[:-1]
    return token.strip(_EDGE)


def concept_key(text: str, role: str | None = None) -> str:
    """The merge key of a role text (`role`: its label, AGENT / MECHANISM / EFFECT, when known); "" when
    nothing but punctuation and determiners is left."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = "".join(c if c.isprintable() else " " for c in text)
    words = [w for w in map(_clean, text.split()) if w]
    while words and words[0].lower() in _LEADING and not (words[0] == "A" and len(words) > 1 and words[1].lower() in _GREEK):
        words = words[1:]  # "the receptor", but "A beta" (amyloid beta) stays
    words = [_fold(w) for w in words]
    agent = role == "AGENT"
    for first, second in _WRAPPERS_BEFORE + (_AGENT_BEFORE if agent else ()):
        if len(words) > 2 and words[0] == first and words[1] == second:
            words = words[2:]
            break
    if len(words) > 1 and words[-1] in (_WRAPPERS_AFTER | _AGENT_AFTER if agent else _WRAPPERS_AFTER):
        words = words[:-1]
    return " ".join(words)


def display_name(forms: Counter[str]) -> str:
    """The name to show for a concept: its most frequent form, the shortest on a tie."""
    return min(forms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]


def role_concept(result: Result, role: Role) -> Concept | None:
    """The concept of the linked entity a role names: the entity spanning exactly the role, else one inside the
    role whose folded text is the role's ("Ketamine treatment" as an AGENT is the entity "Ketamine"); None when
    no linked entity fits (the role then merges by its folded text)."""
    inside = [e for e in result.entities if e.concept is not None and role.start <= e.start and e.end <= role.end]
    for e in inside:
        if (e.start, e.end) == (role.start, role.end):
            return e.concept
    if inside:
        key = concept_key(role.expanded, role.label)
        for e in inside:
            if concept_key(e.text, role.label) == key:
                return e.concept
    return None
