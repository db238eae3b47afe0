"""The trainers on tiny data: the shared step loop fits, the saved folder loads back into the runtime."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from claimx.corpora.claim_sources import ClaimDoc
from claimx.corpora.examples import Example

TEXT = "Ketamine reduced depressive symptoms in patients. Lithium caused tremor. Mean age was 54."
SENTENCES = [(0, 49), (50, 71), (72, 88)]


def _at(phrase: str, label: str) -> tuple[int, int, str]:
    start = TEXT.index(phrase)
    return start, start + len(phrase), label


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, tokenizer) -> Path:
    """A base checkpoint folder (BERT, 2 layers of width 32, random weights), as `from_base` reads one."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    path = tmp_path_factory.mktemp("base")
    BertModel(config, add_pooling_layer=False).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


def test_entity_training_fits_and_the_folder_loads_into_the_runtime(tiny_base: Path, tmp_path: Path):
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec
    from claimx.models.training.entities import TrainConfig, train_entities

    spans = (_at("Ketamine", "DRUG"), _at("Lithium", "DRUG"), _at("tremor", "DISORDER"))
    train = [Example(str(i), "bc5cdr", TEXT, spans) for i in range(8)]
    cfg = TrainConfig(base_model=str(tiny_base), epochs=30, lr=3e-3, warmup=0.0, batch_tokens=64, max_pieces=64,
                      stride=16, precision="fp32", eval_every=0)
    metrics = train_entities(cfg, train, {"bc5cdr": train[:1]}, tmp_path / "model", log=lambda _: None)
    losses = [row["loss"] for row in metrics["history"]]
    assert losses[-1] < losses[0] / 3, losses
    assert metrics["dev"][0]["strict"]["ALL"]["f1"] == 1.0, "8 copies of one abstract are learnt exactly"
    spec = load_spec(tmp_path / "model")
    assert spec.components == ("entities",) and (tmp_path / "model" / "README.md").is_file()
    (pred,) = Predictor.load(spec, device="cpu", precision="fp32").predict([(TEXT, SENTENCES)])
    # BC5CDR annotates DRUG and DISORDER: OUTCOME was never taught (masked), so it is left out here
    assert [(s, e, label) for s, e, label, _ in pred.entities if label != "OUTCOME"] == sorted(spans)


def test_claim_training_fits_on_a_frozen_trunk(tiny_entity_model: Path, tmp_path: Path):
    import torch
    from safetensors.torch import load_file

    from claimx.models.encoder import save_encoder
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec
    from claimx.models.training.claims import ClaimTrainConfig, train_claims

    roles = [_at("Ketamine", "AGENT"), _at("depressive symptoms", "EFFECT"), _at("Lithium", "AGENT"),
             _at("tremor", "EFFECT")]
    docs = [ClaimDoc(str(i), "test", TEXT, SENTENCES, [("causal",), ("causal",), ("none",)], [1, 0, 0], [0, 0, None],
                     [0, 0, None], roles) for i in range(8)]
    cfg = ClaimTrainConfig(trunk=str(tiny_entity_model), branch_layers=1, epochs=30, lr=3e-3, head_lr=1e-2,
                           warmup=0.0, batch_tokens=64, precision="fp32")
    model, tokenizer, history = train_claims(cfg, docs, log=lambda _: None)
    assert history[-1]["loss"] < history[0]["loss"] / 3, [h["loss"] for h in history]
    trunk = load_file(str(tiny_entity_model / "model.safetensors"))
    assert all(torch.equal(v, trunk[k]) for k, v in model.state_dict().items() if k in trunk), "the trunk stays frozen"
    out = save_encoder(model, tokenizer, tmp_path / "model", name="claimx-tiny", version="0.0.2")
    spec = load_spec(out)
    assert spec.components == ("entities", "claims") and spec.claims.branch_layers == 1
    (pred,) = Predictor.load(spec, device="cpu", precision="fp32").predict([(TEXT, SENTENCES)])
    assert [s.type if s.claim >= 0.5 else None for s in pred.sentences] == ["causal", "causal", None]
    assert {(s, e, label) for s, e, label, _ in pred.roles} == set(roles)


