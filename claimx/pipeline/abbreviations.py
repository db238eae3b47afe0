"""Abbreviations: scispaCy's AbbreviationDetector with a bounded parenthesis matcher.

scispaCy matches `( <one or more tokens> )` and only afterwards drops matches longer than 8
tokens; on a long text with many parentheses that is quadratic in time and memory (every "(" pairs
with every later ")"). `claimx_abbreviation_detector` asks the matcher for at most 8 tokens
between the brackets, which yields exactly the candidates scispaCy keeps, in linear time.
"""

from __future__ import annotations

from scispacy.abbreviation import AbbreviationDetector
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

__all__ = ["BoundedAbbreviationDetector", "abbreviation_mentions"]

#: scispaCy's `filter_matches` ignores longer parentheticals.
MAX_INNER_TOKENS = 8


class BoundedAbbreviationDetector(AbbreviationDetector):
    """Sets `doc._.abbreviations` (short-form spans with `._.long_form`), like scispaCy's detector."""

    def __init__(self, nlp: Language, name: str = "claimx_abbreviation_detector", make_serializable: bool = False) -> None:
        super().__init__(nlp, name=name, make_serializable=make_serializable)
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": f"{{1,{MAX_INNER_TOKENS}}}"}, {"ORTH": ")"}]])


@Language.factory("claimx_abbreviation_detector", default_config={"make_serializable": False})
def make_abbreviation_detector(nlp: Language, name: str, make_serializable: bool) -> BoundedAbbreviationDetector:
    return BoundedAbbreviationDetector(nlp, name=name, make_serializable=make_serializable)


def abbreviation_mentions(doc: Doc) -> list[tuple[int, int, str]]:
    """``(start, end, long form)`` of each short form the detector found in ``doc`` (none without a detector)."""
    found = doc._.abbreviations if doc.has_extension("abbreviations") else []
    return [(a.start_char, a.end_char, a._.long_form.text) for a in found]
