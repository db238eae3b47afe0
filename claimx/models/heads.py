"""The heads over the encoder: a token tagger (entities, roles) and the claim component.

``TokenTagHead``: per-label BIO logits for every word piece (entities DRUG / DISORDER / OUTCOME).

``ClaimHeads``, the claim component: a branch of the top encoder layers plus sentence and role heads.

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

import torch
import torch.nn.functional as F
from torch import nn

from ..results import CLAIM_TYPES
from .spec import ClaimSettings
from .windows import N_POSITION

__all__ = ["TYPE_CLASSES", "ClaimHeads", "TokenTagHead", "post_ln_block"]

TYPE_CLASSES: tuple[str, ...] = ("none",) + CLAIM_TYPES  # column 0 of the type head: not a claim


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
        first = first.cumsum(0)  # sentences are numbered window by window (windows.collate)
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