def test_a_student_with_all_teacher_layers_is_the_teacher(tiny_model: Path):
    import torch

    from claimx.models.encoder import load_encoder
    from claimx.models.training.distill import _forward, student_from_teacher
    from claimx.models.windows import collate, document_windows, tokenize

    teacher, tokenizer = load_encoder(tiny_model)
    (pieces,) = tokenize(tokenizer, [TEXT])
    windows = document_windows(0, pieces, SENTENCES, teacher.entities, tokenizer.cls_token_id, tokenizer.sep_token_id)
    batch = collate(windows, tokenizer.pad_token_id)
    same = student_from_teacher(teacher, [0, 1], branch_layers=1).eval()
    with torch.no_grad():
        want, got = _forward(teacher, batch), _forward(same, batch)
        assert want.keys() == got.keys() == {"entities", "roles", "type", "flags"}
        assert all(torch.allclose(want[k], got[k], atol=1e-5) for k in want)
        small = student_from_teacher(teacher, [1], branch_layers=0).eval()
        assert len(small.backbone.encoder.layer) == 1 and len(small.heads["claims"].branch) == 0
        assert _forward(small, batch)["roles"].shape == want["roles"].shape
    with pytest.raises(ValueError, match="indices of the teacher's 2 encoder layers"):
        student_from_teacher(teacher, [2])
    with pytest.raises(ValueError, match="branch_layers 2: give 0 to 1"):
        student_from_teacher(teacher, [0, 1], branch_layers=2)


def test_distillation_moves_the_student_towards_the_teacher_and_resumes(tiny_model: Path, tmp_path: Path):
    from claimx.models.encoder import save_encoder
    from claimx.models.predictor import Predictor
    from claimx.models.spec import load_spec
    from claimx.models.training.distill import DistillConfig, distill

    texts = [(TEXT, SENTENCES)] * 4 + [("Aspirin did not reduce mortality in sepsis.", [(0, 43)])] * 4
    cfg = DistillConfig(teacher=str(tiny_model), layers=(1,), branch_layers=0, epochs=12, lr=3e-3, head_lr=1e-2,
                        warmup=0.0, batch_tokens=64, precision="fp32")
    ckpt = tmp_path / "checkpoint.pt"
    _, _, first = distill(cfg, texts, log=lambda _: None)
    assert first[-1]["loss"] < first[0]["loss"] / 3, [h["loss"] for h in first]
    # a run stopped after 2 of 3 epochs and resumed (the teacher's logits read back) takes the same steps as one
    # that ran through
    short = replace(cfg, epochs=3)
    _, _, whole = distill(short, texts, log=lambda _: None)
    from claimx.models.training import loop

    calls = []
    real = loop._save_checkpoint

    def stop_after_two(path, module, *args):
        real(path, module, *args)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    loop._save_checkpoint = stop_after_two
    try:
        with pytest.raises(KeyboardInterrupt):
            distill(short, texts, log=lambda _: None, checkpoint=ckpt, logits_cache=tmp_path / "logits.pt")
    finally:
        loop._save_checkpoint = real
    lines = []
    student, tokenizer, resumed = distill(short, texts, log=lines.append, checkpoint=ckpt,
                                          logits_cache=tmp_path / "logits.pt")
    assert any("teacher logits read from" in line for line in lines), lines
    assert [h["loss"] for h in resumed] == [h["loss"] for h in whole]
    out = save_encoder(student, tokenizer, tmp_path / "student", name="claimx-tiny-student", version="0.0.1")
    spec = load_spec(out)
    assert spec.claims.branch_layers == 0
    (pred,) = Predictor.load(spec, device="cpu", precision="fp32").predict([(TEXT, SENTENCES)])
    assert len(pred.sentences) == 3


def test_distillation_losses_with_no_sentence_in_the_batch_are_zero():
    import torch

    from claimx.models.training.distill import distill_losses

    out = {"entities": torch.zeros(1, 4, 3, 3), "roles": torch.zeros(1, 4, 3, 3), "type": torch.zeros(0, 5),
           "flags": torch.zeros(0, 3)}
    target = {k: v.clone() for k, v in out.items()}
    parts = distill_losses(out, target, torch.tensor([[False, True, True, False]]), 2.0)
    assert {k: float(v) for k, v in parts.items()} == {"entities": 0.0, "roles": 0.0, "type": 0.0, "flags": 0.0}


