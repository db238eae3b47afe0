"""Sentence splitting for claimx's spaCy pipeline.

Registers the ``claimx_sentencizer`` component: a rule-based splitter tuned for
biomedical abstracts tokenized with scispaCy's ``combined_rule_tokenizer``.
Compared with spaCy's ``sentencizer`` it

* splits after words the tokenizer glued a final period to ("5 nM. The",
  "NF-kappa B. We"), which the plain sentencizer misses;
* does not split after common abbreviations ("e.g.", "i.e.", "et al.", "vs.",
  "Fig.", "approx.", "ref.", "no." ...), glued to their period or not;
* does not split when the next word is a plain lower-case word ("E. coli",
  "approx. of"), or when a comma, semicolon or other symbol follows the period;
* does not split inside matched brackets ("(Doe, J. A. Mol. Biol. 5, 1990)"),
  inside dotted words ("p.Val12Ile", "Proc.Natl.Acad"), or between initials;
* keeps bare enumerators ("1 . The ...", "2. The ...") with the sentence they
  number;
* forces a break after blank lines and at the character offsets listed in
  ``doc.user_data["claimx_breaks"]`` (e.g. title/abstract or section starts).

Whitespace tokens are attached to the end of the preceding sentence, so every
sentence but possibly the first starts on a non-whitespace token.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

__all__ = [
    "BREAKS_KEY",
    "DEFAULT_ABBREVIATIONS",
    "DEFAULT_PUNCT_CHARS",
    "ClaimxSentencizer",
    "make_claimx_sentencizer",
    "build_pipeline",
]

#: ``doc.user_data`` key holding sorted character offsets where a sentence must start.
BREAKS_KEY = "claimx_breaks"

#: Sentence-final punctuation (a token equal to one of these ends a sentence).
DEFAULT_PUNCT_CHARS: List[str] = [".", "!", "?", "\u2026", "\uff01", "\uff0e", "\uff1f", "\u3002"]

#: Abbreviations after which a sentence never ends (matched case-sensitively,
#: with the trailing period, against the glued token or "word" + ".").
DEFAULT_ABBREVIATIONS: List[str] = [
    # Latin and general
    "e.g.", "i.e.", "al.", "cf.", "vs.", "viz.", "ca.", "approx.", "Approx.",
    "resp.", "incl.", "esp.", "Dr.", "Prof.", "Mr.", "Mrs.", "Ms.", "St.",
    # references to parts of a paper
    "Fig.", "Figs.", "fig.", "figs.", "Tab.", "Tabs.", "Eq.", "Eqs.", "eq.", "eqs.",
    "Ref.", "Refs.", "ref.", "refs.", "Sec.", "Sect.", "Suppl.", "suppl.", "Chap.",
    "No.", "Nos.", "no.", "nos.", "Vol.", "vol.", "pp.", "Ed.", "Eds.", "ed.", "eds.",
    # taxonomy (sp./spp. may end a sentence and are left to the general rules)
    "gen.", "nov.", "subsp.", "ssp.", "var.", "cv.",
]

_OPEN_TO_CLOSE = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPEN_TO_CLOSE.values())
_QUOTES = frozenset(['"', "'", "\u201d", "\u2019", "\u00bb"])
_SENT_OPENERS = frozenset(_OPEN_TO_CLOSE) | _QUOTES | frozenset("\u201c\u2018\u00ab\u00a9\u00ae")
_GREEK = frozenset(
    ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
     "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi",
     "chi", "psi", "omega"]
)
_ROMAN = frozenset(
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
     "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
)


def _is_enumerator(text: str) -> bool:
    """True for list markers such as "1", "12", "iv", "B" (without the period)."""
    return (text.isdigit() and len(text) <= 2) or text in _ROMAN or (len(text) == 1 and text.isalpha())


def _is_plain_lower(text: str) -> bool:
    """True for lower-case words ("of", "coli"); False for "mRNA", "p53", "c-jun", "alpha"."""
    if not text[:1].islower() or any(c.isupper() or c.isdigit() for c in text):
        return False
    return text not in _GREEK and not (len(text) > 2 and text[1] == "-")


def _is_initial(text: str) -> bool:
    """True for a single capital letter with its period glued on ("J.")."""
    return len(text) == 2 and text[1] == "." and text[0].isupper()


class ClaimxSentencizer:
    """Rule-based sentence splitter; sets ``token.is_sent_start`` on every token."""

    def __init__(
        self,
        nlp: Optional[Language] = None,
        name: str = "claimx_sentencizer",
        *,
        punct_chars: Optional[Sequence[str]] = None,
        abbreviations: Optional[Sequence[str]] = None,
        extra_abbreviations: Sequence[str] = (),
        lowercase_continues: bool = True,
        split_glued_periods: bool = True,
        merge_enumerators: bool = True,
        min_newlines_break: int = 2,
        max_bracket_tokens: int = 100,
    ) -> None:
        """Configure the splitter; ``None`` selects the module defaults.

        ``min_newlines_break``: a whitespace token with at least this many newlines
        forces a break (0 disables). ``max_bracket_tokens``: no split inside matched
        brackets spanning at most this many tokens (0 disables).
        """
        self.name = name
        self.punct_chars = frozenset(DEFAULT_PUNCT_CHARS if punct_chars is None else punct_chars)
        abbrevs = list(DEFAULT_ABBREVIATIONS if abbreviations is None else abbreviations)
        self.abbreviations = frozenset(abbrevs) | frozenset(extra_abbreviations)
        self.lowercase_continues = lowercase_continues
        self.split_glued_periods = split_glued_periods
        self.merge_enumerators = merge_enumerators
        self.min_newlines_break = min_newlines_break
        self.max_bracket_tokens = max_bracket_tokens

    # -- helpers -----------------------------------------------------------------
    def _terminates(self, texts: List[str], glued: List[bool], i: int, sent_start: int) -> bool:
        """Whether token ``i`` can end a sentence that began at token ``sent_start``."""
        text = texts[i]
        if text in self.punct_chars:
            if text != ".":
                return True
            if i > sent_start:
                prev = texts[i - 1]
                if glued[i - 1]:
                    # period split off a word: "approx" "." / "Proc" "." "Natl"
                    if prev + "." in self.abbreviations:
                        return False
                    if glued[i] and prev.istitle() and len(prev) <= 5:
                        return False  # dotted reference: "Proc.Natl.Acad"
                if self.merge_enumerators and i - 1 == sent_start and _is_enumerator(prev):
                    return False  # "1 ." numbering the sentence that follows
            return True
        if not self.split_glued_periods or len(text) < 2 or text[-1] != ".":
            return False
        if text in self.abbreviations:
            return False
        if glued[i] and i + 1 < len(texts) and texts[i + 1][:1].isalnum():
            return False  # period inside a word the tokenizer split: "p.Val12Ile"
        if self.merge_enumerators and i == sent_start and _is_enumerator(text[:-1]):
            return False  # "2." numbering the sentence that follows
        return True

    def _bracketed(self, texts: List[str]) -> List[bool]:
        """Mark tokens strictly inside matched (), [] or {} pairs spanning <= max_bracket_tokens."""
        inside = [False] * len(texts)
        if not self.max_bracket_tokens:
            return inside
        stack: List[Tuple[str, int]] = []
        for i, text in enumerate(texts):
            if text in _OPEN_TO_CLOSE:
                stack.append((_OPEN_TO_CLOSE[text], i))
            elif text in _CLOSERS and stack:
                # pop to the matching opener; unmatched closers ("1) ...") are ignored
                for k in range(len(stack) - 1, -1, -1):
                    if stack[k][0] == text:
                        opener = stack[k][1]
                        del stack[k:]
                        if i - opener <= self.max_bracket_tokens:
                            for j in range(opener + 1, i):
                                inside[j] = True
                        break
        return inside

    def _sentence_starts(self, doc: Doc) -> List[bool]:
        n = len(doc)
        starts = [False] * n
        if n == 0:
            return starts
        texts: List[str] = []
        glued: List[bool] = []  # no whitespace after the token
        space: List[bool] = []
        for tok in doc:
            texts.append(tok.text)
            glued.append(not tok.whitespace_)
            space.append(tok.is_space)
        inside = self._bracketed(texts)
        min_nl = self.min_newlines_break
        starts[0] = True
        sent_start = 0
        i = 0
        while i < n:
            if space[i]:
                if min_nl and texts[i].count("\n") >= min_nl:
                    j = i + 1
                    while j < n and space[j]:
                        j += 1
                    if j < n and j > sent_start:
                        starts[j] = True
                        sent_start = j
                    i = j
                    continue
                i += 1
                continue
            if inside[i] or not self._terminates(texts, glued, i, sent_start):
                i += 1
                continue
            # absorb closing brackets, closing quotes, further terminators and whitespace
            j = i + 1
            while j < n:
                if space[j]:
                    if min_nl and texts[j].count("\n") >= min_nl:
                        break
                    j += 1
                elif texts[j] in _CLOSERS or texts[j] in self.punct_chars:
                    j += 1
                elif texts[j] in _QUOTES and glued[j - 1] and not space[j - 1]:
                    j += 1  # closing quote attached to the period: yes." Then
                else:
                    break
            if j >= n or space[j]:
                i = j
                continue
            nxt = texts[j]
            if not (nxt[:1].isalnum() or nxt[:1] in _SENT_OPENERS):
                i = j  # "e.g., the", "Doe, A. B., Roe", "Doe, A. & Roe": not final
                continue
            if self.lowercase_continues and (
                _is_plain_lower(nxt) or (nxt[:1].islower() and texts[i] not in self.punct_chars)
            ):
                i = j  # "approx. of"; after a glued "X." any lower-case word: "E. coli", "S. c-x"
                continue
            if _is_initial(texts[i]) and _is_initial(nxt):
                i = j  # author initials: "Doe, P. S."
                continue
            starts[j] = True
            sent_start = j
            i = j
        return starts

    @staticmethod
    def _force_breaks(doc: Doc, starts: List[bool], breaks: Iterable[int]) -> None:
        """Start a sentence at the first non-whitespace token starting at or after each offset."""
        idxs = [t.idx for t in doc]
        n = len(idxs)
        for off in breaks:
            j = bisect_left(idxs, int(off))
            while j < n and doc[j].is_space:
                j += 1
            if j < n:
                starts[j] = True

    # -- spaCy API ---------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        """Set ``is_sent_start`` for every token of ``doc``."""
        starts = self._sentence_starts(doc)
        breaks = doc.user_data.get(BREAKS_KEY) if doc.user_data else None
        if breaks:
            self._force_breaks(doc, starts, breaks)
        if len(doc):
            # one bulk write: setting token.is_sent_start per token is ~10x slower
            values = numpy.fromiter((1 if f else -1 for f in starts), dtype="int64", count=len(doc))
            doc.from_array([SENT_START], values.astype("uint64").reshape(-1, 1))
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in stream:
            yield self(doc)


@Language.factory(
    "claimx_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={
        "punct_chars": None,
        "abbreviations": None,
        "extra_abbreviations": [],
        "lowercase_continues": True,
        "split_glued_periods": True,
        "merge_enumerators": True,
        "min_newlines_break": 2,
        "max_bracket_tokens": 100,
    },
)
def make_claimx_sentencizer(
    nlp: Language,
    name: str,
    punct_chars: Optional[List[str]],
    abbreviations: Optional[List[str]],
    extra_abbreviations: List[str],
    lowercase_continues: bool,
    split_glued_periods: bool,
    merge_enumerators: bool,
    min_newlines_break: int,
    max_bracket_tokens: int,
) -> ClaimxSentencizer:
    """spaCy factory for :class:`ClaimxSentencizer`."""
    return ClaimxSentencizer(
        nlp,
        name,
        punct_chars=punct_chars,
        abbreviations=abbreviations,
        extra_abbreviations=extra_abbreviations,
        lowercase_continues=lowercase_continues,
        split_glued_periods=split_glued_periods,
        merge_enumerators=merge_enumerators,
        min_newlines_break=min_newlines_break,
        max_bracket_tokens=max_bracket_tokens,
    )


#: Splitter candidates known to :func:`build_pipeline` (spaCy component names).
SPLITTERS = ("claimx_sentencizer", "sentencizer", "pysbd_sentencizer")


def build_pipeline(
    splitter: str = "claimx_sentencizer",
    *,
    abbreviations: bool = True,
    splitter_config: Optional[dict] = None,
) -> Language:
    """Blank English pipeline: scispaCy tokenizer, ``splitter``, optional abbreviation detector."""
    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    if splitter not in SPLITTERS:
        raise ValueError(f"unknown splitter {splitter!r}; expected one of {SPLITTERS}")
    if splitter == "pysbd_sentencizer":
        import scispacy.custom_sentence_segmenter  # noqa: F401  (registers the component)
    nlp = spacy.blank("en")
    nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe(splitter, config=splitter_config or {})
    if abbreviations:
        import scispacy.abbreviation  # noqa: F401  (registers "abbreviation_detector")

        nlp.add_pipe("abbreviation_detector")
    return nlp
