"""The claimx encoder: one transformer pass feeding task heads, saved as a model folder.

``ClaimxEncoder`` = a Hugging Face encoder (``AutoModel``, e.g. all-MiniLM-L6-v2) + heads in a
``ModuleDict``: ``entities`` (``heads.TokenTagHead``: per-label BIO logits for every word piece) and,
once ``add_claims()`` attached it, ``claims`` (``heads.ClaimHeads``: a branch of the top layers that
starts from the same pass's lower hidden states, sentence heads and a role head). `encode_states`
runs the encoder once for all heads.

`save_encoder` writes a model folder (layout in `claimx.models.spec`); `load_encoder` reads one with no
network access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import ModelError
from .heads import ClaimHeads, TokenTagHead
from .spec import ClaimSettings, EntitySettings, ModelSpec

__all__ = ["ClaimxEncoder", "load_encoder", "save_encoder"]


_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class ClaimxEncoder(nn.Module):
    """A transformer encoder and the claimx heads that read its hidden states."""

    def __init__(
        self, backbone: nn.Module, *, entities: EntitySettings | None = None, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.entities = entities or EntitySettings()
        self.claims: ClaimSettings | None = None  # set by add_claims()
        hidden = backbone.config.hidden_size
        init_std = getattr(backbone.config, "initializer_range", 0.02)
        self.heads = nn.ModuleDict(
            {"entities": TokenTagHead(hidden, len(self.entities.labels), dropout, init_std)}
        )

    def add_claims(self, settings: ClaimSettings | None = None, dropout: float = 0.1) -> ClaimHeads:
        """Attach the claim component (``heads["claims"]``, see ``heads.ClaimHeads``); returns it."""
        self.claims = settings or ClaimSettings()
        c = self.backbone.config
        head = ClaimHeads(c.hidden_size, c.num_attention_heads, c.intermediate_size, self.claims, dropout,
                          getattr(c, "initializer_range", 0.02))
        self.heads["claims"] = head.to(next(self.backbone.parameters()).device)
        return head

    def encode_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, *, claims: bool = True
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(last hidden states, states the claim branch starts from or None)``: one encoder pass
        (``claims=False``: the last states only)."""
        k = self.claims.branch_layers if self.claims is not None and claims else -1
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


def load_encoder(spec: ModelSpec | str | Path, *, device: str | torch.device = "cpu") -> tuple[ClaimxEncoder, Any]:
    """``(model, tokenizer)`` of a model (a `ModelSpec`, or a folder); float32 weights, eval mode."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    spec = spec if isinstance(spec, ModelSpec) else ModelSpec.read(spec)
    weights = spec.path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{spec.path} has no model.safetensors; restore the model folder from the release")
    config = AutoConfig.from_pretrained(str(spec.path), local_files_only=True)
    try:
        backbone = AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:
        backbone = AutoModel.from_config(config)
    model = ClaimxEncoder(backbone, entities=spec.entities)
    if spec.claims is not None:
        model.add_claims(spec.claims)
    state = load_file(str(weights))
    model.float()  # from_config may follow the stored dtype (float16); compute starts from float32
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    model.eval().to(device)
    tokenizer = AutoTokenizer.from_pretrained(str(spec.path), local_files_only=True)
    return model, tokenizer