def test_distillation_scores_roles_only_in_the_teachers_relational_claims():
    import torch

    from claimx.models.training.distill import distill_losses

    # sentences: 0 not a claim, 1 a descriptive claim (no roles are read there), 2 a mechanistic claim
    target = {"entities": torch.zeros(1, 5, 3, 3), "roles": torch.zeros(1, 5, 3, 3),
              "type": torch.tensor([[5.0, 0, 0, 0, 0], [0, 0, 0, 0, 5.0], [0, 5.0, 0, 0, 0]]),
              "flags": torch.zeros(3, 3)}
    out = {k: v.clone() for k, v in target.items()}
    out["roles"][0, 1, 0] = out["roles"][0, 2, 0] = torch.tensor([0.0, 4.0, 0.0])  # differ in sentences 0 and 1
    keep, sop = torch.tensor([[False, True, True, True, False]]), torch.tensor([[-1, 0, 1, 2, -1]])
    assert float(distill_losses(out, target, keep, 2.0, sop)["roles"]) == 0.0
    assert float(distill_losses(out, target, keep, 2.0)["roles"]) > 0.0  # without sentences: every piece
    out["roles"][0, 3, 0] = torch.tensor([0.0, 4.0, 0.0])  # ... and in sentence 2
    assert float(distill_losses(out, target, keep, 2.0, sop)["roles"]) > 0.0


def test_distillation_gold_entities_add_a_cross_entropy_where_labelled():
    import torch

    from claimx.models.bio import IGNORE
    from claimx.models.training.distill import distill_losses

    out = {"entities": torch.zeros(1, 4, 3, 3)}
    out["entities"][0, 1, 0] = torch.tensor([0.0, 9.0, 0.0])  # piece 1, label 0: confidently B
    target = {"entities": out["entities"].clone()}
    keep = torch.tensor([[False, True, True, False]])
    gold = torch.full((1, 4, 3), IGNORE)
    assert float(distill_losses(out, target, keep, 2.0, gold=gold)["gold_entities"]) == 0.0  # nothing labelled
    gold[0, 1, 0] = 1  # B, as predicted: a small loss
    right = float(distill_losses(out, target, keep, 2.0, gold=gold)["gold_entities"])
    gold[0, 1, 0] = 0  # O: the same prediction now costs more, times the weight
    wrong = distill_losses(out, target, keep, 2.0, gold=gold, gold_weight=0.5)
    assert right < 0.01
    assert float(wrong["gold_entities"]) == pytest.approx(0.5 * math.log(2 + math.exp(9)), rel=1e-5)  # -log p(O)
    assert float(wrong["entities"]) == 0.0  # the soft-target loss is unchanged


def test_distillation_entity_weight_scales_only_the_entity_soft_targets():
    import torch

    from claimx.models.training.distill import distill_losses

    target = {"entities": torch.zeros(1, 4, 3, 3), "roles": torch.zeros(1, 4, 3, 3), "type": torch.zeros(1, 5),
              "flags": torch.zeros(1, 3)}
    out = {k: v.clone() for k, v in target.items()}
    out["entities"][0, 1, 0] = out["roles"][0, 1, 0] = torch.tensor([0.0, 4.0, 0.0])
    out["type"][0, 1] = 3.0
    keep = torch.tensor([[False, True, True, False]])
    one = distill_losses(out, target, keep, 2.0)
    eight = distill_losses(out, target, keep, 2.0, entity_weight=8.0)
    assert float(one["entities"]) > 0.0
    assert float(eight["entities"]) == pytest.approx(8 * float(one["entities"]))
    assert {k: float(v) for k, v in eight.items() if k != "entities"} == {
        k: float(v) for k, v in one.items() if k != "entities"}


def test_distillation_with_gold_entities_teaches_the_gold_spans(tiny_model: Path):
    from claimx.models.training.distill import DistillConfig, distill

    text = "Lithium caused tremor."
    gold = Example("g1", "bc5cdr", text, ((0, 7, "DRUG"), (15, 21, "DISORDER")))
    cfg = DistillConfig(teacher=str(tiny_model), layers=(1,), branch_layers=0, epochs=30, lr=3e-3, head_lr=1e-2,
                        warmup=0.0, batch_tokens=64, precision="fp32", gold_weight=5.0)
    lines: list[str] = []
    with pytest.raises(ValueError, match="1 entries for 2 texts"):
        distill(cfg, [(text, [(0, 22)])] * 2, gold=[gold], log=lines.append)
    _, _, history = distill(cfg, [(text, [(0, 22)])], gold=[gold], log=lines.append)
    assert any("1 texts with gold entities" in line for line in lines), lines
    assert history[-1]["loss_gold_entities"] < history[0]["loss_gold_entities"] / 3, [h["loss_gold_entities"] for h in history]


