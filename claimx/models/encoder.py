"""The claimx encoder: one transformer pass feeding task heads, saved as a model folder.

``ClaimxEncoder`` = a Hugging Face encoder (``AutoModel``, e.g. all-MiniLM-L6-v2) + heads in a
``ModuleDict``: ``entities`` (per-label BIO logits for every word piece, ``[batch, pieces,
labels, 3]``) and, once ``add_claims()`` attached it, ``claims`` (``claim_heads.ClaimHeads``: a
branch of the top layers that starts from the same pass's lower hidden states, sentence heads and
a role head). `encode_states` runs the encoder once for all heads.

A model folder holds::

    model.safetensors   all weights ("backbone.*", "heads.<name>.*")
    config.json         the encoder's transformers config (architecture only, no weights)
    tokenizer.json ...  the fast tokenizer
    claimx.json         name, version, components ["entities", "claims"], labels, window and claim settings
    README.md           the model card (optional)

`load_encoder` reads it with no network access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = [
    "ENTITY_LABELS",
    "ClaimxEncoder",
    "EntitySettings",
    "TokenTagHead",
    "load_encoder",
    "save_encoder",
]


#: Entity labels of the shipped model, in head-column order.
ENTITY_LABELS: tuple[str, ...] = ("DRUG", "DISORDER", "OUTCOME")
_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass
class EntitySettings:
    """What the ``entities`` component needs besides weights (stored in ``claimx.json``)."""

    labels: tuple[str, ...] = ENTITY_LABELS
    scheme: str = "BIO per label over all word pieces"
    max_pieces: int = 512  # window size including [CLS]/[SEP]
    stride: int = 128  # overlap between consecutive windows, in pieces
    snap_to_words: bool = True  # widen spans that start/end inside a word

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntitySettings:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "labels" in known:
            known["labels"] = tuple(known["labels"])
        return cls(**known)


class TokenTagHead(nn.Module):
    """Per-label BIO logits for every piece: ``[batch, pieces, n_labels, 3]``."""

    def __init__(self, hidden_size: int, n_labels: int, dropout: float = 0.1, init_std: float = 0.02) -> None:
        super().__init__()
        self.n_labels = n_labels
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(hidden_size, n_labels * 3)
        nn.init.normal_(self.proj.weight, std=init_std)
        nn.init.zeros_(self.proj.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = self.proj(self.dropout(hidden))
        return logits.view(*hidden.shape[:-1], self.n_labels, 3)


class ClaimxEncoder(nn.Module):
    """A transformer encoder and the claimx heads that read its hidden states."""

    def __init__(
        self, backbone: nn.Module, *, entities: EntitySettings | None = None, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.entities = entities or EntitySettings()
        self.claims = None  # ClaimSettings once add_claims() was called
        hidden = backbone.config.hidden_size
        init_std = getattr(backbone.config, "initializer_range", 0.02)
        self.heads = nn.ModuleDict(
            {"entities": TokenTagHead(hidden, len(self.entities.labels), dropout, init_std)}
        )

    def add_claims(self, settings=None, dropout: float = 0.1):
        """Attach the claim component (``heads["claims"]``, see ``claim_heads``); returns it."""
        from .claim_heads import ClaimHeads, ClaimSettings

        self.claims = settings or ClaimSettings()
        c = self.backbone.config
        head = ClaimHeads(c.hidden_size, c.num_attention_heads, c.intermediate_size, self.claims, dropout,
                          getattr(c, "initializer_range", 0.02))
        self.heads["claims"] = head.to(next(self.backbone.parameters()).device)
        return head

    def encode_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(last hidden states, states the claim branch starts from or None)``: one encoder pass."""
        k = self.claims.branch_layers if self.claims is not None else -1
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=k > 0)
        last = out.last_hidden_state
        return last, (None if k < 0 else last if k == 0 else out.hidden_states[-1 - k])

    @property
    def components(self) -> list[str]:
        return list(self.heads)

    @classmethod
    def from_base(
        cls, path: str | Path, *, entities: EntitySettings | None = None, dropout: float = 0.1,
        attention_dropout: float | None = None,
    ) -> ClaimxEncoder:
        """A new encoder from a base checkpoint folder (weights + config), heads freshly initialised.

        ``attention_dropout`` overrides the base config's (BERT: ``attention_probs_dropout_prob``);
        on CPU, 0 trains ~2x faster (attention with dropout leaves the fused SDPA kernel).
        """
        from transformers import AutoConfig, AutoModel

        config = AutoConfig.from_pretrained(str(path), local_files_only=True)
        if attention_dropout is not None and hasattr(config, "attention_probs_dropout_prob"):
            config.attention_probs_dropout_prob = attention_dropout
        try:
            backbone = AutoModel.from_pretrained(str(path), config=config, local_files_only=True, add_pooling_layer=False)
        except TypeError:  # an architecture without a pooler argument
            backbone = AutoModel.from_pretrained(str(path), config=config, local_files_only=True)
        return cls(backbone.float(), entities=entities, dropout=dropout)  # float32 master weights

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states ``[batch, pieces, hidden]``: the one encoder pass all heads share."""
        return self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, heads: Sequence[str] | None = None
    ) -> dict[str, torch.Tensor]:
        """``{"hidden": ..., <head>: logits}`` for the token ``heads`` (default: entities)."""
        hidden = self.encode(input_ids, attention_mask)
        out = {"hidden": hidden}
        for name in heads if heads is not None else ["entities"]:
            out[name] = self.heads[name](hidden)
        return out


def save_encoder(
    model: ClaimxEncoder,
    tokenizer,
    path: str | Path,
    *,
    name: str = "claimx-minilm",
    version: str = "0.1.0",
    dtype: str | None = None,
    info: Mapping[str, Any] | None = None,
    card: str | None = None,
) -> Path:
    """Write ``model`` as a model folder; ``dtype`` ("float16", "bfloat16") stores weights
    smaller (they are loaded back as float32). ``info`` is merged into ``claimx.json``."""
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    cast = _DTYPES[dtype] if dtype else None
    state = {}
    for key, tensor in model.state_dict().items():
        t = tensor.detach().to("cpu")
        if cast is not None and t.is_floating_point():
            t = t.to(cast)
        state[key] = t.contiguous()
    save_file(state, str(path / "model.safetensors"), metadata={"format": "pt"})
    model.backbone.config.save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    meta: dict[str, Any] = {
        "name": name,
        "version": version,
        "components": model.components,
        "entities": {**asdict(model.entities), "labels": list(model.entities.labels)},
        "weights_dtype": dtype or "float32",
    }
    if model.claims is not None:
        meta["claims"] = {**asdict(model.claims), "roles": list(model.claims.roles)}
    meta.update(info or {})
    (path / "claimx.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if card is not None:
        (path / "README.md").write_text(card, encoding="utf-8")
    return path


def load_encoder(path: str | Path, *, device: str | torch.device = "cpu") -> tuple[ClaimxEncoder, Any, dict]:
    """``(model, tokenizer, claimx.json contents)`` from a model folder; float32, eval mode."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    path = Path(path)
    meta_file = path / "claimx.json"
    weights = path / "model.safetensors"
    if not meta_file.is_file() or not weights.is_file():
        missing = meta_file if not meta_file.is_file() else weights
        raise FileNotFoundError(f"{path} is not a claimx model folder ({missing.name} missing); "
                                "train one with scripts/train_entities.py")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    config = AutoConfig.from_pretrained(str(path), local_files_only=True)
    try:
        backbone = AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:
        backbone = AutoModel.from_config(config)
    model = ClaimxEncoder(backbone, entities=EntitySettings.from_dict(meta.get("entities", {})))
    if "claims" in meta.get("components", []):
        from .claim_heads import ClaimSettings

        model.add_claims(ClaimSettings.from_dict(meta.get("claims", {})))
    state = load_file(str(weights))
    model.float()  # from_config may follow the stored dtype (float16); compute starts from float32
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    model.eval().to(device)
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    return model, tokenizer, meta
