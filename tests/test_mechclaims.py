"""MechClaims, the project's own corpus: label checks, stand-off records, the loader, agreement."""

from __future__ import annotations

import pytest

from claimx.corpora.mechanistic import build_record, resolve_labels, sentence_spans

SENTS = ["Ketamine reverses stress-induced synaptic loss.", "Depression is common.",
         "Ketamine acts via mTORC1 signaling in mTORC1-expressing cells."]


def claim(i, **kw):
    return {"i": i, "claim": True, "key": False, "type": "mechanistic", "certainty": "asserted", "negated": False,
            "roles": [], **kw}


def test_resolve_labels_turns_role_texts_into_offsets():
    out = resolve_labels(SENTS, [claim(0, roles=[["AGENT", "Ketamine"], ["EFFECT", "stress-induced synaptic loss"]]),
                                 {"i": 1, "claim": False},
                                 claim(2, roles=[["MECHANISM", "mTORC1", 2], ["MECHANISM", "mTORC1 signaling"]])])
    assert out[1] == {"claim": False}
    assert [(r["label"], SENTS[0][r["start"]:r["end"]]) for r in out[0]["roles"]] == [
        ("AGENT", "Ketamine"), ("EFFECT", "stress-induced synaptic loss")]
    assert [(r["start"], r["end"]) for r in out[2]["roles"]] == [(18, 34), (38, 44)]  # the 2nd "mTORC1"


@pytest.mark.parametrize("labels, message", [
    ([claim(0), {"i": 1, "claim": False}], "have no label"),
    ([claim(0), claim(0), {"i": 1, "claim": False}, claim(2)], "labelled twice"),
    ([claim(0, type="causalish"), {"i": 1, "claim": False}, claim(2)], "type"),
    ([claim(0, roles=[["AGENT", "ketamine"]]), {"i": 1, "claim": False}, claim(2)], "not found"),
    ([claim(0, roles=[["AGENT", "Ketamine "]]), {"i": 1, "claim": False}, claim(2)], "starts or ends"),
    ([claim(0, roles=[["AGENT", "Ketamine", 2]]), {"i": 1, "claim": False}, claim(2)], "not found"),
    ([claim(0), {"i": 1, "claim": False, "roles": [["AGENT", "Depression"]]}, claim(2)], "not a claim"),
    ([claim(0, type="descriptive", roles=[["AGENT", "Ketamine"]]), {"i": 1, "claim": False}, claim(2)], "descriptive"),
    ([claim(0, key=None), {"i": 1, "claim": False}, claim(2)], "'key'"),
])
def test_resolve_labels_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        resolve_labels(SENTS, labels)


def test_build_record_is_stand_off_with_absolute_offsets():
    title, abstract = "Ketamine and synapses", "Ketamine reverses synaptic loss. Mean age was 54."
    spans = sentence_spans(title, abstract)
    text = f"{title} {abstract}"
    assert [text[s:e] for s, e in spans] == ["Ketamine and synapses", "Ketamine reverses synaptic loss.",
                                             "Mean age was 54."]
    rec = build_record("test", "1", (title, abstract), [
        {"i": 0, "claim": False}, claim(1, key=True, type="causal", roles=[["EFFECT", "synaptic loss"]]),
        {"i": 2, "claim": False}], split="dev")
    assert "text" not in rec and rec["id"] == "test:1" and rec["split"] == "dev"
    (c,) = rec["claims"]
    assert (c["start"], c["end"], c["type"], c["key"]) == (22, 54, "causal", True)
    assert [text[r["start"]:r["end"]] for r in c["roles"]] == ["synaptic loss"]


def test_shipped_corpus_joins_with_the_shared_texts(shared):
    from claimx.corpora.mechanistic import load_mechclaims

    docs = load_mechclaims()  # checks every text checksum and every span
    assert len(docs) >= 650 and sum(len(d["sentences"]) for d in docs) >= 6000
    splits = [d["split"] for d in docs]
    assert set(splits) == {"train", "dev", "genre_dev"}
    assert splits.count("dev") >= 60 and splits.count("genre_dev") >= 45
    assert all(d.get("genre") for d in docs if d["split"] == "genre_dev")
    assert len({d["text"][:200].lower() for d in docs}) == len(docs), "an abstract is in the corpus twice"
    assert {d["source"] for d in docs} == {"claim_sentences", "bc5cdr", "biored", "genia", "ncbi", "synthetic"}
    assert {d["split"] for d in docs if d["source"] == "synthetic"} == {"train"}  # evaluation stays real abstracts
    claims = [c for d in docs for c in d["claims"]]
    assert {c["type"] for c in claims} == {"mechanistic", "causal", "correlational", "descriptive"}
    for d in docs[:50]:
        for c in d["claims"]:
            for r in c["roles"]:
                span = d["text"][r["start"]:r["end"]]
                assert span and span == span.strip()


def test_agreement_of_identical_and_different_annotations():
    from claimx.eval.claims import agreement

    a = {"id": "x", "sentences": [[0, 10], [11, 20], [21, 30]],
         "claims": [{"start": 0, "end": 10, "type": "causal", "certainty": "asserted", "negated": False, "key": True,
                     "roles": [{"label": "AGENT", "start": 0, "end": 4}]}]}
    b = {**a, "claims": a["claims"] + [{"start": 11, "end": 20, "type": "descriptive", "certainty": "asserted",
                                        "negated": False, "key": False, "roles": []}]}
    same = agreement([(a, a)])
    assert same["claim_sentence"]["f1"] == 1.0 and same["label5_kappa"] == 1.0 and same["roles_partial_f1"] == 1.0
    diff = agreement([(a, b)])
    assert diff["claim_sentence"]["f1"] == pytest.approx(2 / 3, abs=1e-4) and diff["label5_agreement"] == pytest.approx(2 / 3, abs=1e-4)


def test_role_texts_match_whole_words_only():
    from claimx.corpora.mechanistic import on_word_boundaries

    sent = "Women had acidosis, while men had tremor."
    (out,) = resolve_labels([sent], [claim(0, type="correlational", roles=[["AGENT", "men"], ["AGENT", "Women"]])])
    assert [(r["start"], sent[r["start"]:r["end"]]) for r in out["roles"]] == [(0, "Women"), (26, "men")]
    assert on_word_boundaries(sent, 26, 29) and not on_word_boundaries(sent, 2, 5)
    assert on_word_boundaries("CSP-induced loss", 0, 3) and not on_word_boundaries("CSP-induced loss", 4, 8)
    with pytest.raises(ValueError, match="not found"):
        resolve_labels(["Women only."], [claim(0, roles=[["AGENT", "men"]])])
