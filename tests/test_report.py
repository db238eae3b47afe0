"""The corpus report: counts, plots and the table of most supported mechanistic relations."""

from __future__ import annotations

import lxml.html

from claimx.analysis.report import build_report
from claimx.records import RecordError

from .conftest import make_result

A = "Ketamine acts via mTORC1 signaling to relieve depression. Stress may be linked to depression."
B = "Ketamine relieves depression through mTORC1 signalling."
C = "Ketamine did not relieve depression through mTORC1 signaling in mice."


def _results():
    mech = [("AGENT", "Ketamine"), ("MECHANISM", "mTORC1 signaling"), ("EFFECT", "depression")]
    return [
        make_result("111", A, [
            {"sentence": "Ketamine acts via mTORC1 signaling to relieve depression.", "type": "mechanistic", "key": True,
             "score": 0.7, "roles": mech},
            {"sentence": "Stress may be linked to depression.", "type": "correlational", "certainty": "hedged",
             "roles": [("AGENT", "Stress"), ("EFFECT", "depression")]}], entities=[("Ketamine", "DRUG")]),
        make_result("doc-b", B, [{"sentence": B, "type": "mechanistic", "score": 0.9, "roles": [
            ("AGENT", "Ketamine"), ("MECHANISM", "mTORC1 signalling"), ("EFFECT", "depression")]}]),
        make_result("333", C, [{"sentence": C, "type": "mechanistic", "negated": True, "roles": mech}]),
        make_result("444", "Nothing here.", []),
        RecordError(5, None, "not valid JSON", "claims.jsonl"),
    ]


def _table(doc, css: str) -> list[list[str]]:
    return [[c.text_content().strip() for c in row.xpath("./td|./th")] for row in doc.cssselect(css + " tr")]


def test_report_counts_plots_relations_and_errors():
    doc = lxml.html.fromstring(build_report(_results(), title="T"))
    summary = doc.cssselect("p")[0].text_content()
    assert "4 abstracts, 4 claims (1.00 per abstract; 3 abstracts with at least one)" in summary
    assert "1 DRUG" in summary and "Unreadable lines: 1" in summary
    counts = _table(doc, "table:not(.cx-rel)")
    assert counts[0] == ["type", "claims", "asserted", "hedged", "negated", "key"]
    assert counts[1] == ["mechanistic", "3", "3", "0", "1", "1"]
    assert counts[3] == ["correlational", "1", "0", "1", "0", "0"]
    assert counts[-1] == ["all", "4", "3", "1", "1", "1"]
    assert len(doc.cssselect("figure svg")) == 3 and "http" not in "".join(
        s for s in doc.xpath("//@src"))  # plots inlined
    rel = _table(doc, "table.cx-rel")
    # most supported first: ketamine -> depression in 111 and doc-b, contradicted by 333;
    # "mTORC1 signalling" (British spelling) is not merged with "mTORC1 signaling"
    assert rel[1][:6] == ["Ketamine", "affects", "depression", "2", "1", "0"]
    assert rel[1][6] == B  # the best-scored supporting statement
    assert {tuple(r[:5]) for r in rel[2:]} == {("Ketamine", "acts through", "mTORC1 signaling", "1", "1"),
                                               ("mTORC1 signaling", "leads to", "depression", "1", "1"),
                                               ("Ketamine", "acts through", "mTORC1 signalling", "1", "0"),
                                               ("mTORC1 signalling", "leads to", "depression", "1", "0")}
    links = {a.text: a.get("href") for a in doc.cssselect("table.cx-rel a")}
    assert links == {"111": "https://pubmed.ncbi.nlm.nih.gov/111/", "333": "https://pubmed.ncbi.nlm.nih.gov/333/"}
    assert rel[1][-1] == "111, doc-b, 333"  # doc-b is not a PMID: shown, not linked
    assert "claims.jsonl:5: not valid JSON" in doc.cssselect("ul.cx-errors")[0].text_content()


def test_link_template_applies_to_every_id_url_encoded():
    import pytest

    doc = lxml.html.fromstring(build_report(_results(), link="https://example.org/{id}"))
    assert "https://example.org/doc-b" in {a.get("href") for a in doc.cssselect("table.cx-rel a")}
    evil = [make_result("javascript:alert(1) #x", B, [{"sentence": B, "type": "mechanistic", "roles": [
        ("AGENT", "Ketamine"), ("EFFECT", "depression")]}])]
    doc = lxml.html.fromstring(build_report(evil, link="{id}"))
    assert [a.get("href") for a in doc.cssselect("table.cx-rel a")] == ["javascript%3Aalert%281%29%20%23x"]
    for bad in ("https://x/{id}/{id.upper}", "https://x/{{id}}", "https://x/{id[0]}", "https://x/{id!r}", "x/{"):
        with pytest.raises(ValueError, match="needs {id}"):
            build_report(_results(), link=bad)


def test_report_of_no_claims_still_renders():
    doc = lxml.html.fromstring(build_report([make_result("1", "Nothing.", [])]))
    assert "No mechanistic relations." in doc.text_content()


def test_chromium_renders_the_report(browser, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(build_report(_results(), title="T"), encoding="utf-8")
    doc = browser.dom(page)
    assert len(doc.xpath("//figure//*[local-name()='svg']")) == 3  # the plots are in the page itself
    bars = doc.xpath("//figure[1]//*[local-name()='svg']//*[local-name()='path' or local-name()='rect']")
    assert bars
    assert _table(doc, "table.cx-rel")[1][:3] == ["Ketamine", "affects", "depression"]
    assert browser.screenshot(page, tmp_path / "report.png").stat().st_size > 10_000


def test_odd_names_and_types_do_not_break_the_report():
    text = "Costs of $5 to $10 raise other-type risk."
    odd = make_result("7", text, [{"sentence": text, "type": "speculative", "roles": [
        ("AGENT", "Costs of $5 to $10"), ("EFFECT", "risk")]}], entities=[("risk", "<b>X</b>")])
    doc = lxml.html.fromstring(build_report(_results() + [odd]))
    counts = _table(doc, "table:not(.cx-rel)")
    assert counts[5] == ["speculative", "1", "1", "0", "0", "0"] and counts[-1][1] == "5"
    assert "1 <b>X</b>" in doc.cssselect("p")[0].text_content()  # escaped, shown as text
