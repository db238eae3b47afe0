"""The claim component: statements, decoding, windows, the branch, losses, save/load and the pipeline."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from claimx.corpora.claim_sources import ClaimDoc
from claimx.models.heads import TYPE_CLASSES
from claimx.models.predictor import SentencePrediction
from claimx.models.windows import position_features
from claimx.pipeline.claims import decode_claims, expand, trim_definition

TEXT = ("Synaptic-based chronic stress pathology (CSP) underlies depression. "
        "Ketamine restores synaptic connectivity in CSP. Mean age was 54.")
CSP = [(i, i + 3, "chronic stress pathology") for i in (TEXT.index("CSP"), TEXT.index("CSP", TEXT.index("CSP") + 1))]
S1, S2, S3 = (0, 67), (68, 115), (116, 132)


def _probs(**kw) -> np.ndarray:
    p = np.array([kw.get(name, 0.0) for name in TYPE_CLASSES], dtype=np.float32)
    return p / p.sum()


def test_sentence_spans_of_the_fixture():
    assert [TEXT[s:e] for s, e in (S1, S2, S3)] == [
        "Synaptic-based chronic stress pathology (CSP) underlies depression.",
        "Ketamine restores synaptic connectivity in CSP.", "Mean age was 54."]


def test_expand_spells_out_short_forms_and_drops_the_definition():
    assert expand(TEXT, *S1, CSP) == "Synaptic-based chronic stress pathology underlies depression."
    assert expand(TEXT, *S2, CSP) == "Ketamine restores synaptic connectivity in chronic stress pathology."
    assert expand(TEXT, *S3, CSP) == "Mean age was 54."
    assert expand(TEXT, TEXT.index("CSP"), TEXT.index("CSP") + 3, CSP) == "chronic stress pathology"


def test_a_role_ending_with_its_own_definition_ends_before_it():
    end = TEXT.index(" (CSP)")
    assert trim_definition(TEXT, 0, end + 6, CSP) == end  # "Synaptic-based chronic stress pathology (CSP)"
    assert trim_definition(TEXT, 0, end, CSP) == end  # no parenthesis: unchanged
    assert trim_definition(TEXT, 0, end + 6, []) == end + 6  # "(CSP)" not detected as an abbreviation
    assert trim_definition(TEXT, CSP[0][0], CSP[0][1] + 1, CSP) == CSP[0][1] + 1  # "CSP)": nothing before it
    other = "Tumour necrosis factor (TNF) drives arthritis (TNF)."  # "(TNF)" after another long form: kept
    tnf = [(other.index("TNF", 30), other.index("TNF", 30) + 3, "tumour necrosis factor")]
    assert trim_definition(other, 36, 51, tnf) == 51


def test_decode_claims_thresholds_types_and_roles():
    sents = [SentencePrediction(*S1, _probs(none=0.1, mechanistic=0.7, causal=0.2), key=0.9, hedged=0.2, negated=0.1),
             SentencePrediction(*S2, _probs(none=0.2, causal=0.5, mechanistic=0.3), key=0.3, hedged=0.7, negated=0.6),
             SentencePrediction(*S3, _probs(none=0.9, descriptive=0.1), key=0.1, hedged=0.0, negated=0.0)]
    k = TEXT.index("Ketamine")
    sc = TEXT.index("synaptic connectivity")
    csp2 = CSP[1][0]
    roles = [(0, 45, "MECHANISM", 0.9), (56, 66, "EFFECT", 0.8), (k, k + 8, "AGENT", 0.9),
             (sc, sc + 21, "MECHANISM", 0.7), (csp2, csp2 + 3, "EFFECT", 0.6)]
    claims = decode_claims(TEXT, sents, roles, CSP, claim_threshold=0.5, key_threshold=0.5)
    assert [(c.start, c.end, c.type, c.certainty, c.negated, c.key) for c in claims] == [
        (*S1, "mechanistic", "asserted", False, True), (*S2, "causal", "hedged", True, False)]
    assert claims[0].score == pytest.approx(0.9, abs=1e-4)
    assert [(r.label, r.text) for r in claims[0].roles] == [
        ("MECHANISM", "Synaptic-based chronic stress pathology"), ("EFFECT", "depression")]
    assert [(r.label, r.text, r.expanded) for r in claims[1].roles][-1] == ("EFFECT", "CSP", "chronic stress pathology")
    assert claims[1].statement == "Ketamine restores synaptic connectivity in chronic stress pathology."


def test_position_features():
    assert position_features(0, 5) == [0.0, 1.0, 0.0, 0.0]
    assert position_features(4, 5) == [1.0, 0.0, 1.0, 0.0]
    assert position_features(0, 1, standalone=True) == [0.0, 0.0, 0.0, 1.0]
    assert position_features(0, 1) == [0.0, 0.0, 0.0, 1.0]  # a text of one sentence is a sentence given alone


def test_windows_assign_each_sentence_once_with_its_targets(tokenizer):
    from claimx.models.bio import IGNORE
    from claimx.models.spec import EntitySettings
    from claimx.models.training.targets import claim_windows, collate_training
    from claimx.results import ROLE_LABELS

    reps = 10
    text = " ".join([TEXT] * reps)
    step = len(TEXT) + 1
    sents = [(s + k * step, e + k * step) for k in range(reps) for s, e in (S1, S2, S3)]
    n = len(sents)
    doc = ClaimDoc("d", "test", text, sents, [("mechanistic",), ("causal",), ("none",)] * reps, [1, 0, 0] * reps,
                   [0, 1, None] * reps,
                   [0, 0, None] * reps, roles=[(s + k * step, s + k * step + 8, "AGENT") for k in range(reps)
                                               for s in [text.index("Ketamine")]])
    wins = claim_windows([doc], tokenizer, EntitySettings(max_pieces=64, stride=16), ROLE_LABELS)
    assert len(wins) > 3 and all(len(w) <= 64 for w in wins)
    owned = sorted(i for w in wins for i in w.window.sentence_ids)
    assert owned == list(range(n)), "every sentence belongs to exactly one window"
    for t in wins:
        w = t.window
        for j, sid in enumerate(w.sentence_ids):
            assert t.targets["allowed"][j].tolist() == [c == doc.allowed[sid][0] for c in TYPE_CLASSES]
            assert np.isnan(t.targets["flags"][j, 1]) == (doc.hedged[sid] is None)
            assert (w.sentence_of_piece == j).any()
        assert t.targets["roles"][0].tolist() == [IGNORE] * 3 and w.owned.sum() > 0
    batch = collate_training(wins[:3], tokenizer.pad_token_id)
    sop = batch["sentence_of_piece"]
    assert int(sop.max()) == sum(len(t.window.position) for t in wins[:3]) - 1
    assert batch["allowed"].shape == (int(sop.max()) + 1, len(TYPE_CLASSES))
    assert batch["roles"].shape[:2] == batch["input_ids"].shape


def test_role_targets_only_inside_relational_claims_when_asked(tokenizer):
    from claimx.models.bio import IGNORE, O
    from claimx.models.spec import EntitySettings
    from claimx.models.training.targets import claim_windows
    from claimx.results import ROLE_LABELS

    # sentence 1 mechanistic, 2 causal (roles annotated), 3 not a claim
    doc = ClaimDoc("d", "test", TEXT, [S1, S2, S3], [("mechanistic",), ("causal",), ("none",)], [None] * 3,
                   [None] * 3, [None] * 3, roles=[(TEXT.index("Ketamine"), TEXT.index("Ketamine") + 8, "AGENT")])
    everywhere, = claim_windows([doc], tokenizer, EntitySettings(), ROLE_LABELS)
    claims_only, = claim_windows([doc], tokenizer, EntitySettings(), ROLE_LABELS, roles_in_claims_only=True)
    sop = everywhere.window.sentence_of_piece
    everywhere, claims_only = everywhere.targets["roles"], claims_only.targets["roles"]
    assert (everywhere[sop == 2] == O).all() and (everywhere[sop == 0] == O).all()
    assert (claims_only[sop == 2] == IGNORE).all(), "no role targets in the non-claim"
    assert (claims_only[sop == 0] == O).all() and (claims_only[sop == 1] != IGNORE).all()
    assert (claims_only[sop == -1] == IGNORE).all()  # [CLS], [SEP]


def test_viterbi_role_decoding_keeps_spans_whole():
    from claimx.models.bio import viterbi_bio

    # piece 2 alone would be O by argmax, breaking "B I O I" into two spans; the path keeps B I I I
    a = np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.45, 0.1, 0.45], [0.1, 0.1, 0.8], [0.9, 0.05, 0.05]])
    # an I right after O is not allowed: it becomes B; padding (O) after the end changes nothing
    b = np.array([[0.9, 0.05, 0.05], [0.2, 0.3, 0.5]] + [[1.0, 0.0, 0.0]] * 3)
    with np.errstate(divide="ignore"):
        paths = viterbi_bio(np.log(np.stack([a, b])))
    assert paths.tolist() == [[1, 2, 2, 2, 0], [0, 1, 0, 0, 0]]


def test_touching_role_spans_of_one_label_merge():
    from claimx.models.bio import merge_touching

    text = "Mutations in IDH1 or IDH2 raise risk; IDH1, IDH2 too."
    spans = [(0, 12, "AGENT", 0.5), (13, 20, "AGENT", 0.9), (21, 25, "AGENT", 0.8), (26, 36, "EFFECT", 0.7),
             (38, 42, "AGENT", 0.6), (44, 48, "AGENT", 0.6)]  # "IDH1" "," "IDH2": a comma between, kept apart
    got = merge_touching(spans, text)
    assert [(text[s:e], label) for s, e, label, _ in got] == [
        ("Mutations in IDH1 or IDH2", "AGENT"), ("raise risk", "EFFECT"), ("IDH1", "AGENT"), ("IDH2", "AGENT")]
    first_two = (0.5 * 12 + 0.9 * 7) / 19  # weights: the lengths of what is joined so far
    assert got[0][3] == pytest.approx((first_two * 20 + 0.8 * 4) / 24)
    assert merge_touching([(0, 4, "AGENT", 1.0), (5, 9, "EFFECT", 1.0)], "IDH1 IDH2") == [
        (0, 4, "AGENT", 1.0), (5, 9, "EFFECT", 1.0)]


def test_role_spans_lose_ragged_punctuation_at_their_ends():
    from claimx.models.bio import trim_punctuation

    text = "miR135a-mediated loss (of 5-HT1A), in IL-6- mice; HFE-/- and -1607 alleles"
    spans = [(0, 8, "AGENT", 0.9), (17, 23, "EFFECT", 0.8), (23, 34, "MECHANISM", 0.7), (22, 33, "AGENT", 0.6),
             (33, 35, "EFFECT", 0.5), (38, 41, "AGENT", 0.4), (38, 43, "AGENT", 0.3), (50, 56, "AGENT", 0.2),
             (61, 74, "EFFECT", 0.1)]
    # "miR135a-", "loss (", "of 5-HT1A),", "(of 5-HT1A)", ", ", "IL-", "IL-6-", "HFE-/-", "-1607 alleles"
    got = trim_punctuation(spans, text)
    assert [(text[s:e], label, score) for s, e, label, score in got] == [
        ("miR135a", "AGENT", 0.9), ("loss", "EFFECT", 0.8), ("(of 5-HT1A)", "AGENT", 0.6),
        ("of 5-HT1A", "MECHANISM", 0.7), ("IL-6", "AGENT", 0.4), ("IL-6", "AGENT", 0.3), ("HFE-/-", "AGENT", 0.2),
        ("-1607 alleles", "EFFECT", 0.1)]
    text = "stress pathology (CSP) in a protein kinase C (PKC, (a) kinase"
    a = text.index("a protein")
    spans = [(0, text.index(")"), "MECHANISM", 0.9), (a, text.index(","), "AGENT", 0.8), (a, len(text), "AGENT", 0.7)]
    # "stress pathology (CSP", "a protein kinase C (PKC", "a protein kinase C (PKC, (a) kinase"
    assert [text[s:e] for s, e, _, _ in trim_punctuation(spans, text)] == ["stress pathology", "a protein kinase C",
                                                                           "a protein kinase C"]


def test_branch_reproduces_the_encoders_top_layers_and_losses_are_finite():
    import torch
    from transformers import BertConfig, BertModel

    from claimx.models.heads import ClaimHeads
    from claimx.models.spec import ClaimSettings
    from claimx.models.training.claims import branch_from_bert, claim_losses

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    bert = BertModel(config, add_pooling_layer=False).eval()
    ids = torch.randint(5, 100, (2, 12))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    with torch.no_grad():
        out = bert(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        heads = ClaimHeads(32, 2, 64, ClaimSettings(branch_layers=2)).eval()
        branch_from_bert(heads, bert)
        top = heads.run_branch(out.hidden_states[-3], mask)
    assert torch.allclose(top[mask.bool()], out.last_hidden_state[mask.bool()], atol=1e-5)
    sop = torch.tensor([[-1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, -1], [-1, 2, 2, 2, 2, 2, 2, -1, -1, -1, -1, -1]])
    res = heads(out.hidden_states[-3], mask, sop, torch.zeros(3, 4))
    assert res["type"].shape == (3, 5) and res["flags"].shape == (3, 3) and res["roles"].shape == (2, 12, 3, 3)
    allowed = torch.tensor([[True, False, False, False, False], [False, True, True, False, False], [False] * 5])
    flags = torch.tensor([[0.0, float("nan"), float("nan")], [1.0, 0.0, 1.0], [float("nan")] * 3])
    roles = torch.full((2, 12, 3), -100)
    losses = claim_losses(res, {"allowed": allowed, "flags": flags, "roles": roles})
    assert all(math.isfinite(float(v.detach())) for v in losses.values()) and float(losses["roles"]) == 0.0
    logp = res["type"].log_softmax(-1)
    expected = -(logp[0, 0] + torch.logsumexp(logp[1, 1:3], 0)) / 2  # set-valued target: sum over allowed
    assert float(losses["type"].detach()) == pytest.approx(float(expected.detach()), rel=1e-5)


def test_saved_claims_load_back_and_predict_the_same(tiny_model):
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    meta = json.loads((tiny_model / "claimx.json").read_text())
    assert meta["components"] == ["entities", "claims"] and meta["claims"]["branch_layers"] == 1
    spec = load_spec(tiny_model)
    assert spec.claims is not None and spec.claims.branch_layers == 1 and spec.label == "claimx-tiny 0.0.1"
    items = [(TEXT, [S1, S2, S3]), (" ".join([TEXT] * 6), [(0, len(TEXT))]), ("x", [(0, 1)])]
    a = Predictor.load(spec, device="cpu", precision="fp32").predict(items)
    b = Predictor.load(spec, device="cpu", precision="fp32", batch_token_budget=70).predict(items)  # other batches
    assert [len(d.sentences) for d in a] == [3, 1, 1]
    for da, db in zip(a, b):
        assert [r[:3] for r in da.roles] == [r[:3] for r in db.roles]
        for sa, sb in zip(da.sentences, db.sentences):
            assert np.allclose(sa.types, sb.types, atol=1e-4) and sa.type == "mechanistic" and sa.claim > 0.9


def test_pipeline_outputs_claims_with_expanded_statements(tiny_model):
    import claimx

    ex = claimx.load(tiny_model, device="cpu")
    result = ex(TEXT)
    assert [(c.start, c.end) for c in result.claims] == [S1, S2, S3]
    assert result.claims[1].statement == "Ketamine restores synaptic connectivity in chronic stress pathology."
    for c in result.to_dict()["claims"]:
        assert c["type"] == "mechanistic" and c["text"] == TEXT[c["start"]:c["end"]]
        for r in c["roles"]:
            assert c["start"] <= r["start"] < r["end"] <= c["end"] and r["text"] == TEXT[r["start"]:r["end"]]


def test_causal_language_classes_from_the_heads():
    from claimx.eval.claims import causal_class, causal_scores

    assert causal_class(_probs(none=0.3, descriptive=0.3, causal=0.4), hedged=0.1) == 0  # none + descriptive
    assert causal_class(_probs(causal=0.3, mechanistic=0.3, none=0.4), hedged=0.2) == 1  # direct causal
    assert causal_class(_probs(causal=0.8, none=0.2), hedged=0.9) == 2  # conditional causal
    assert causal_class(_probs(correlational=0.6, causal=0.4), hedged=0.0) == 3
    s = causal_scores([0, 1, 2, 3, 3], [0, 1, 1, 3, 0])
    assert s["per_class"]["conditional causal"]["f1"] == 0.0 and s["accuracy"] == 0.6
    assert s["macro_f1"] == round((2 / 3 + 2 / 3 + 0 + 2 / 3) / 4, 4)


def test_entities_only_prediction_skips_the_claim_branch(tiny_model):
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    predictor = Predictor.load(load_spec(tiny_model), device="cpu", precision="fp32")
    items = [(TEXT, [S1, S2, S3]), (" ".join([TEXT] * 6), None)]
    full, entities_only = predictor.predict(items), predictor.predict(items, claims=False)
    assert [p.entities for p in entities_only] == [p.entities for p in full] and full[0].entities
    assert all(p.sentences == [] and p.roles == [] for p in entities_only) and len(full[0].sentences) == 3


def test_flag_f1_scores_the_positive_class_on_matched_claims():
    from claimx.eval.claims import flag_f1

    def c(s, negated=False, certainty="asserted"):
        return {"start": s, "end": s + 5, "negated": negated, "certainty": certainty}

    gold = [{"id": "a", "claims": [c(0, negated=True), c(10), c(20, negated=True, certainty="hedged"), c(30, True)]}]
    pred = [{"id": "a", "claims": [c(0, negated=True), c(10, negated=True), c(20, certainty="hedged")]}]  # 30 unmatched
    assert flag_f1(gold, pred, "negated") == {"p": 0.5, "r": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1}
    assert flag_f1(gold, pred, "hedged")["f1"] == 1.0
    never = [{"id": "a", "claims": [c(0), c(10), c(20)]}]
    assert flag_f1(gold, never, "negated")["f1"] == 0.0  # accuracy would be 1/3 here, ~0.93 on real data


def test_sentence_copies_are_standalone_with_their_labels():
    from claimx.corpora.claim_sources import sentence_copies

    k = TEXT.index("Ketamine")
    doc = ClaimDoc("d", "test", TEXT, [S1, S2, S3], [("mechanistic",), ("causal",), ("none",)], [1, 0, 0],
                   [0, 1, None], [0, 1, None], roles=[(0, 39, "MECHANISM"), (k, k + 8, "AGENT")])
    one, two, three = sentence_copies([doc])
    assert [c.text for c in (one, two, three)] == [TEXT[s:e] for s, e in (S1, S2, S3)]
    assert all(c.standalone and c.sentences == [(0, len(c.text))] and c.key == [None] for c in (one, two, three))
    assert (two.allowed, two.hedged, two.negated, two.roles) == ([("causal",)], [1], [1], [(0, 8, "AGENT")])
    assert one.roles == [(0, 39, "MECHANISM")] and three.roles is None  # no role targets outside relational claims


def test_abbreviation_copies_define_and_use_acronyms_of_claim_roles():
    from claimx.corpora.claim_sources import abbreviation_copies

    text = ("We present evidence for a chronic stress pathology in depression. "
            "The chronic stress pathology model is reviewed. Ketamine acts fast.")
    s1, s2, s3 = (0, 65), (66, 113), (114, 134)
    role = (text.index("chronic"), text.index(" in depression"), "MECHANISM")
    eff = (text.index("depression"), text.index("depression") + 10, "EFFECT")
    later = (text.index("The chronic") + 4, text.index(" model"), "MECHANISM")  # a role the acronym replaces
    doc = ClaimDoc("d", "test", text, [s1, s2, s3], [("mechanistic",), ("mechanistic",), ("none",)], [1, 0, 0],
                   [0, 0, None], [0, 0, None], roles=[role, eff, later], meta={"genre": "perspective"})
    (copy,) = abbreviation_copies([doc], claim_share=1.0)
    assert copy.text == ("We present evidence for a chronic stress pathology (CSP) in depression. "
                         "The CSP model is reviewed. Ketamine acts fast.")
    assert [copy.text[s:e] for s, e in copy.sentences] == [
        "We present evidence for a chronic stress pathology (CSP) in depression.", "The CSP model is reviewed.",
        "Ketamine acts fast."]
    assert [(copy.text[s:e], label) for s, e, label in copy.roles] == [
        ("chronic stress pathology", "MECHANISM"), ("depression", "EFFECT"), ("CSP", "MECHANISM")]
    assert (copy.id, copy.allowed, copy.key, copy.meta) == ("d~abbr", doc.allowed, doc.key, {"genre": "perspective"})
    no_roles = ClaimDoc("e", "test", text, [s1], [("none",)], [0], [None], [None], roles=[])
    one_word = ClaimDoc("f", "test", text, [s1], [("mechanistic",)], [0], [0], [0], roles=[eff])
    assert abbreviation_copies([no_roles, one_word], claim_share=1.0) == []  # nothing to abbreviate: no copy
    assert abbreviation_copies([doc]) == []  # default share: no other sentence defines one here, so none
    assert abbreviation_copies([doc], claim_share=0.0) == []


@pytest.mark.parametrize("text, role, expect", [
    ("Stress pathology drives Z. Psychological distress pathology was seen.", "Stress pathology",
     "Stress pathology (SP) drives Z. Psychological distress pathology was seen."),  # a mention must be whole words
    ("Cell death drives Z. CD4 loss was seen.", "Cell death", None),  # "CD" starts a word of the text
    ("β-catenin signaling drives Z. It was seen.", "β-catenin signaling", None),  # no plain-letter acronym
    ("p38alpha MAPK drives Z. It was seen.", "p38alpha MAPK", "p38alpha MAPK (PM) drives Z. It was seen."),
    ("Cell death (p < 0.01) rose in Z. It was seen.", "Cell death", None),  # a bracket follows: left as it is
    ("Cell death-induced Z rose. It was seen.", "Cell death", None),
])
def test_abbreviation_copies_leave_what_would_read_wrong(text, role, expect):
    from claimx.corpora.claim_sources import abbreviation_copies

    first = text.index(".") + 1
    start = text.index(role)
    doc = ClaimDoc("d", "test", text, [(0, first), (first + 1, len(text))], [("mechanistic",), ("none",)], [1, 0],
                   [0, None], [0, None], roles=[(start, start + len(role), "AGENT")])
    assert [c.text for c in abbreviation_copies([doc], claim_share=1.0)] == ([expect] if expect else [])


def test_definition_share_counts_non_claim_sentences_that_define_an_abbreviation():
    from claimx.corpora.claim_sources import definition_share

    text = "Chronic stress (CS) is common. CS harms. Mice (n = 8) were used. CS pathology (CSP) drives Z."
    cuts = [0, 31, 41, 66, len(text)]
    doc = ClaimDoc("d", "test", text, [(cuts[i], cuts[i + 1] - 1 if i < 3 else cuts[i + 1]) for i in range(4)],
                   [("none",), ("none",), ("none",), ("mechanistic",)], [0] * 4, [None] * 4, [None] * 4)
    assert definition_share([doc]) == pytest.approx(1 / 3)  # "(CS)" of 3 non-claims; "(n = 8)" is no definition


def test_frame_copies_reword_the_reporting_frame_of_genre_papers_only():
    from claimx.corpora.claim_sources import frame_copies

    parts = ["In this review, we summarize the two-hit model of gout.", "We propose a urate model of pain.",
             "We propose that urate drives pain.", "Urate rose."]
    text = " ".join(parts)
    sents = [(text.index(t), text.index(t) + len(t)) for t in parts]
    model = (text.index("two-hit"), text.index(" of gout"), "MECHANISM")
    doc = ClaimDoc("d", "test", text, sents, [("mechanistic",)] * 3 + [("none",)], [1, 0, 0, 0], [0, 1, 1, None],
                   [0, 0, 0, None], roles=[model], meta={"genre": "review"})
    (copy,) = frame_copies([doc])
    first, second, third, fourth = (copy.text[s:e] for s, e in copy.sentences)
    assert first.endswith(" the two-hit model of gout.") and not first.startswith("In this review, we summarize")
    assert second.endswith(" a urate model of pain.") and not second.startswith("We propose")
    assert (third, fourth) == ("We propose that urate drives pain.", "Urate rose.")  # "propose that": a hedge, kept
    assert copy.hedged == [0, None, 1, None] and copy.allowed == doc.allowed  # a reworded "propose": unsupervised
    assert [(copy.text[s:e], label) for s, e, label in copy.roles] == [("two-hit model", "MECHANISM")]
    research = ClaimDoc("r", "test", text, sents, doc.allowed, doc.key, doc.hedged, doc.negated, roles=[model])
    assert frame_copies([research]) == []  # a research paper's "we present" reports a finding: left alone


def test_tail_copies_announce_one_more_topic_in_framed_sentences_only():
    from claimx.corpora.claim_sources import tail_copies

    parts = ["In this review, we summarize the two-hit model of gout.", "Urate rose.",
             "We then discuss current treatments."]
    text = " ".join(parts)
    sents = [(text.index(t), text.index(t) + len(t)) for t in parts]
    model = (text.index("two-hit"), text.index("gout") + 4, "MECHANISM")
    doc = ClaimDoc("d", "test", text, sents, [("mechanistic",), ("none",), ("none",)], [1, 0, 0], [0, None, None],
                   [0, None, None], roles=[model], meta={"genre": "review"})
    (copy,) = tail_copies([doc])
    first, second, third = (copy.text[s:e] for s, e in copy.sentences)
    assert first.startswith("In this review, we summarize the two-hit model of gout, ") and first.endswith(".")
    assert second == "Urate rose." and third.startswith("We then discuss current treatments, ") and third != parts[2]
    assert (copy.allowed, copy.hedged) == (doc.allowed, doc.hedged)
    assert [(copy.text[s:e], label) for s, e, label in copy.roles] == [("two-hit model of gout", "MECHANISM")]
    research = ClaimDoc("r", "test", text, sents, doc.allowed, doc.key, doc.hedged, doc.negated, roles=[model])
    assert tail_copies([research]) == []


def test_scored_claims_are_decoded_with_the_texts_abbreviations(tiny_model, monkeypatch):
    """eval_claims scores what the pipeline outputs: decode_claims gets the abbreviations scispaCy finds."""
    import claimx.pipeline.claims as decoding
    from claimx.eval.claims import predictions_as_output
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    text = "We studied chronic stress pathology (CSP). CSP causes depression."
    seen = []
    monkeypatch.setattr(decoding, "decode_claims", lambda text, s, r, abbreviations, **kw: seen.append(abbreviations) or [])
    predictor = Predictor.load(load_spec(tiny_model), device="cpu", precision="fp32")
    out = predictions_as_output(predictor, [{"id": "d", "text": text, "sentences": [(0, 42), (43, len(text))]}])
    assert out == [{"id": "d", "claims": []}]
    long = "chronic stress pathology"
    assert sorted(seen[0]) == [(37, 40, long), (43, 46, long)]  # the definition's short form and its use
