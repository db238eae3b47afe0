"""Word-piece BIO tagging: encode/decode, windows, and a tiny encoder saved, loaded and run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from claimx.models.bio import IGNORE, B, I, decode_bio, encode_bio
from claimx.models.windows import make_windows, pack, tokenize, window_owners
from claimx.results import ENTITY_LABELS as LABELS

# Made-up sentences; spans as (start, end, label), found by substring below.
TEXT = ("Cocaine-induced  hypertension (CIH) was reversed by nifedipine in 12 rats. "
        "The incidence of postoperative nausea fell, while 5-fluorouracil toxicity rose.")
MENTIONS = [
    ("Cocaine", "DRUG"), ("hypertension", "DISORDER"), ("CIH", "DISORDER"), ("nifedipine", "DRUG"),
    ("incidence of postoperative nausea", "OUTCOME"), ("postoperative nausea", "DISORDER"),
    ("5-fluorouracil", "DRUG"), ("5-fluorouracil toxicity", "DISORDER"),
]


def _spans(text: str, mentions) -> list[tuple[int, int, str]]:
    out = []
    for m, label in mentions:
        start = text.index(m)
        out.append((start, start + len(m), label))
    return sorted(out)


def _roundtrip(tokenizer, text, spans, word_ids=True):
    (p,) = tokenize(tokenizer, [text])
    tags = encode_bio(p.offsets, spans, LABELS)
    probs = np.ones(tags.shape, dtype=np.float32)
    return tags, decode_bio(tags, probs, p.offsets, LABELS, p.word_ids if word_ids else None, text)


def test_bio_roundtrip_with_minilm_pieces(tokenizer):
    spans = _spans(TEXT, MENTIONS)
    tags, decoded = _roundtrip(tokenizer, TEXT, spans)
    assert [(s, e, lab) for s, e, lab, _ in decoded] == sorted(spans, key=lambda x: (x[0], x[1], x[2]))
    assert all(score == 1.0 for *_, score in decoded)
    # nested labels live in separate columns: "nausea" is inside both OUTCOME and DISORDER
    (p,) = tokenize(tokenizer, [TEXT])
    k = next(i for i, (s, _) in enumerate(p.offsets) if TEXT[s:].startswith("nausea"))
    assert tags[k, LABELS.index("OUTCOME")] == I and tags[k, LABELS.index("DISORDER")] == I


def test_bio_roundtrip_adjacent_spans_and_odd_spacing(tokenizer):
    text = "aspirin\u00a0ibuprofen  ,\tCIH-2 (alpha-tocopherol)"
    spans = _spans(text, [("aspirin", "DRUG"), ("ibuprofen", "DRUG"), ("CIH-2", "DISORDER"), ("alpha-tocopherol", "DRUG")])
    tags, decoded = _roundtrip(tokenizer, text, spans)
    assert [(s, e, lab) for s, e, lab, _ in decoded] == spans
    assert tags[:, LABELS.index("DRUG")].tolist().count(B) == 3


def test_decode_scores_fixups_and_stray_i(tokenizer):
    text = "Severe hypertension persisted."
    (p,) = tokenize(tokenizer, [text])  # severe | hyper ##tension | persisted | .
    hyper = next(i for i, (s, _) in enumerate(p.offsets) if text[s:].startswith("hyper"))
    tags = np.zeros((len(p), 3), dtype=np.int64)
    probs = np.full((len(p), 3), 0.5, dtype=np.float32)
    tags[hyper + 1, 1] = I  # an I without B, on the second piece of a word
    probs[hyper + 1, 1] = 0.8
    (span,) = decode_bio(tags, probs, p.offsets, LABELS, p.word_ids, text)
    assert text[span[0] : span[1]] == "hypertension" and span[2] == "DISORDER"  # widened to the word
    assert span[3] == pytest.approx(0.8)
    (raw,) = decode_bio(tags, probs, p.offsets, LABELS, None, text)
    assert text[raw[0] : raw[1]] == "tension"  # without the word fix-up
    tags[hyper, 1], probs[hyper, 1] = B, 0.6
    (both,) = decode_bio(tags, probs, p.offsets, LABELS, p.word_ids, text)
    assert both[3] == pytest.approx(0.7)  # mean of the pieces' probabilities


def test_decode_entities_joins_touching_mentions_only_when_the_model_says_so(tokenizer):
    from claimx.models.predictor import decode_entities
    from claimx.models.spec import EntitySettings

    text = "[3H]-naloxone binding and ulnar nerve palsy."
    (p,) = tokenize(tokenizer, [text])
    tags = np.zeros((len(p), 3), dtype=np.int64)
    probs = np.full((len(p), 3), 0.9, dtype=np.float32)
    at = {phrase: next(i for i, (s, _) in enumerate(p.offsets) if text[s:].startswith(phrase))
          for phrase in ("[", "nal", "ulnar", "nerve", "palsy")}
    tags[at["["]:at["nal"], 0] = I
    for phrase, col in (("[", 0), ("nal", 0), ("ulnar", 1), ("nerve", 1), ("palsy", 1)):
        tags[at[phrase], col] = B  # each a mention of its own: fragments of two
    split = [text[s:e] for s, e, _, _ in decode_entities(tags, probs, p, EntitySettings(), text)]
    assert split == ["[3H]-", "naloxone", "ulnar", "nerve", "palsy"]
    joined = decode_entities(tags, probs, p, EntitySettings(join_touching=True), text)
    assert [(text[s:e], label) for s, e, label, _ in joined] == [("[3H]-naloxone", "DRUG"),
                                                                 ("ulnar nerve palsy", "DISORDER")]


def test_decode_entities_drops_mentions_below_the_models_min_score(tokenizer):
    from claimx.models.predictor import decode_entities
    from claimx.models.spec import EntitySettings

    text = "ulnar nerve palsy after cisplatin."
    (p,) = tokenize(tokenizer, [text])
    tags = np.zeros((len(p), 3), dtype=np.int64)
    probs = np.full((len(p), 3), 0.95, dtype=np.float32)
    at = {w: next(i for i, (s, _) in enumerate(p.offsets) if text[s:].startswith(w)) for w in ("ulnar", "nerve", "cis")}
    tags[at["ulnar"], 1], probs[at["ulnar"], 1] = B, 0.9
    tags[at["nerve"], 1], probs[at["nerve"], 1] = B, 0.5  # an unsure fragment
    tags[at["cis"]:at["cis"] + 3, 0] = [B, I, I]  # cis ##pl ##atin
    keep = EntitySettings(min_score=0.8)
    assert [text[s:e] for s, e, _, _ in decode_entities(tags, probs, p, EntitySettings(), text)] == [
        "ulnar", "nerve", "cisplatin"]
    assert [text[s:e] for s, e, _, _ in decode_entities(tags, probs, p, keep, text)] == ["ulnar", "cisplatin"]
    joined = decode_entities(tags, probs, p, EntitySettings(join_touching=True, min_score=0.8), text)
    assert [text[s:e] for s, e, _, _ in joined] == ["cisplatin"]  # "ulnar nerve" scores 0.7 once joined


def test_decode_entities_leaves_the_sentences_full_stop_out(tokenizer):
    from claimx.models.predictor import decode_entities
    from claimx.models.spec import EntitySettings

    text = "Ketamine reduced depressive symptoms. Relapse, then."  # and "rate of adherence in" / "vitamin A" below
    (p,) = tokenize(tokenizer, [text])
    tags = np.zeros((len(p), 3), dtype=np.int64)
    probs = np.full((len(p), 3), 0.9, dtype=np.float32)
    at = {w: next(i for i, (s, _) in enumerate(p.offsets) if text[s:].startswith(w)) for w in ("dep", "Rel", "then")}
    tags[at["dep"]:at["Rel"], 2] = I  # "depressive symptoms ." as one OUTCOME, as EBM-NLP's gold often has it
    tags[at["dep"], 2] = B
    tags[at["Rel"]:at["then"], 1] = I  # "Relapse ," (the comma too)
    tags[at["Rel"], 1] = B
    tags[at["then"] + 1, 0] = B  # a lone full stop: no mention at all
    got = decode_entities(tags, probs, p, EntitySettings(join_touching=True), text)
    assert [(text[s:e], label) for s, e, label, _ in got] == [("depressive symptoms", "OUTCOME"), ("Relapse", "DISORDER")]


def test_trim_entity_ends_drops_a_trailing_function_word_but_not_a_capital():
    from claimx.models.bio import trim_entity_ends

    text = "The rate of adherence in the trial and vitamin A. Of note, in. As as-needed"
    spans = [(4, 24, "OUTCOME", 0.9), (39, 49, "DRUG", 0.9), (50, 52, "DRUG", 0.9), (59, 62, "OUTCOME", 0.9),
             (63, 65, "DRUG", 0.9), (66, 68, "DRUG", 0.9)]
    # a lone lower-case function word is no mention ("in", "as" of "as-needed"); "Of" and "As" (arsenic) stay
    assert [text[s:e] for s, e, _, _ in trim_entity_ends(spans, text)] == ["rate of adherence", "vitamin A", "Of", "As"]


def test_encode_ignores_unknown_labels_and_keeps_first_of_overlapping():
    offsets = [(0, 3), (4, 7), (8, 11)]
    tags = encode_bio(offsets, [(0, 7, "DRUG"), (4, 11, "DRUG"), (0, 3, "GENE")], LABELS)
    assert tags[:, 0].tolist() == [B, I, B]
    assert tags[:, 1:].sum() == 0


@pytest.mark.parametrize("n,max_len,stride", [(10, 20, 4), (1000, 100, 25), (1001, 510, 128), (77, 16, 100)])
def test_windows_cover_everything_within_limits(n, max_len, stride):
    windows = make_windows(n, max_len, stride)
    assert windows[0][0] == 0 and windows[-1][1] == n
    for (s1, e1), (s2, e2) in zip(windows, windows[1:]):
        assert s1 < s2 <= e1 < e2  # contiguous, overlapping, moving forward
        assert e1 - s2 <= max(stride, 0)
    assert all(0 < e - s <= max_len for s, e in windows)
    owners = window_owners(windows, n)
    for i in range(n):
        s, e = windows[owners[i]]
        assert s <= i < e


def test_windows_cut_at_sentence_starts():
    bounds = list(range(0, 1000, 37))[1:]  # a sentence every 37 pieces
    windows = make_windows(1000, 200, 64, bounds)
    assert all(e in bounds for _, e in windows[:-1])
    assert all(s in bounds for s, _ in windows[1:])
    assert all(e - s <= 200 for s, e in windows)
    owners = window_owners(windows, 1000)
    # the piece just before a cut is predicted by the next window (more context there)
    s2, _ = windows[1]
    assert owners[windows[0][1] - 1] == 1 and owners[s2] == 0


def test_training_windows_reassemble_document_targets(tokenizer):
    from claimx.corpora.examples import Example
    from claimx.models.spec import EntitySettings
    from claimx.models.training.targets import entity_windows

    text = " ".join([TEXT] * 12)  # ~400 pieces, cut into windows of 64
    spans = sorted({(s + k * (len(TEXT) + 1), e + k * (len(TEXT) + 1), lab) for k in range(12)
                    for s, e, lab in _spans(TEXT, MENTIONS)})
    settings = EntitySettings(max_pieces=64, stride=16)
    ncbi = [w.targets["entities"] for w in entity_windows([Example("1", "ncbi", text, tuple(spans))], tokenizer, settings)]
    assert len(ncbi) > 5 and all(len(t) <= 64 for t in ncbi)
    (p,) = tokenize(tokenizer, [text])
    gold = encode_bio(p.offsets, spans, LABELS)
    owned = np.concatenate([t[1:-1] for t in ncbi])
    owned = owned[owned[:, 1] != IGNORE]  # NCBI annotates DISORDER only: other columns ignored
    assert (owned[:, [0, 2]] == IGNORE).all()
    assert owned[:, 1].tolist() == gold[:, 1].tolist()  # every piece exactly once, in order
    assert all(t[0].tolist() == [IGNORE] * 3 and t[-1].tolist() == [IGNORE] * 3 for t in ncbi)


def test_pack_keeps_padded_batches_within_the_budget():
    lengths = [10, 64, 30, 64, 8, 20, 33]
    batches = pack(lengths, 100)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert [[lengths[i] for i in b] for b in batches] == [[64], [64], [33, 30, 20], [10, 8]]
    assert all(len(b) * max(lengths[i] for i in b) <= 100 for b in batches)
    assert pack([150, 5], 100) == [[0], [1]]  # one item over the budget makes its own batch
    # a given order (training: shuffled pools sorted by length) is kept
    assert pack(lengths, 100, order=[4, 0, 5, 2]) == [[4, 0, 5], [2]]


def test_entity_only_model_saves_loads_and_predicts(tiny_entity_model):
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec

    meta = json.loads((tiny_entity_model / "claimx.json").read_text())
    assert meta["components"] == ["entities"] and meta["entities"]["labels"] == list(LABELS)
    spec = load_spec(tiny_entity_model)
    assert spec.components == ("entities",) and spec.claims is None
    predictor = Predictor.load(spec, device="cpu", precision="fp32")
    texts = ["", "Aspirin.", " ".join([TEXT] * 8), (TEXT, [(0, 74), (75, len(TEXT))])]
    predictions = predictor.predict(texts)
    assert all(p.sentences == [] and p.roles == [] for p in predictions), "no claim component: entities only"
    out = [p.entities for p in predictions]
    assert len(out) == 4 and out[0] == []
    plain = [t if isinstance(t, str) else t[0] for t in texts]
    assert out[2], "the biased head should predict something"
    for text, preds in zip(plain, out):
        for start, end, label, score in preds:
            assert 0 <= start < end <= len(text) and label in LABELS and 0.0 < score <= 1.0
            assert not text[start].isspace() and not text[end - 1].isspace()
    # batching across documents does not change results (fp32)
    small = [p.entities for p in Predictor.load(spec, device="cpu", precision="fp32", batch_token_budget=130).predict(texts)]
    assert [[(s, e, lab) for s, e, lab, _ in p] for p in small] == [[(s, e, lab) for s, e, lab, _ in p] for p in out]
    for a, b in zip(small, out):
        assert np.allclose([x[3] for x in a], [x[3] for x in b], atol=1e-4)


def test_pipeline_sets_ents_scores_and_short_forms(tiny_entity_model):
    from claimx.pipeline import build_nlp
    from claimx.pipeline.entities import SPANS_KEY, set_entities

    nlp = build_nlp(tiny_entity_model, device="cpu")
    doc = nlp("Cyclophosphamide (CPA) caused cystitis. Later CPA was stopped.")
    assert all(0.0 < e._.score <= 1.0 for e in doc.ents)
    # set_annotations on known predictions: the short form takes its long form's label everywhere
    set_entities(doc, [(0, 16, "DRUG", 0.9), (18, 21, "DISORDER", 0.4), (30, 38, "DISORDER", 0.8),
                       (23, 38, "OUTCOME", 0.7)])
    got = [(e.text, e.label_, round(e._.score, 2)) for e in doc.ents]
    assert got == [("Cyclophosphamide", "DRUG", 0.9), ("CPA", "DRUG", 0.9), ("caused cystitis", "OUTCOME", 0.7),
                   ("CPA", "DRUG", 0.9)]
    assert ("cystitis", "DISORDER") in [(s.text, s.label_) for s in doc.spans[SPANS_KEY]]  # nested kept there