def test_gold_entity_tags_line_up_with_each_windows_pieces(tokenizer):
    from claimx.models.bio import IGNORE
    from claimx.models.spec import EntitySettings
    from claimx.models.training.targets import entity_tags, window_tags
    from claimx.models.windows import document_windows, tokenize

    text = "Lithium caused tremor. " * 6
    spans = tuple(s for k in range(6) for s in ((23 * k, 23 * k + 7, "DRUG"), (23 * k + 15, 23 * k + 21, "DISORDER")))
    labels = ("DRUG", "DISORDER", "OUTCOME")
    (pieces,) = tokenize(tokenizer, [text])
    tags = entity_tags(Example("d", "bc5cdr", text, spans), pieces.offsets, labels)
    assert (tags[:, 2] == IGNORE).all()  # BC5CDR does not annotate OUTCOME: never taught as O
    words = [text[s:e] for s, e in pieces.offsets]
    assert [int(t) for w, t in zip(words, tags[:, 0]) if w in ("Lithium", "caused")] == [1, 0] * 6  # B, O
    sentences = [(23 * k, 23 * k + 22) for k in range(6)]
    windows = document_windows(0, pieces, sentences, EntitySettings(labels=labels, max_pieces=16, stride=6),
                               tokenizer.cls_token_id, tokenizer.sep_token_id)
    assert len(windows) > 1
    taught = []
    for w in windows:
        cut = window_tags(tags, w)
        assert (cut[[0, -1]] == IGNORE).all()  # [CLS] and [SEP]
        assert (cut[1:-1][~w.owned] == IGNORE).all()  # another window's pieces are context only
        taught += [i for i, own in zip(range(w.start, w.end), w.owned) if own]
        assert (cut[1:-1][w.owned] == tags[w.start:w.end][w.owned]).all()
    assert sorted(taught) == list(range(len(pieces)))  # every piece taught exactly once


def test_distillation_will_not_resume_a_run_with_other_gold_spans(tiny_model: Path, tmp_path: Path):
    from claimx.models.training.distill import DistillConfig, distill

    text = "Lithium caused tremor."
    cfg = DistillConfig(teacher=str(tiny_model), layers=(1,), epochs=2, batch_tokens=64, precision="fp32")
    gold = Example("g1", "bc5cdr", text, ((0, 7, "DRUG"),))
    ckpt = tmp_path / "checkpoint.pt"
    from claimx.models.training import loop

    real = loop._save_checkpoint

    def stop(path, *args):
        real(path, *args)
        raise KeyboardInterrupt

    loop._save_checkpoint = stop
    try:
        with pytest.raises(KeyboardInterrupt):
            distill(cfg, [(text, [(0, 22)])], gold=[gold], log=lambda _: None, checkpoint=ckpt)
    finally:
        loop._save_checkpoint = real
    other = Example("g1", "bc5cdr", text, ((15, 21, "DISORDER"),))
    with pytest.raises(ValueError, match=r"other settings \(data\)"):
        distill(cfg, [(text, [(0, 22)])], gold=[other], log=lambda _: None, checkpoint=ckpt)


def test_distillation_with_gold_claims_teaches_the_gold_labels(tiny_model: Path):
    from claimx.models.training.distill import DistillConfig, distill

    text = "Lithium caused tremor. Mean age was 54."
    sentences = [(0, 22), (23, 39)]
    doc = ClaimDoc("c1", "causal", text, sentences, [("causal",), None], [None, None], [0, None], [None, None])
    cfg = DistillConfig(teacher=str(tiny_model), layers=(1,), branch_layers=0, epochs=30, lr=3e-3, head_lr=1e-2,
                        warmup=0.0, batch_tokens=64, precision="fp32", gold_claim_weight=5.0)
    lines: list[str] = []
    with pytest.raises(ValueError, match="its text and sentences"):
        distill(cfg, [(text, [(0, 39)])], claims_gold=[doc], log=lines.append)
    _, _, history = distill(cfg, [(text, sentences)], claims_gold=[doc], log=lines.append)
    assert any("1 with gold claim labels" in line for line in lines), lines
    for name in ("loss_gold_type", "loss_gold_flags"):  # one labelled sentence each: fitted
        assert history[-1][name] < history[0][name] / 3, [h[name] for h in history]
    assert history[-1]["loss_gold_roles"] == 0.0  # no roles given


