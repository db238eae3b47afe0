"""The claim component: a branch of the top encoder layers plus sentence and role heads.

The entity tagger's encoder runs once per window. The claim component reads its hidden states
``branch_layers`` layers below the top and re-runs that many layers of its own (initialised from
the encoder's top layers, fine-tuned for claims), so claims cost a fraction of a second encoder
pass and the entity tagger is untouched. ``branch_layers = 0`` puts the heads directly on the
shared last layer (no extra cost).

Heads, over the branch output:
- sentence (mean and max of the sentence's pieces + 4 position features): ``type`` over
  ``none`` (not a claim) + the four claim types; ``key``, ``hedged``, ``negated`` (one logit each);
- token: per-label BIO for AGENT / MECHANISM / EFFECT (a ``TokenTagHead``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .encoder import TokenTagHead

__all__ = ["CLAIM_TYPES", "N_POSITION", "ROLE_LABELS", "TYPE_CLASSES", "ClaimHeads", "ClaimSettings",
           "branch_from_bert", "position_features"]

CLAIM_TYPES: tuple[str, ...] = ("mechanistic", "causal", "correlational", "descriptive")
TYPE_CLASSES: tuple[str, ...] = ("none",) + CLAIM_TYPES  # column 0: not a claim
ROLE_LABELS: tuple[str, ...] = ("AGENT", "MECHANISM", "EFFECT")
N_POSITION = 4  # relative position, is title/first, is last, standalone sentence (no document)


@dataclass
class ClaimSettings:
    """What the ``claims`` component needs besides weights (stored in ``claimx.json``)."""

    branch_layers: int = 2
    claim_threshold: float = 0.5  # P(claim) = 1 - P(none)
    key_threshold: float = 0.5
    roles: tuple[str, ...] = ROLE_LABELS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimSettings:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "roles" in known:
            known["roles"] = tuple(known["roles"])
        return cls(**known)


def position_features(index: int, count: int, *, standalone: bool = False) -> list[float]:
    """Where a sentence sits in its document: ``[i / (n - 1), first, last, standalone]``."""
    if standalone:
        return [0.0, 0.0, 0.0, 1.0]
    return [index / max(1, count - 1), float(index == 0), float(index == count - 1), 0.0]


class ClaimHeads(nn.Module):
    """Branch layers + sentence heads + role head (see the module docstring)."""

    def __init__(self, hidden: int, n_attention_heads: int, intermediate: int, settings: ClaimSettings,
                 dropout: float = 0.1, init_std: float = 0.02) -> None:
        super().__init__()
        self.settings = settings
        self.branch = nn.ModuleList(
            nn.TransformerEncoderLayer(hidden, n_attention_heads, intermediate, dropout=dropout, activation="gelu",
                                       layer_norm_eps=1e-12, batch_first=True)
            for _ in range(settings.branch_layers)
        )
        self.sentence = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden + N_POSITION, hidden), nn.GELU(),
                                      nn.Dropout(dropout))
        self.type_head = nn.Linear(hidden, len(TYPE_CLASSES))
        self.flag_head = nn.Linear(hidden, 3)  # key, hedged, negated
        self.roles = TokenTagHead(hidden, len(settings.roles), dropout, init_std)
        for lin in (self.sentence[1], self.type_head, self.flag_head):
            nn.init.normal_(lin.weight, std=init_std)
            nn.init.zeros_(lin.bias)

    def run_branch(self, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pad = attention_mask == 0
        for layer in self.branch:
            states = layer(states, src_key_padding_mask=pad)
        return states

    def forward(self, states: torch.Tensor, attention_mask: torch.Tensor, sentence_of_piece: torch.Tensor,
                position: torch.Tensor) -> dict[str, torch.Tensor]:
        """``states`` [B, T, H] (the encoder's states below the branch); ``sentence_of_piece`` [B, T]:
        index into the batch's sentences (-1: none); ``position`` [S, 4]. Returns ``type`` [S, 5],
        ``flags`` [S, 3] and ``roles`` [B, T, n_roles, 3] logits."""
        h = self.run_branch(states, attention_mask)
        roles = self.roles(h)
        n_sent = position.shape[0]
        flat = h.reshape(-1, h.shape[-1])
        seg = sentence_of_piece.reshape(-1)
        keep = seg >= 0
        flat, seg = flat[keep].float(), seg[keep]
        idx = seg.unsqueeze(-1).expand(-1, flat.shape[-1])
        total = flat.new_zeros(n_sent, flat.shape[-1]).index_add_(0, seg, flat)
        count = flat.new_zeros(n_sent).index_add_(0, seg, flat.new_ones(seg.shape[0])).clamp_min(1).unsqueeze(-1)
        peak = flat.new_zeros(n_sent, flat.shape[-1]).scatter_reduce(0, idx, flat, "amax", include_self=False)
        pooled = torch.cat([total / count, peak, position.to(flat.dtype)], dim=-1)
        z = self.sentence(pooled)
        return {"type": self.type_head(z), "flags": self.flag_head(z), "roles": roles}


def branch_from_bert(heads: ClaimHeads, backbone: nn.Module) -> None:
    """Copy the top ``branch_layers`` layers of a BERT-style ``backbone`` into the branch
    (same post-LayerNorm block, so the branch reproduces the encoder's top layers exactly)."""
    layers = backbone.encoder.layer
    k = len(heads.branch)
    with torch.no_grad():
        for mine, theirs in zip(heads.branch, layers[len(layers) - k:]):
            att = theirs.attention
            mine.self_attn.in_proj_weight.copy_(torch.cat([att.self.query.weight, att.self.key.weight, att.self.value.weight]))
            mine.self_attn.in_proj_bias.copy_(torch.cat([att.self.query.bias, att.self.key.bias, att.self.value.bias]))
            mine.self_attn.out_proj.weight.copy_(att.output.dense.weight)
            mine.self_attn.out_proj.bias.copy_(att.output.dense.bias)
            mine.norm1.load_state_dict(att.output.LayerNorm.state_dict())
            mine.linear1.load_state_dict(theirs.intermediate.dense.state_dict())
            mine.linear2.load_state_dict(theirs.output.dense.state_dict())
            mine.norm2.load_state_dict(theirs.output.LayerNorm.state_dict())
