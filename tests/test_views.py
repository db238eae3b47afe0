"""The annotated HTML view: marks for entities, claims and roles, nesting of overlapping marks, and the DOM
that headless Chromium builds from the page."""

from __future__ import annotations

import copy
import re

import lxml.html

import claimx
from claimx.analysis.views import render_html
from claimx.records import RecordError

from .conftest import make_result

TEXT = ("Chronic stress pathology (CSP) in depression. Ketamine produces rapid antidepressant effects by restoring "
        "synaptic connectivity. We summarize the synaptic connectivity model of CSP. Ketamine did not alter heart rate.")


def _result():
    return make_result("doc-1", TEXT, [
        {"sentence": "Ketamine produces rapid antidepressant effects by restoring synaptic connectivity.",
         "type": "mechanistic", "key": True, "roles": [
             ("AGENT", "Ketamine"), ("EFFECT", "rapid antidepressant effects"), ("MECHANISM", "restoring synaptic connectivity")]},
        {"sentence": "We summarize the synaptic connectivity model of CSP.", "type": "mechanistic", "certainty": "hedged",
         "statement": "We summarize the synaptic connectivity model of chronic stress pathology.",
         "roles": [("MECHANISM", "synaptic connectivity model of CSP", "synaptic connectivity model of chronic stress pathology")]},
        {"sentence": "Ketamine did not alter heart rate.", "type": "causal", "negated": True,
         "roles": [("AGENT", "Ketamine"), ("EFFECT", "heart rate")]},
    ], entities=[("depression", "DISORDER"), ("Ketamine", "DRUG"), ("rapid antidepressant effects", "OUTCOME"),
                 ("antidepressant effects by restoring", "OUTCOME")],  # the last crosses the end of an EFFECT role
        abbreviations=[("CSP", "Chronic stress pathology")])


def _plain(element) -> str:
    """An element's text without the label badges."""
    element = copy.deepcopy(element)
    for badge in element.xpath(".//*[contains(@class, 'cx-tag') or contains(@class, 'cx-badge')]"):
        badge.drop_tree()
    return re.sub(r"\s+", " ", element.text_content()).strip()


def _check_dom(doc, result) -> None:
    """What a reader must see: every claim, role and entity marked with its label, in the right order."""
    article = doc.cssselect("article.cx-doc")[0]
    assert article.get("data-id") == "doc-1"
    claims = article.cssselect("span.cx-claim")
    assert [(c.get("data-type"), c.get("data-certainty"), c.get("data-negated"), c.get("data-key")) for c in claims] == [
        ("mechanistic", "asserted", "false", "true"), ("mechanistic", "hedged", "false", "false"),
        ("causal", "asserted", "true", "false")]
    assert "chronic stress pathology" in claims[1].get("title")  # the expanded statement on hover
    roles = article.cssselect("span.cx-role")
    assert [(r.get("data-label"), _plain(r)) for r in roles] == [
        ("AGENT", "Ketamine"), ("EFFECT", "rapid antidepressant effects"),
        ("MECHANISM", "restoring synaptic connectivity"), ("MECHANISM", "synaptic connectivity model of CSP"),
        ("AGENT", "Ketamine"), ("EFFECT", "heart rate")]
    # every role lies inside its claim sentence
    assert all(r.xpath("ancestor::span[@class='cx-claim']") for r in roles)
    ents = article.cssselect("mark.entity")
    labels = [(m.get("data-label"), "".join(t.text_content().strip() for t in m.xpath("./span[@class='cx-tag']")))
              for m in ents]
    # the OUTCOME that crosses two roles is cut at their edges (not the roles): three marks, one label badge
    assert labels == [("DISORDER", "DISORDER"), ("DRUG", "DRUG"), ("OUTCOME", "OUTCOME"), ("OUTCOME", "OUTCOME"),
                      ("OUTCOME", ""), ("OUTCOME", "")]
    assert [_plain(m) for m in ents[3:6]] == ["antidepressant effects", "by", "restoring"]
    assert _plain(article.cssselect("div.cx-text")[0]) == TEXT  # the text itself is all there, once
    items = article.cssselect("ol.cx-claims > li")
    assert [i.cssselect(".cx-statement")[0].text for i in items] == [c.statement for c in result.claims]
    assert [[c.text_content() for c in i.cssselect(".cx-chip")] for i in items][1] == [
        "MECHANISM synaptic connectivity model of chronic stress pathology"]
    assert [f.text for f in items[2].cssselect(".cx-flag")][:2] == ["asserted", "negated"]


