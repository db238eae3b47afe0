"""The trainers on tiny data: the shared step loop fits, the saved folder loads back into the runtime."""

from __future__ import annotations

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
