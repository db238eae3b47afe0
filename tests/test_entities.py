"""Entity predictions → Doc: exact character spans, token view, abbreviations (no model needed)."""

import spacy
from scispacy.custom_tokenizer import combined_rule_tokenizer

import claimx.pipeline.abbreviations  # noqa: F401  (registers the detector)
from claimx.pipeline.entities import SPANS_KEY, set_entities

TEXT = "Tumor necrosis factor (TNF) and cocaine-induced seizures rose. TNF fell."


def _doc():
    nlp = spacy.blank("en")
    nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe("claimx_abbreviation_detector")
    return nlp(TEXT)


def test_exact_spans_inside_tokens_and_short_forms_take_the_long_form_label():
    doc = set_entities(_doc(), [(0, 21, "OUTCOME", 0.9), (32, 39, "DRUG", 0.8), (48, 56, "DISORDER", 0.7), (64, 65, "DRUG", 0.3)])
    assert [(TEXT[s:e], label, score) for s, e, label, score in doc._.entities] == [
        ("Tumor necrosis factor", "OUTCOME", 0.9),
        ("TNF", "OUTCOME", 0.9),
        ("cocaine", "DRUG", 0.8),
        ("seizures", "DISORDER", 0.7),
        ("TNF", "OUTCOME", 0.9),  # the partial "N" prediction on the short form gave way
    ]
    # spaCy view: "cocaine-induced" is one scispaCy token, so the token span covers it
    assert [(e.text, e.label_) for e in doc.ents][2] == ("cocaine-induced", "DRUG")
    assert len(doc.spans[SPANS_KEY]) == 5


def test_whitespace_predictions_are_dropped_and_duplicates_keep_the_best_score():
    doc = set_entities(_doc(), [(27, 28, "DRUG", 0.9), (48, 56, "DISORDER", 0.2), (48, 56, "DISORDER", 0.6)])
    assert doc._.entities == [(48, 56, "DISORDER", 0.6)]
