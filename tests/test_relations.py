"""Relations read from claims (claimx.eval.relations) and the weak CID role source, on made-up documents."""

from __future__ import annotations

from claimx.corpora.claim_sources import load_cdr_cid
from claimx.corpora.pubtator import ConceptDoc, Mention
from claimx.eval.relations import claim_pairs, cooccurrence_pairs, gold_cid_pairs, score_pairs
from claimx.results import Claim, Result, Role

TITLE = "Drugamine causes flu."
ABSTRACT = "Flu was seen with fooline and gout. Drugamine did not cause gout."
TEXT = f"{TITLE} {ABSTRACT}"


def _at(s: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(s, start + 1)
    return start, start + len(s)


DOC = ConceptDoc("1", TITLE, ABSTRACT, mentions=[
    Mention(*_at("Drugamine"), "Chemical", ("D1",)), Mention(*_at("flu"), "Disease", ("D2",)),
    Mention(*_at("Flu"), "Disease", ("D2",)), Mention(*_at("fooline"), "Chemical", ("D5",)),
    Mention(*_at("gout"), "Disease", ("D3", "D4")), Mention(*_at("Drugamine", 1), "Chemical", ("D1",)),
    Mention(*_at("gout", 1), "Disease", ("D3", "D4"))],
    relations=[("CID", "D1", "D2"), ("CID", "D5", "D3"), ("Association", "D1", "D9")])


def _claim(span: tuple[int, int], roles: list[tuple[str, str, int]], *, type_: str = "causal", negated: bool = False) -> Claim:
    return Claim(*span, TEXT[span[0]:span[1]], TEXT[span[0]:span[1]], type_, "asserted", negated, True, 0.9,
                 [Role(label, *_at(text, nth), text, text) for label, text, nth in roles])


def test_gold_pairs_are_the_cid_lines():
    assert gold_cid_pairs(DOC) == {("D1", "D2"), ("D5", "D3")}


def test_claim_pairs_map_agent_and_effect_through_overlapping_mentions():
    title = (0, len(TITLE))
    last = _at("Drugamine did not cause gout.")
    result = Result("1", TEXT, [], [], [
        _claim(title, [("AGENT", "Drugamine", 0), ("EFFECT", "flu", 0)]),
        _claim(last, [("AGENT", "Drugamine", 1), ("EFFECT", "gout", 1)], negated=True),  # negated: no pair
    ])
    assert claim_pairs(result, DOC) == {("D1", "D2")}
    assert claim_pairs(result, DOC, types=("mechanistic",)) == set()
    wide = Result("1", TEXT, [], [], [_claim(title, [("AGENT", "Drugamine causes", 0), ("EFFECT", "flu", 0)])])
    assert claim_pairs(wide, DOC) == {("D1", "D2")}  # a role wider than the mention still maps
    mech = Result("1", TEXT, [], [], [_claim(title, [("MECHANISM", "Drugamine", 0), ("EFFECT", "flu", 0)])])
    assert claim_pairs(mech, DOC) == set()
    assert claim_pairs(mech, DOC, agent_roles=("AGENT", "MECHANISM")) == {("D1", "D2")}


def test_cooccurrence_pairs_and_score():
    sents = [(0, len(TITLE)), _at("Flu was seen with fooline and gout."), _at("Drugamine did not cause gout.")]
    pred = cooccurrence_pairs(DOC, sents)
    assert pred == {("D1", "D2"), ("D5", "D2"), ("D5", "D3"), ("D5", "D4"), ("D1", "D3"), ("D1", "D4")}
    s = score_pairs({"1": gold_cid_pairs(DOC), "2": {("D7", "D8")}}, {"1": pred})
    assert (s["tp"], s["fp"], s["fn"]) == (2, 4, 1) and s["p"] == round(2 / 6, 4) and s["r"] == round(2 / 3, 4)


def test_cdr_weak_roles_mark_the_pair_mentions_of_a_sentence(tmp_path):
    cdr = tmp_path / "corpora" / "bc5cdr"
    cdr.mkdir(parents=True)
    lines = [f"1|t|{TITLE}", f"1|a|{ABSTRACT}"]
    lines += [f"1\t{m.start}\t{m.end}\t{TEXT[m.start:m.end]}\t{m.type}\t{'|'.join(m.ids)}" for m in DOC.mentions]
    lines += ["1\tCID\tD1\tD2", "1\tCID\tD5\tD3", "", "2|t|No pairs here.", "2|a|Nothing.", ""]
    (cdr / "CDR_TrainingSet.PubTator.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = load_cdr_cid("train", shared_root=tmp_path)
    got = [(d.text, [(d.text[a:b], label) for a, b, label in d.roles]) for d in docs]
    assert got == [
        (TITLE, [("Drugamine", "AGENT"), ("flu", "EFFECT")]),
        ("Flu was seen with fooline and gout.", [("fooline", "AGENT"), ("gout", "EFFECT")]),  # flu: no pair here
    ]
    assert all(d.standalone and d.role_labels == ("AGENT", "EFFECT") and d.allowed == [None] for d in docs)
    assert load_cdr_cid("train", exclude={"1"}, shared_root=tmp_path) == []
