"""`claimx show`, `claimx report` and `claimx graph` end to end, as a user runs them."""

from __future__ import annotations

import json

import lxml.html
import networkx as nx
import pytest

from .conftest import SHIPPED_EXAMPLES, SHIPPED_MODEL, make_result
from .test_cli import _lines, claimx

TEXT = "Ketamine restores synaptic connectivity in depression."


def _claims_file(tmp_path):
    """Two results and two broken lines between them; and the input they came from."""
    rows = [make_result(rid, TEXT, [{"sentence": TEXT, "type": "mechanistic", "roles": [
        ("AGENT", "Ketamine"), ("MECHANISM", "synaptic connectivity"), ("EFFECT", "depression")]}]).to_dict()
        for rid in ("1", "2")]
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(rows[0]) + '\n{"id": "x"\n{"id": "y", "claims": []}\n' + json.dumps(rows[1]) + "\n")
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"id": rid, "text": TEXT}) + "\n" for rid in ("1", "2")))
    return path, inputs


def test_report_goes_on_past_broken_lines(tmp_path):
    claims, _ = _claims_file(tmp_path)
    p = claimx("report", str(claims), "-o", str(tmp_path / "r.html"))
    assert p.returncode == 0, p.stderr
    errors = [json.loads(line) for line in p.stderr.decode().splitlines()]
    assert [(e["line"], e["id"]) for e in errors] == [(2, None), (3, "y")]
    doc = lxml.html.parse(str(tmp_path / "r.html")).getroot()
    assert "2 abstracts, 2 claims" in doc.cssselect("p")[0].text_content()
    assert len(doc.cssselect("ul.cx-errors li")) == 2


def test_graph_graphml_and_csv(tmp_path):
    claims, _ = _claims_file(tmp_path)
    p = claimx("graph", str(claims), "-o", str(tmp_path / "g.graphml"))
    assert p.returncode == 0, p.stderr
    assert b"graph of 3 concepts and 3 relations" in p.stderr
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    (edge,) = g.get_edge_data("ketamine", "synaptic connectivity").values()
    assert (edge["relation"], edge["support"]) == ("acts_through", 2)
    p = claimx("graph", str(claims), "-o", str(tmp_path / "g.csv"))
    assert p.returncode == 0 and (tmp_path / "g.nodes.csv").exists() and (tmp_path / "g.edges.csv").exists()
    p = claimx("graph", str(claims), "-o", str(tmp_path / "g.json"))
    assert p.returncode == 2 and b"name the output .graphml" in p.stderr


def test_nothing_readable_is_an_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n")
    p = claimx("report", str(bad))
    assert p.returncode == 1 and b"no readable results" in p.stderr
    p = claimx("graph", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "g.graphml"))
    assert p.returncode == 2 and b"no such file" in p.stderr


def test_show_existing_results_joined_by_id(tmp_path):
    claims, inputs = _claims_file(tmp_path)
    page = tmp_path / "p.html"
    p = claimx("show", str(inputs), "--results", str(claims), "-o", str(page))
    assert p.returncode == 0, p.stderr
    doc = lxml.html.parse(str(page)).getroot()
    assert [a.get("data-id") for a in doc.cssselect("article.cx-doc")] == ["1", "2"]
    assert len(doc.cssselect("span.cx-role")) == 6
    assert len(doc.cssselect("section.cx-errors li")) == 2  # the two broken result lines
    stray = tmp_path / "stray.jsonl"
    stray.write_text(json.dumps({**json.loads(claims.read_text().splitlines()[0]), "id": "9"}) + "\n")
    p = claimx("show", str(inputs), "--results", str(claims), "--results", str(stray), "--limit", "0", "-o", str(page))
    assert p.returncode == 0, p.stderr
    assert b"no input record has id '9'" in p.stderr
    assert len(lxml.html.parse(str(page)).getroot().cssselect("article.cx-doc")) == 2


@pytest.mark.slow
def test_show_runs_the_model_and_chromium_renders_it(tmp_path, browser):
    page = tmp_path / "show.html"
    model = ("--model", str(SHIPPED_MODEL), "--device", "cpu")
    p = claimx("show", str(SHIPPED_EXAMPLES), "-o", str(page), *model)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "claims.jsonl"
    assert claimx("extract", str(SHIPPED_EXAMPLES), "-o", str(out), "--quiet", *model).returncode == 0
    records = _lines(out)
    doc = browser.dom(page)
    articles = doc.cssselect("article.cx-doc")
    assert [a.get("data-id") for a in articles] == [r["id"] for r in records]
    for article, record in zip(articles, records):
        assert [c.get("data-type") for c in article.cssselect("span.cx-claim")] == [c["type"] for c in record["claims"]]
        assert [r.get("data-label") for r in article.cssselect("span.cx-role")] == [
            r["label"] for c in record["claims"] for r in sorted(c["roles"], key=lambda r: (r["start"], -r["end"]))]
        statements = [s.text for s in article.cssselect(".cx-statement")]
        assert statements == [c["statement"] for c in record["claims"]]
        badges = [m.get("data-label") for m in article.cssselect("mark.entity") if m.xpath("./span[@class='cx-tag']")]
        assert sorted(badges) == sorted(e["label"] for e in record["entities"])  # one labelled mark per entity
    assert browser.screenshot(page, tmp_path / "show.png").stat().st_size > 10_000


def test_show_refuses_results_whose_text_differs(tmp_path):
    claims, inputs = _claims_file(tmp_path)
    shifted = tmp_path / "shifted.jsonl"
    shifted.write_text("".join(json.dumps({"id": rid, "title": "A title", "text": TEXT}) + "\n" for rid in ("1", "2")))
    p = claimx("show", str(shifted), "--results", str(claims), "-o", str(tmp_path / "p.html"))
    assert p.returncode == 1  # nothing could be shown
    assert p.stderr.count(b"is not the text this result was extracted from") == 2


def test_usage_errors(tmp_path):
    claims, inputs = _claims_file(tmp_path)
    for args, message in [
        (("show", str(inputs), "--results", str(tmp_path / "nope.jsonl")), b"no such file"),
        (("show", str(inputs), "--limit", "-1"), b"--limit -1"),
        (("report", str(claims), "--link", "https://x/{id}?q={q}"), b"no other braces"),
        (("report", str(claims), "--link", "https://x/"), b"needs {id}"),
        (("report", str(claims), "--top", "-3"), b"--top -3"),
    ]:
        p = claimx(*args)
        assert p.returncode == 2 and message in p.stderr and b"Traceback" not in p.stderr, (args, p.stderr)