def test_render_marks_claims_roles_and_entities():
    result = _result()
    page = render_html([result], title="t")
    _check_dom(lxml.html.fromstring(page), result)


def test_page_is_self_contained_and_escapes_everything():
    evil = '"><img src=x onerror=alert(1)>'
    text = "A & B <script>alert(1)</script> cause C."
    result = make_result("<x>", text, [{"sentence": text, "type": evil, "certainty": evil, "roles": [(evil, "A & B")]}],
                         entities=[("C", evil)])
    page = render_html([result])
    assert "<script>" not in page and "&lt;script&gt;" in page and "<img" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no network fetches
    doc = lxml.html.fromstring(page)
    assert doc.cssselect("article")[0].get("data-id") == "<x>"
    assert doc.cssselect("span.cx-claim")[0].get("data-type") == evil
    assert [m.get("data-label") for m in doc.cssselect("mark.entity")] == [evil]


def test_a_claim_cut_by_another_keeps_one_badge():
    text = "Alpha beta gamma. Delta."
    result = make_result("1", text, [{"sentence": "Alpha beta gamma.", "type": "causal"},
                                      {"sentence": "gamma. Delta.", "type": "mechanistic"}])  # overlapping claims
    doc = lxml.html.fromstring(render_html([result]))
    assert [b.text for b in doc.cssselect("div.cx-text .cx-badge")] == ["CAUS", "MECH"]
    assert _plain(doc.cssselect("div.cx-text")[0]) == text


def test_errors_are_listed_and_the_rest_renders():
    page = render_html([RecordError(3, "b", "not valid JSON", "in.jsonl"), _result()])
    doc = lxml.html.fromstring(page)
    assert len(doc.cssselect("article.cx-doc")) == 1
    assert "in.jsonl, line 3, id b: not valid JSON" in doc.cssselect("section.cx-errors")[0].text_content()
    page = render_html([RecordError(None, None, "no input record has id '9'", "")])
    assert "<li>: no input" not in page and "None" not in page


def test_notebook_repr_is_a_fragment():
    fragment = _result()._repr_html_()
    assert fragment.startswith('<div class="cx">') and "<html" not in fragment
    assert fragment.count('class="cx-claim"') == 3


def test_result_read_back_without_text_shows_its_claims():
    bare = claimx.Result.from_dict(_result().to_dict())  # what read_results gives: no document text
    doc = lxml.html.fromstring(bare._repr_html_())
    assert "document text not available" in doc.text_content()
    assert len(doc.cssselect("ol.cx-claims > li")) == 3 and not doc.cssselect("div.cx-text")


def test_repeated_ids_get_distinct_anchors_and_an_index():
    doc = lxml.html.fromstring(render_html([_result(), _result()]))
    assert [a.get("id") for a in doc.cssselect("article")] == ["doc-1", "doc-2"]
    index = doc.cssselect("details.cx-index li")
    assert [li.text_content() for li in index] == ["doc-1 2 mechanistic, 1 causal"] * 2
    assert [a.get("href") for a in doc.cssselect("details.cx-index a")] == ["#doc-1", "#doc-2"]


def test_chromium_builds_the_same_dom(browser, tmp_path):
    result = _result()
    page = tmp_path / "view.html"
    page.write_text(render_html([result] * 50, title="50 abstracts"), encoding="utf-8")
    doc = browser.dom(page)
    assert len(doc.cssselect("article.cx-doc")) == 50
    _check_dom(doc, result)
    png = browser.screenshot(page, tmp_path / "view.png")
    assert png.stat().st_size > 10_000
