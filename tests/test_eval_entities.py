"""Strict mention-level and token-level entity scores."""

from __future__ import annotations

import pytest

from claimx.eval.entities import format_reports, score_entities, strict_counts, token_counts


def test_strict_counts_need_exact_edges_and_label():
    gold = [[(0, 7, "DRUG"), (10, 20, "DISORDER")], [(5, 9, "DRUG")]]
    pred = [[(0, 7, "DRUG", 0.9), (10, 19, "DISORDER", 0.8), (30, 35, "OUTCOME", 0.5)], [(5, 9, "DISORDER", 0.7)]]
    c = strict_counts(gold, pred, ["DRUG", "DISORDER"])
    assert (c["DRUG"].tp, c["DRUG"].fp, c["DRUG"].fn) == (1, 0, 1)
    assert (c["DISORDER"].tp, c["DISORDER"].fp, c["DISORDER"].fn) == (0, 2, 1)
    assert c["DRUG"].precision == 1.0 and c["DRUG"].recall == 0.5 and c["DRUG"].f1 == pytest.approx(2 / 3, abs=5e-5)
    with pytest.raises(ValueError):
        strict_counts(gold, pred[:1], ["DRUG"])


def test_token_counts_use_whitespace_tokens():
    text = "pain scores at 6 months"
    c = token_counts([text], [[(0, 11, "OUTCOME")]], [[(5, 23, "OUTCOME")]], "OUTCOME")
    assert (c.tp, c.fp, c.fn) == (1, 3, 1)


def test_report_table_has_all_row_and_token_columns():
    rep = score_entities("x", "dev", ["a b c"], [[(0, 1, "DRUG"), (2, 3, "OUTCOME")]], [[(0, 1, "DRUG", 1.0)]],
                         ["DRUG", "OUTCOME"])
    table = format_reports([rep])
    assert "ALL" in table and rep.to_dict()["strict"]["ALL"]["tp"] == 1
    assert rep.token["OUTCOME"].fn == 1