def test_gold_claim_targets_supervise_only_the_labelled_texts_and_sentences(tokenizer):
    from claimx.models.bio import IGNORE
    from claimx.models.heads import TYPE_CLASSES
    from claimx.models.spec import EntitySettings
    from claimx.models.training.distill import gold_claim_targets
    from claimx.models.windows import document_windows, tokenize

    roles = ("AGENT", "MECHANISM", "EFFECT")
    doc = ClaimDoc("m1", "mechclaims", TEXT, SENTENCES, [None, ("causal",), ("none",)], [None, 1, 0],
                   [None, 0, None], [None, 0, None], [_at("Lithium", "AGENT"), _at("tremor", "EFFECT")])
    pieces = tokenize(tokenizer, [TEXT, TEXT])
    settings = EntitySettings(labels=("DRUG",))
    windows = [w for d, p in enumerate(pieces)
               for w in document_windows(d, p, SENTENCES, settings, tokenizer.cls_token_id, tokenizer.sep_token_id)]
    assert gold_claim_targets(windows, pieces, [None, None], roles) is None
    first, second = gold_claim_targets(windows, pieces, [doc, None], roles)
    assert first["allowed"].tolist() == [[False] * len(TYPE_CLASSES),
                                         [c == "causal" for c in TYPE_CLASSES], [c == "none" for c in TYPE_CLASSES]]
    assert first["flags"][1].tolist() == [1, 0, 0] and math.isnan(first["flags"][0, 0])
    words = [TEXT[s:e] for s, e in pieces[0].offsets]
    tagged = {w: first["roles"][1 + i].tolist() for i, w in enumerate(words) if w in ("Lithium", "tremor", "reduced")}
    assert tagged == {"Lithium": [1, 0, 0], "tremor": [0, 0, 1], "reduced": [IGNORE] * 3}  # roles in claims only
    assert not second["allowed"].any() and all(math.isnan(v) for v in second["flags"].ravel())
    assert (second["roles"] == IGNORE).all()


def test_a_second_distillation_stage_starts_from_the_given_student(tiny_model: Path, tmp_path: Path):
    import torch

    from claimx.models.encoder import load_encoder, save_encoder
    from claimx.models.training.distill import DistillConfig, distill, student_from_teacher

    texts = [(TEXT, SENTENCES)] * 2
    cfg = DistillConfig(teacher=str(tiny_model), layers=(1,), branch_layers=0, epochs=3, lr=3e-3, head_lr=1e-2,
                        warmup=0.0, batch_tokens=64, precision="fp32")
    first, tokenizer, _ = distill(cfg, texts, log=lambda _: None)
    folder = save_encoder(first, tokenizer, tmp_path / "first", name="claimx-tiny-student", version="0.0.1",
                          info={"distillation": {"layers": [1], "branch_layers": 0}})
    # no steps at all (lr 0): the second stage's student is the first one, weight for weight
    frozen, _, _ = distill(replace(cfg, init=str(folder), lr=0.0, head_lr=0.0, epochs=1), texts, log=lambda _: None)
    saved, _ = load_encoder(folder)
    want, got = saved.state_dict(), frozen.float().state_dict()
    assert list(want) == list(got) and all(torch.equal(want[k], got[k]) for k in want)
    fresh = student_from_teacher(load_encoder(tiny_model)[0], (1,), 0).state_dict()  # what a first stage starts from
    assert not all(torch.equal(want[k], fresh[k]) for k in want)
    with pytest.raises(ValueError, match=r"layers \[0, 1\] and branch 1: .*Missing key"):
        distill(replace(cfg, init=str(folder), layers=(0, 1), branch_layers=1), texts, log=lambda _: None)
    with pytest.raises(ValueError, match=r"layers \[0\] and branch 0: its layers are \[1\]"):  # same shapes
        distill(replace(cfg, init=str(folder), layers=(0,)), texts, log=lambda _: None)
