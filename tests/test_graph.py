"""The mechanism graph: concepts merged across abstracts, support/contradiction counts, evidence, GraphML and CSV."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest

from claimx.analysis.concepts import concept_key
from claimx.analysis.graph import build_graph, graph_paths, write_graph
from claimx.records import RecordError

from .conftest import at, make_result

A = "Ketamine produces rapid antidepressant effects by restoring synaptic connectivity."
B = ("Chronic stress (CS) reduces synaptic connections. Treatment with ketamine restores synaptic connectivity, "
     "which relieves the antidepressant effect.")
C = "Ketamine did not produce antidepressant effects by restoring synaptic connections in mice."


def _results():
    a = make_result("1", A, [{"sentence": A, "type": "mechanistic", "score": 0.8, "roles": [
        ("AGENT", "Ketamine"), ("EFFECT", "rapid antidepressant effects"), ("MECHANISM", "restoring synaptic connectivity")]}],
        entities=[("Ketamine", "DRUG")])
    b_sent = "Treatment with ketamine restores synaptic connectivity, which relieves the antidepressant effect."
    b = make_result("2", B, [
        {"sentence": "Chronic stress (CS) reduces synaptic connections.", "type": "mechanistic", "certainty": "hedged",
         "roles": [("AGENT", "Chronic stress"), ("EFFECT", "synaptic connections")]},
        {"sentence": b_sent, "type": "mechanistic", "score": 0.95, "roles": [
            ("AGENT", "Treatment with ketamine"), ("MECHANISM", "restores synaptic connectivity"),
            ("EFFECT", "the antidepressant effect")]}])
    c = make_result("3", C, [{"sentence": C, "type": "mechanistic", "negated": True, "roles": [
        ("AGENT", "Ketamine"), ("EFFECT", "antidepressant effects"), ("MECHANISM", "restoring synaptic connections")]}])
    return [a, b, c]


def test_concept_key_folds_case_inflection_determiners_and_wrappers():
    assert concept_key("treatment with Ketamine") == concept_key("ketamine") == "ketamine"
    # for what acts, "X treatment" / "use of X" is X; as an effect "cancer treatment" or "cocaine use" is not
    assert concept_key("Ketamine treatment", "AGENT") == concept_key("use of ketamine", "AGENT") == "ketamine"
    assert concept_key("cancer treatment", "EFFECT") == "cancer treatment" and concept_key("drug use") == "drug use"
    assert concept_key("gene therapy", "AGENT") == "gene therapy"
    assert concept_key("kinases") == "kinase" and concept_key("beta-blockers") == "beta-blocker"
    assert concept_key("Rho GTPases") == "rho gtpase" and concept_key("ACE-inhibitors") == "ace-inhibitor"
    assert concept_key("the beta cells") == "beta cell" and concept_key("a beta blocker") == "beta blocker"
    assert concept_key("ketamine-induced seizures") == "ketamine-induced seizure"
    assert concept_key("AIDS") == "aids" and concept_key("MMPs") == "mmp" and concept_key("miRNAs") == "mirna"
    assert concept_key("A beta") == "a beta" and concept_key("arrhythmias") == "arrhythmia"
    assert concept_key("synaptic\x0bloss\x00") == "synaptic loss"
    assert concept_key("the NMDA receptors") == "nmda receptor"
    assert concept_key("restoring synaptic connections") == concept_key("restores synaptic connection")
    assert concept_key("Cytokines") == "cytokine"  # unknown plural
    assert concept_key("pertussis") == "pertussis"  # unknown word that is not a plural
    assert concept_key("(R)-alpha-methylhistamine,") == "(r)-alpha-methylhistamine"
    assert concept_key("the") == ""
    assert concept_key("hormone therapy") == "hormone therapy" and concept_key("Pb exposure") == "pb"


def test_nodes_are_merged_across_abstracts():
    g = build_graph(_results())
    assert g.nodes["ketamine"]["abstracts"] == 3
    assert g.nodes["ketamine"]["agent"] == 3
    assert g.nodes["ketamine"]["name"] == "Ketamine"  # most frequent form
    assert g.nodes["ketamine"]["entity"] == "DRUG"
    # "restoring synaptic connectivity" (1), "restores synaptic connectivity" (2), "... connections" (3): one node
    assert g.nodes["restore synaptic connectivity"]["abstracts"] == 2
    assert g.nodes["restore synaptic connection"]["abstracts"] == 1
    assert g.nodes["synaptic connection"]["effect"] == 1
    assert set(g.nodes) == {"ketamine", "rapid antidepressant effect", "restore synaptic connectivity",
                            "chronic stress", "synaptic connection", "antidepressant effect",
                            "restore synaptic connection"}


def test_edges_count_support_contradiction_and_keep_evidence():
    g = build_graph(_results())
    assert sorted(g["ketamine"]["restore synaptic connectivity"]) == ["acts_through"]
    edge = g["ketamine"]["restore synaptic connectivity"]["acts_through"]
    assert (edge["support"], edge["contradict"], edge["claims"], edge["negated"]) == (2, 0, 2, False)
    assert edge["evidence_ids"] == "1; 2"
    assert edge["example"].startswith("Treatment with ketamine restores")  # best-scoring statement (0.95)
    start, end = at(B, "Treatment with ketamine")[0], len(B)
    assert edge["evidence"][1] == {"id": "2", "start": start, "end": end, "type": "mechanistic",
                                   "certainty": "asserted", "negated": False}
    # abstract 3 states ketamine -> antidepressant effects negated; abstract 2 supports it
    edge = g["ketamine"]["antidepressant effect"]["affects"]
    assert (edge["support"], edge["contradict"]) == (1, 1)
    assert g["ketamine"]["restore synaptic connection"]["acts_through"]["negated"] is True
    hedged = g["chronic stress"]["synaptic connection"]["affects"]
    assert (hedged["certainty"], hedged["hedged"]) == ("hedged", 1)
    assert g.number_of_edges() == 3 + 3 + 2  # abstract 1: 3 edges; 2: 1 + 2 new; 3: 2 new (one contradicts 2's)


def test_min_support_drops_weak_edges_and_lonely_nodes():
    g = build_graph(_results(), min_support=2)
    assert sorted(g.edges(keys=True)) == [("ketamine", "antidepressant effect", "affects"),
                                          ("ketamine", "restore synaptic connectivity", "acts_through")]
    assert set(g.nodes) == {"ketamine", "restore synaptic connectivity", "antidepressant effect"}


def test_record_errors_and_contract_dicts_are_accepted():
    items = [RecordError(3, "x", "not valid JSON", "c.jsonl"), _results()[0].to_dict()]
    assert build_graph(items).number_of_edges() == 3


def test_graphml_loads_back_in_networkx(tmp_path):
    path = tmp_path / "g.graphml"
    assert write_graph(build_graph(_results()), path) == [path]
    h = nx.read_graphml(path, force_multigraph=True)
    assert h.number_of_nodes() == 7 and h.number_of_edges() == 8
    (data,) = h.get_edge_data("ketamine", "restore synaptic connectivity").values()
    assert data["support"] == 2 and data["relation"] == "acts_through"
    assert [e["id"] for e in json.loads(data["evidence"])] == ["1", "2"]
    assert h.nodes["ketamine"]["abstracts"] == 3


def test_csv_pair_has_neo4j_import_headers(tmp_path):
    nodes, edges = write_graph(build_graph(_results()), tmp_path / "g.csv")
    assert (nodes.name, edges.name) == ("g.nodes.csv", "g.edges.csv")
    node_rows = list(csv.DictReader(nodes.open(encoding="utf-8")))
    assert list(node_rows[0])[:2] == ["id:ID", "name"] and list(node_rows[0])[-1] == ":LABEL"
    ket = next(r for r in node_rows if r["id:ID"] == "ketamine")
    assert (ket[":LABEL"], ket["abstracts:int"]) == ("Concept;Drug", "3")
    edge_rows = list(csv.DictReader(edges.open(encoding="utf-8")))
    assert len(edge_rows) == 8
    row = next(r for r in edge_rows if r[":START_ID"] == "ketamine" and r[":END_ID"] == "antidepressant effect")
    assert (row[":TYPE"], row["support:int"], row["contradict:int"], row["negated:boolean"]) == ("AFFECTS", "1", "1", "false")
    assert {n[":START_ID"] for n in edge_rows} | {n[":END_ID"] for n in edge_rows} <= {r["id:ID"] for r in node_rows}


def test_unknown_graph_format_is_refused():
    with pytest.raises(ValueError, match=r"\.graphml"):
        graph_paths("g.json")


def test_graphml_edge_ids_are_unique_and_text_is_one_line(tmp_path):
    """Gephi drops an edge whose id repeats; Neo4j's importer refuses multi-line fields by default."""
    from lxml import etree

    text = 'Drug "X" reduces\npain.\x0b'
    odd = make_result("5", text, [{"sentence": text, "type": "causal", "roles": [("AGENT", 'Drug "X"'), ("EFFECT", "pain")]}])
    g = build_graph(_results() + [odd])
    path = tmp_path / "g.graphml"
    write_graph(g, path)
    ids = etree.parse(str(path)).xpath("//*[local-name()='edge']/@id")
    assert len(ids) == g.number_of_edges() == len(set(ids))
    nodes, edges = write_graph(g, tmp_path / "g.csv")
    rows = list(csv.DictReader(edges.open(encoding="utf-8", newline="")))
    row = next(r for r in rows if r[":START_ID"] == "drug x")
    assert row["example"] == 'Drug "X" reduces pain.'
    assert len(edges.read_text(encoding="utf-8").splitlines()) == g.number_of_edges() + 1  # one line per edge
