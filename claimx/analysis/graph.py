"""The mechanism graph: claims from many abstracts assembled into one directed graph of concepts.

    import claimx.analysis.graph as cg
    g = cg.build_graph(claimx.read_results("claims.jsonl"))   # a networkx.MultiDiGraph
    cg.write_graph(g, "graph.graphml")                        # or "graph.csv" -> graph.nodes.csv + graph.edges.csv

Nodes are concepts: a role that names a linked DRUG / DISORDER entity is its MeSH concept (node id the concept
id, "MESH:D004317", name the MeSH name), so "Adriamycin" and "doxorubicin" are one node; any other role is its
expanded text folded by `claimx.analysis.concepts.concept_key`, so the same agent, mechanism or effect written
differently in different abstracts is one node. Each claim adds
edges between its roles: AGENT -acts_through-> MECHANISM, MECHANISM -leads_to-> EFFECT and
AGENT -affects-> EFFECT. An edge (source, target, relation) gathers every claim that states it, with the
abstracts that support it (claim not negated) and contradict it (negated), and the evidence: the id and
sentence offsets of each claim.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from ..records import RecordError
from ..results import ENTITY_LABELS, Claim, Result, Role
from .concepts import concept_key, display_name, role_concept

__all__ = ["RELATIONS", "build_graph", "graph_paths", "write_graph"]

#: (role of the source, role of the target) -> relation name
RELATIONS: dict[tuple[str, str], str] = {
    ("AGENT", "MECHANISM"): "acts_through",
    ("MECHANISM", "EFFECT"): "leads_to",
    ("AGENT", "EFFECT"): "affects",
}


@dataclass
class _Node:
    forms: Counter = field(default_factory=Counter)
    roles: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    docs: set = field(default_factory=set)
    concept: str = ""  # the MeSH (or OMIM) id when the node is a linked concept
    concept_name: str = ""


@dataclass
class _Edge:
    evidence: list = field(default_factory=list)
    support: set = field(default_factory=set)
    contradict: set = field(default_factory=set)
    example: tuple = (-1.0, "")  # (score, statement) of the best-scoring supporting claim


def _doc_id(result: Result, index: int) -> str:
    return result.id if result.id is not None else f"record-{index}"


def _entity_label(result: Result, role: Role) -> str | None:
    """The entity label of the mention that covers exactly the role's span (DRUG before DISORDER, OUTCOME)."""
    labels = {e.label for e in result.entities if e.start == role.start and e.end == role.end}
    return next((label for label in ENTITY_LABELS if label in labels), None)


def build_graph(results: Iterable[Result | RecordError | dict[str, Any]], *, min_support: int = 1) -> nx.MultiDiGraph:
    """Assemble the claims of `results` (Results, output-contract dicts; RecordErrors are skipped).

    Edges stated (supported or contradicted) by fewer than `min_support` abstracts are dropped, then
    nodes left with no edge and fewer than `min_support` abstracts.
    """
    nodes: dict[str, _Node] = defaultdict(_Node)
    edges: dict[tuple[str, str, str], _Edge] = defaultdict(_Edge)
    for index, item in enumerate(results):
        if isinstance(item, RecordError):
            continue
        result = item if isinstance(item, Result) else Result.from_dict(item)
        doc = _doc_id(result, index)
        for claim in result.claims:
            keys: dict[str, list[str]] = defaultdict(list)
            for role in claim.roles:
                concept = role_concept(result, role)
                key = concept.id if concept is not None else concept_key(role.expanded, role.label)
                if not key:
                    continue
                node = nodes[key]
                if concept is not None:
                    node.concept, node.concept_name = concept.id, concept.name
                node.forms[role.expanded] += 1
                node.roles[role.label] += 1
                node.docs.add(doc)
                label = _entity_label(result, role)
                if label:
                    node.entities[label] += 1
                if key not in keys[role.label]:
                    keys[role.label].append(key)
            for (source_role, target_role), relation in RELATIONS.items():
                for source in keys[source_role]:
                    for target in keys[target_role]:
                        if source != target:
                            _add_evidence(edges[source, target, relation], doc, claim)
    return _to_networkx(nodes, edges, min_support)


def _add_evidence(edge: _Edge, doc: str, claim: Claim) -> None:
    edge.evidence.append({"id": doc, "start": claim.start, "end": claim.end, "type": claim.type,
                          "certainty": claim.certainty, "negated": claim.negated})
    (edge.contradict if claim.negated else edge.support).add(doc)
    if not claim.negated and claim.score > edge.example[0]:
        edge.example = (claim.score, claim.statement)


