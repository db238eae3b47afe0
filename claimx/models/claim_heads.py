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
import torch.nn.functional as F
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
    sentence_layers: int = 1  # transformer layers across the sentences of a window (discourse context)
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
        self.discourse = nn.ModuleList(
            nn.TransformerEncoderLayer(hidden, n_attention_heads, 2 * hidden, dropout=dropout, activation="gelu",
                                       batch_first=True)
            for _ in range(settings.sentence_layers)
        )
        self.type_head = nn.Linear(hidden, len(TYPE_CLASSES))
        self.flag_head = nn.Linear(hidden, 3)  # key, hedged, negated
        self.roles = TokenTagHead(hidden, len(settings.roles), dropout, init_std)
        for lin in (self.sentence[1], self.type_head, self.flag_head):
            nn.init.normal_(lin.weight, std=init_std)
            nn.init.zeros_(lin.bias)

    def run_branch(self, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = (attention_mask != 0)[:, None, None, :]
        for layer in self.branch:
            states = post_ln_block(layer, states, keep)
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
        if len(self.discourse) and n_sent:
            z = self._in_context(z, sentence_of_piece)
        return {"type": self.type_head(z), "flags": self.flag_head(z), "roles": roles}

    def _in_context(self, z: torch.Tensor, sentence_of_piece: torch.Tensor) -> torch.Tensor:
        """Let each sentence attend to the other sentences of its window (rows of ``sentence_of_piece``)."""
        n_sent = z.shape[0]
        row = torch.full((n_sent,), -1, dtype=torch.long, device=z.device)
        rows = torch.arange(sentence_of_piece.shape[0], device=z.device).unsqueeze(1).expand_as(sentence_of_piece)
        keep = sentence_of_piece >= 0
        row[sentence_of_piece[keep]] = rows[keep]
        row = row.clamp_min(0)  # a sentence without pieces never occurs; keep indices valid anyway
        first = torch.zeros(sentence_of_piece.shape[0] + 1, dtype=torch.long, device=z.device)
        first.index_add_(0, row + 1, torch.ones_like(row))
        first = first.cumsum(0)  # sentences are numbered window by window (collate_claims)
        slot = torch.arange(n_sent, device=z.device) - first[row]
        width = int(slot.max()) + 1
        seq = z.new_zeros(sentence_of_piece.shape[0], width, z.shape[-1])
        seq[row, slot] = z
        keep = torch.zeros(sentence_of_piece.shape[0], width, dtype=torch.bool, device=z.device)
        keep[row, slot] = True
        keep = keep[:, None, None, :]
        for layer in self.discourse:
            seq = post_ln_block(layer, seq, keep)
        return seq[row, slot]


def post_ln_block(layer: nn.TransformerEncoderLayer, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``layer`` (post-LayerNorm, GELU, batch first) applied with scaled-dot-product attention.

    Same result as ``layer(h, src_key_padding_mask=~keep)``, but it follows autocast (bf16 matmuls on CPUs
    with AMX and on GPUs) where PyTorch's fused encoder-layer kernel runs in float32: 2-3x faster here.
    ``keep``: ``[batch, 1, 1, length]``, True where a position may be attended to.
    """
    att = layer.self_attn
    b, t, d = h.shape
    q, k, v = F.linear(h, att.in_proj_weight, att.in_proj_bias).view(b, t, 3, att.num_heads, d // att.num_heads).permute(2, 0, 3, 1, 4)
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=att.dropout if layer.training else 0.0)
    h = layer.norm1(h + layer.dropout1(att.out_proj(a.transpose(1, 2).reshape(b, t, d))))
    return layer.norm2(h + layer.dropout2(layer.linear2(layer.dropout(layer.activation(layer.linear1(h))))))


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
