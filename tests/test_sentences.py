"""Tests for the ``claimx_sentencizer`` spaCy component (made-up example sentences)."""

from __future__ import annotations

import warnings
from typing import List, Optional, Sequence

import pytest

spacy = pytest.importorskip("spacy")
pytest.importorskip("scispacy")

from claimx.pipeline.sentences import BREAKS_KEY, ClaimxSentencizer, build_pipeline  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return build_pipeline("claimx_sentencizer", abbreviations=False)


def split(nlp, text: str, breaks: Optional[Sequence[int]] = None) -> List[str]:
    doc = nlp.make_doc(text)
    if breaks is not None:
        doc.user_data[BREAKS_KEY] = tuple(breaks)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return [s.text.strip() for s in doc.sents]


@pytest.mark.parametrize(
    "text, expected",
    [
        # abbreviations: glued ("al.", "e.g.", "vs.", "Fig.") and split off ("approx" ".")
        ("Smith et al. reported this. We agree.", ["Smith et al. reported this.", "We agree."]),
        (
            "Cells were treated (e.g. with drug X) for 2 h. The effect was large.",
            ["Cells were treated (e.g. with drug X) for 2 h.", "The effect was large."],
        ),
        ("The dose was approx. 5 mg. It worked.", ["The dose was approx. 5 mg.", "It worked."]),
        (
            "The mean was 3.2 vs. 4.1 in controls. No change was seen.",
            ["The mean was 3.2 vs. 4.1 in controls.", "No change was seen."],
        ),
        (
            "See Fig. 2A for details. Data in Table 1. We conclude.",
            ["See Fig. 2A for details.", "Data in Table 1.", "We conclude."],
        ),
        # single capital + period: genus abbreviation vs. sentence end
        ("Growth of E. coli was slow. It recovered.", ["Growth of E. coli was slow.", "It recovered."]),
        (
            "Binding required NF-kappa B. We then tested it.",
            ["Binding required NF-kappa B.", "We then tested it."],
        ),
        # period glued to the last word by the tokenizer
        ("Levels rose to 5 nM. Thereafter they fell.", ["Levels rose to 5 nM.", "Thereafter they fell."]),
        (
            "It occurs in the U.S. Furthermore, it occurs in Japan.",
            ["It occurs in the U.S.", "Furthermore, it occurs in Japan."],
        ),
        # period with no space after it
        ("The cause is unknown.We studied it.", ["The cause is unknown.", "We studied it."]),
        ("The p.Val12Ile variant was rare. It was benign.", ["The p.Val12Ile variant was rare.", "It was benign."]),
        # lower-case continuation, comma after a period
        ("It is unclear. i.e. we do not know.", ["It is unclear. i.e. we do not know."]),
        ("Cells, tissues, etc., were stored. They were thawed.", ["Cells, tissues, etc., were stored.", "They were thawed."]),
        # gene-like lower-case sentence starts still split
        (
            "Results were clear. c-jun mRNA rose. mRNA levels rose. p53 rose.",
            ["Results were clear.", "c-jun mRNA rose.", "mRNA levels rose.", "p53 rose."],
        ),
        # no split inside brackets (references, questions)
        (
            "Binding was shown before (Doe, J. A. Mol. Cell. Biol. 5:1-9, 1990). We extend it.",
            ["Binding was shown before (Doe, J. A. Mol. Cell. Biol. 5:1-9, 1990).", "We extend it."],
        ),
        (
            "Is X required (or merely sufficient?) for growth? We tested this.",
            ["Is X required (or merely sufficient?) for growth?", "We tested this."],
        ),
        ("Parts (i) and (ii) differ. (iii) is new.", ["Parts (i) and (ii) differ.", "(iii) is new."]),
        # closing quote stays with its sentence; ! and ?
        ('He wrote "it works." Then he left.', ['He wrote "it works."', "Then he left."]),
        ("Was it X? Yes! It was.", ["Was it X?", "Yes!", "It was."]),
        # enumerators stay with the sentence they number
        ("Two aims were set. 1. Measure X. 2. Measure Y.", ["Two aims were set.", "1. Measure X.", "2. Measure Y."]),
        ("Two aims were set. 1 . Measure X.", ["Two aims were set.", "1 . Measure X."]),
        # blank line forces a break
        ("A title line\n\nFirst sentence here. Second one.", ["A title line", "First sentence here.", "Second one."]),
    ],
)
def test_splits(nlp, text: str, expected: List[str]) -> None:
    assert split(nlp, text) == expected


def test_every_token_has_sent_start(nlp) -> None:
    doc = nlp("One short sentence. Another one (e.g. this).\n\nA third")
    assert all(tok.is_sent_start is not None for tok in doc)
    assert doc[0].is_sent_start is True


def test_empty_doc(nlp) -> None:
    assert list(nlp("").sents) == []


def test_forced_break_at_token_start(nlp) -> None:
    title = "Drug X lowers blood pressure in mice"
    text = title + " We gave drug X to mice. Pressure fell."
    assert split(nlp, text) == ["Drug X lowers blood pressure in mice We gave drug X to mice.", "Pressure fell."]
    assert split(nlp, text, breaks=(len(title) + 1,)) == [title, "We gave drug X to mice.", "Pressure fell."]


def test_forced_break_inside_token_or_space(nlp) -> None:
    text = "Background text here Methods were simple."
    inside = text.index("Methods") + 3  # inside "Methods": next token start is "were"
    assert split(nlp, text, breaks=(inside,)) == ["Background text here Methods", "were simple."]
    space = text.index(" Methods")  # on the space: first token at or after it is "Methods"
    assert split(nlp, text, breaks=[space]) == ["Background text here", "Methods were simple."]


def test_forced_break_edge_offsets(nlp) -> None:
    text = "One sentence only."
    assert split(nlp, text, breaks=(0, len(text) + 10)) == [text]
    assert split(nlp, text, breaks=()) == [text]


def test_forced_break_overrides_abbreviation_rule(nlp) -> None:
    text = "Compared with controls vs. Treated mice were heavier."
    assert len(split(nlp, text)) == 1
    off = text.index("Treated")
    assert split(nlp, text, breaks=(off,)) == ["Compared with controls vs.", "Treated mice were heavier."]


def test_config_defaults_and_extra_abbreviations() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        default = build_pipeline("claimx_sentencizer", abbreviations=False)
        extra = build_pipeline(
            "claimx_sentencizer", abbreviations=False, splitter_config={"extra_abbreviations": ["cat."]}
        )
    cfg = default.get_pipe_config("claimx_sentencizer")
    assert cfg["lowercase_continues"] is True and cfg["min_newlines_break"] == 2
    assert isinstance(default.get_pipe("claimx_sentencizer"), ClaimxSentencizer)
    text = "The kit cat. X5 was used. It worked."
    assert split(default, text) == ["The kit cat.", "X5 was used.", "It worked."]
    assert split(extra, text) == ["The kit cat. X5 was used.", "It worked."]


def test_pipeline_with_abbreviation_detector() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp = build_pipeline()
    assert nlp.pipe_names == ["claimx_sentencizer", "abbreviation_detector"]
    doc = nlp("Tumour necrosis factor (TNF) rose in mice. TNF fell after treatment.")
    assert [s.text for s in doc.sents] == ["Tumour necrosis factor (TNF) rose in mice.", "TNF fell after treatment."]
    assert any(str(a) == "TNF" for a in doc._.abbreviations)


def test_unknown_splitter_rejected() -> None:
    with pytest.raises(ValueError):
        build_pipeline("no_such_splitter")
