"""The shipped model on known text (slow tier: real weights)."""

import pytest

pytestmark = pytest.mark.slow


def _ents(result):
    return {(e.text, e.label) for e in result.entities}


def test_example_abstract_drugs_and_disorders(extractor, example):
    result = extractor(example)
    assert {("Ketamine", "DRUG"), ("depression", "DISORDER"), ("Depression", "DISORDER"),
            ("psychiatric disorders", "DISORDER")} <= _ents(result)
    assert all(result.text[e.start : e.end] == e.text and 0.5 <= e.score <= 1 for e in result.entities)


def test_structured_abstract_entities(extractor, shared):
    from claimx.io.readers import read_inputs

    from .conftest import EXAMPLE_XML

    result = extractor(next(iter(read_inputs(EXAMPLE_XML))))
    assert {("terbutaline", "DRUG"), ("asthma", "DISORDER"), ("Exacerbation rates", "OUTCOME")} <= _ents(result)


def test_drug_inside_a_hyphenated_token(extractor):
    result = extractor("Cocaine-induced seizures were prevented by diazepam in rats.")
    assert {("Cocaine", "DRUG"), ("seizures", "DISORDER"), ("diazepam", "DRUG")} <= _ents(result)
