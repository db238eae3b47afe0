"""Mention strings folded to lookup keys, and composite mentions split into their parts.

    normalize("Heparin-induced Thrombocytopenias")  -> "heparin induced thrombocytopenia"
    normalize("Anemia, Hemolytic") == normalize("hemolytic anemia")   (word order is ignored)
    normalize("TNF-α") == normalize("TNF alpha")                      -> "alpha tnf"

Folding: Unicode compatibility forms, case, Greek letters spelled out, a possessive "'s" dropped, every
other non-alphanumeric character a word break, letters and digits split ("IL6" -> "il 6"), British spellings
in American form ("anaemia", "oedema", "tumour" -> "anemia", "edema", "tumor", as MeSH writes them), roman numerals
I-IV as digits ("type II" -> "type 2"), a plural "s" dropped ("seizures" -> "seizure"), a few function words
dropped ("cancer of the breast" -> "breast cancer"), then the words sorted, so MeSH's inverted names
("Anemia, Hemolytic") meet running text. Both sides of every lookup go through the same function.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize", "split_composite"]

_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
          "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi",
          "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi",
          "ω": "omega"}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_FUNCTION_WORDS = {"a", "an", "the", "of", "in", "on", "for", "to", "with", "by", "from"}
_NOT_PLURAL = ("ss", "us", "is", "os", "ys")  # pertussis, virus, arthritis, ...
_WORDS = re.compile(r"[^\W_]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_POSSESSIVE = re.compile(r"['\u2019]s\b")
# British -> American spelling, inside a word: haem-, -aemia, oedema, oesophagus, oestrogen, foetal, paediatric,
# caesarean, anaesthesia, aetiology, diarrhoea, sulphate, behaviour / tumour / odour / vapour, -isation
_BRITISH = [(re.compile(a), b) for a, b in (
    (r"haem", "hem"), (r"aemi", "emi"), (r"^oed", "ed"), (r"^oes", "es"), (r"^foet", "fet"), (r"paed", "ped"),
    (r"caes", "ces"), (r"anaes", "anes"), (r"^aetiol", "etiol"), (r"rrhoea", "rrhea"), (r"sulph", "sulf"),
    (r"(?<=[ilmbdpv])our$", "or"), (r"isation$", "ization"))]


def _word(w: str) -> str:
    w = _ROMAN.get(w, w)
    if len(w) > 3 and w.endswith("s") and not w.endswith(_NOT_PLURAL) and not w[-2].isdigit():
        w = w[:-3] + "y" if w.endswith("ies") and len(w) > 4 else w[:-1]
    for pattern, american in _BRITISH:  # after the plural: "tumours" -> "tumour" -> "tumor"
        w = pattern.sub(american, w)
    return w


@lru_cache(maxsize=100_000)
def normalize(text: str) -> str:
    """The lookup key of a mention or concept name; "" when nothing alphanumeric is left."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(f" {_GREEK[c]} " if c in _GREEK else c for c in text)
    text = _LETTER_DIGIT.sub(" ", _POSSESSIVE.sub("", text))
    words = [_word(w) for w in _WORDS.findall(text)]
    kept = [w for w in words if w not in _FUNCTION_WORDS] or words
    return " ".join(sorted(kept))


_CONJUNCTION = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+(?:and|or|and/or)\s+|\s*/\s*)", re.IGNORECASE)


def split_composite(text: str) -> list[str]:
    """The parts of a coordinated mention, each completed with the shared head words:
    "breast and ovarian cancer" -> ["breast cancer", "ovarian cancer"]; "renal or hepatic failure" ->
    ["renal failure", "hepatic failure"]. A mention with no coordination gives [] (so does one whose parts
    cannot be completed: "breast, ovarian" has no head)."""
    parts = [p.strip() for p in _CONJUNCTION.split(text.strip()) if p.strip()]
    if len(parts) < 2:
        return []
    last = parts[-1].split()
    if len(last) < 2:
        return []
    head = " ".join(last[1:])  # "ovarian cancer" -> "cancer"
    return [p if len(p.split()) > 1 else f"{p} {head}" for p in parts[:-1]] + [parts[-1]]