def _to_networkx(nodes: dict[str, _Node], edges: dict[tuple[str, str, str], _Edge], min_support: int) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    kept = {k: e for k, e in edges.items() if len(e.support | e.contradict) >= min_support}
    linked = {k[0] for k in kept} | {k[1] for k in kept}
    for key, node in nodes.items():
        if key not in linked and len(node.docs) < min_support:
            continue
        graph.add_node(
            key,
            name=node.concept_name or display_name(node.forms),
            concept=node.concept,
            entity=node.entities.most_common(1)[0][0] if node.entities else "",
            role=node.roles.most_common(1)[0][0],
            agent=node.roles["AGENT"],
            mechanism=node.roles["MECHANISM"],
            effect=node.roles["EFFECT"],
            mentions=sum(node.forms.values()),
            abstracts=len(node.docs),
            forms=" | ".join(form for form, _ in node.forms.most_common(5)),
        )
    for (source, target, relation), edge in kept.items():
        types = Counter(e["type"] for e in edge.evidence)
        hedged = sum(e["certainty"] == "hedged" for e in edge.evidence)
        graph.add_edge(
            source,
            target,
            key=relation,
            relation=relation,
            type=types.most_common(1)[0][0],
            types=", ".join(f"{t}:{n}" for t, n in types.most_common()),
            certainty="hedged" if hedged * 2 > len(edge.evidence) else "asserted",
            hedged=hedged,
            negated=len(edge.contradict) > len(edge.support),
            support=len(edge.support),
            contradict=len(edge.contradict),
            claims=len(edge.evidence),
            evidence_ids="; ".join(dict.fromkeys(e["id"] for e in edge.evidence)),
            example=edge.example[1],
            evidence=edge.evidence,
        )
    return graph


def graph_paths(path: str | Path) -> list[Path]:
    """The files `write_graph` writes for `path`: itself for .graphml; STEM.nodes.csv and STEM.edges.csv for .csv."""
    path = Path(path)
    if path.suffix == ".graphml":
        return [path]
    if path.suffix == ".csv":
        stem = path.with_suffix("")
        return [stem.with_name(stem.name + ".nodes.csv"), stem.with_name(stem.name + ".edges.csv")]
    raise ValueError(f"unknown graph format {path.name!r}: name the output .graphml, or .csv for a nodes/edges CSV pair")


def _flat(value: Any) -> Any:
    """A value fit for one GraphML attribute or CSV field: text on one line, no control characters."""
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return value


def write_graph(graph: nx.MultiDiGraph, path: str | Path) -> list[Path]:
    """Write GraphML (networkx, Cytoscape, Gephi) or a Neo4j `neo4j-admin database import` CSV pair.

    Text attributes are written on one line without control characters; `evidence` as JSON text; every
    edge gets its own GraphML id (Gephi drops edges whose id repeats).
    """
    paths = graph_paths(path)
    if len(paths) == 1:
        flat = nx.MultiDiGraph()
        flat.add_nodes_from((n, {k: _flat(v) for k, v in d.items()}) for n, d in graph.nodes(data=True))
        for i, (u, v, d) in enumerate(graph.edges(data=True)):
            flat.add_edge(u, v, key=f"e{i}", **{k: _flat(x) for k, x in d.items()})
        nx.write_graphml(flat, paths[0], named_key_ids=True)
    else:
        _write_neo4j_csv(graph, *paths)
    return paths


_NODE_FIELDS = ("name", "concept", "entity", "role", "agent:int", "mechanism:int", "effect:int", "mentions:int", "abstracts:int", "forms")
_EDGE_FIELDS = ("type", "types", "certainty", "hedged:int", "negated:boolean", "support:int", "contradict:int",
                "claims:int", "evidence_ids", "example", "evidence")


def _write_neo4j_csv(graph: nx.MultiDiGraph, nodes_path: Path, edges_path: Path) -> None:
    with open(nodes_path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(("id:ID", *_NODE_FIELDS, ":LABEL"))
        for key, data in graph.nodes(data=True):
            labels = "Concept" + (";" + data["entity"].capitalize() if data["entity"] else "")
            out.writerow((key, *(_flat(data[name.split(":")[0]]) for name in _NODE_FIELDS), labels))
    with open(edges_path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow((":START_ID", ":END_ID", ":TYPE", *_EDGE_FIELDS))
        for source, target, data in graph.edges(data=True):
            values = [_flat(data[name.split(":")[0]]) for name in _EDGE_FIELDS]
            values = [str(v).lower() if isinstance(v, bool) else v for v in values]
            out.writerow((source, target, data["relation"].upper(), *values))
