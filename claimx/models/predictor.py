"""The model runtime: a loaded model and one batched encoder pass per window for every head.

    spec = load_spec("claimx-minilm")                      # or a folder; see claimx.models.spec
    predictor = Predictor.load(spec, device="auto", precision="auto")
    predictor.predict([(text, sentence_spans), ...])         # [DocumentPrediction, ...]

Windows of all documents are sorted by length and packed into batches under a token budget, so a
batch mixes documents; results come back in input order. Each document gets its entity spans and,
when the model has a claim component, per sentence the claim probabilities and the role spans.
Device, precision and int8 are resolved and checked here, once (`ModelError` says the fix).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import ModelError
from ..options import check_runtime
from .bio import Prediction, decode_bio, decode_roles, merge_touching, trim_entity_ends
from .encoder import ClaimxEncoder, load_encoder
from .heads import TYPE_CLASSES
from .spec import EntitySettings, ModelSpec
from .windows import Pieces, Window, collate, document_windows, pack, rough_sentence_spans, tokenize

__all__ = ["DEFAULT_TOKEN_BUDGET", "DocumentPrediction", "Predictor", "SentencePrediction", "autocast_dtype",
           "decode_entities", "resolve_device"]

#: Padded word pieces per encoder batch (batch rows × longest row).
DEFAULT_TOKEN_BUDGET = 8192

Item = str | tuple[str, Sequence[tuple[int, int]] | None]  # a text, or (text, sentence spans)


@dataclass
class SentencePrediction:
    """Claim probabilities of one sentence: ``types`` over TYPE_CLASSES (``none`` first) and the
    probabilities of key / hedged / negated."""

    start: int
    end: int
    types: np.ndarray
    key: float
    hedged: float
    negated: float

    @property
    def claim(self) -> float:
        return float(1.0 - self.types[0])

    @property
    def type(self) -> str:
        return TYPE_CLASSES[1 + int(np.argmax(self.types[1:]))]


@dataclass
class DocumentPrediction:
    """What the model says about one document: entity spans, sentences (with a claim component) and roles."""

    entities: list[Prediction] = field(default_factory=list)
    sentences: list[SentencePrediction] = field(default_factory=list)
    roles: list[Prediction] = field(default_factory=list)  # (start, end, label, score) in the text


def resolve_device(device: str) -> torch.device:
    """`auto` → CUDA when a GPU is visible, else the CPU; asking for CUDA without one is a `ModelError`."""
    check_runtime(device, "auto")
    if device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda" if device == "auto" else device)
    if device == "auto":
        return torch.device("cpu")
    raise ModelError(f"device {device!r} asked for, but CUDA is not available here; use --device cpu or auto")


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """bf16 for ``auto`` on CUDA with bf16 and on CPUs with AVX512-BF16/AMX; None = float32 (and int8)."""
    check_runtime(device.type, precision)
    if precision == "int8" and device.type != "cpu":
        raise ModelError("int8 runs on the CPU only; use --precision bf16 or auto on a GPU")
    if precision in ("fp32", "int8"):
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
            if getattr(torch.cpu, probe, lambda: False)():
                return torch.bfloat16
    return None


def quantize_int8(model: ClaimxEncoder) -> ClaimxEncoder:
    """The model with every ``nn.Linear`` dynamically quantized to int8 (weights int8, activations per batch)."""
    import warnings

    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor", category=UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def decode_entities(tags: np.ndarray, probs: np.ndarray, pieces: Pieces, settings: EntitySettings,
                    text: str) -> list[Prediction]:
    """Entity mentions of one text from its BIO ``tags`` / ``probs`` ``[pieces, labels]``, as ``settings``
    (`EntitySettings`) say: snapped to words, with ``join_touching`` neighbours of one label joined, a trailing
    full stop, comma or function word taken off (`trim_entity_ends`), and mentions scored below ``min_score`` (the mean
    probability of their pieces' tags) dropped."""
    words = pieces.word_ids if settings.snap_to_words else None
    spans = decode_bio(tags, probs, pieces.offsets, settings.labels, words, text)
    if settings.join_touching:
        spans = merge_touching(spans, text)
    spans = trim_entity_ends(spans, text)
    return [s for s in spans if s[3] >= settings.min_score] if settings.min_score > 0 else spans


class Predictor:
    """A model ready to predict: weights, tokenizer, device and precision, checked once.

    Build one with `Predictor.load(spec)`; training wraps the model it trains with
    `Predictor(model, tokenizer)` to score it.
    """

    def __init__(self, model: ClaimxEncoder, tokenizer: Any, *, device: str | torch.device = "cpu",
                 precision: str = "auto", batch_token_budget: int = DEFAULT_TOKEN_BUDGET,
                 spec: ModelSpec | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.precision = precision
        self.amp = autocast_dtype(self.device, precision)
        self.batch_token_budget = batch_token_budget
        self.spec = spec

    @classmethod
    def load(cls, spec: ModelSpec, *, device: str = "auto", precision: str = "auto",
             batch_token_budget: int = DEFAULT_TOKEN_BUDGET) -> Predictor:
        """Load `spec`'s weights on `device` (cpu, cuda, cuda:N or auto) at `precision` (auto: bf16 where the
        hardware has it, else fp32; bf16; fp32; int8: dynamic int8 Linear layers, CPU only)."""
        where = resolve_device(device)
        autocast_dtype(where, precision)  # checks the combination before the weights are read
        model, tokenizer = load_encoder(spec, device=where)
        if precision == "int8":
            model = quantize_int8(model)
        return cls(model, tokenizer, device=where, precision=precision, batch_token_budget=batch_token_budget,
                   spec=spec)

    @property
    def has_claims(self) -> bool:
        return self.model.claims is not None

    @torch.inference_mode()
    def predict(self, items: Sequence[Item], *, claims: bool = True) -> list[DocumentPrediction]:
        """Predictions for texts, or ``(text, sentence spans)`` pairs (character ``(start, end)``; long texts are
        cut between sentences; None or a bare text: a rule of thumb finds them), in input order.
        ``claims=False``: entities only (the claim branch is not run)."""
        claims = claims and self.has_claims
        texts = [item if isinstance(item, str) else item[0] for item in items]
        sentences = [rough_sentence_spans(t) if isinstance(item, str) or item[1] is None else [tuple(s) for s in item[1]]
                     for t, item in zip(texts, items)]
        pieces = tokenize(self.tokenizer, texts)
        settings = self.model.entities
        tok = self.tokenizer
        windows = [w for d, (p, sents) in enumerate(zip(pieces, sentences))
                   for w in document_windows(d, p, sents, settings, tok.cls_token_id, tok.sep_token_id)]
        n_ent = len(settings.labels)
        ent_tags = [np.zeros((len(p), n_ent), dtype=np.int64) for p in pieces]
        ent_probs = [np.zeros((len(p), n_ent), dtype=np.float32) for p in pieces]
        n_roles = len(self.model.claims.roles) if claims else 0
        role_probs = [np.zeros((len(p), n_roles, 3), dtype=np.float32) for p in pieces]  # O, B, I
        sent_out: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [{} for _ in texts]
        was_training = self.model.training
        self.model.eval()
        try:
            for batch in pack([len(w) for w in windows], self.batch_token_budget):
                self._run([windows[i] for i in batch], claims, ent_tags, ent_probs, role_probs, sent_out)
        finally:
            self.model.train(was_training)
        out = []
        no_claim = (np.eye(len(TYPE_CLASSES))[0].astype(np.float32), np.zeros(3, dtype=np.float32))
        for d, text in enumerate(texts):
            p = pieces[d]
            words = p.word_ids if settings.snap_to_words else None
            res = DocumentPrediction(decode_entities(ent_tags[d], ent_probs[d], p, settings, text))
            if claims:
                for sid, (s, e) in enumerate(sentences[d]):
                    types, flags = sent_out[d].get(sid, no_claim)  # a sentence with no pieces is no claim
                    res.sentences.append(SentencePrediction(s, e, types, float(flags[0]), float(flags[1]),
                                                            float(flags[2])))
                res.roles = decode_roles(role_probs[d], p.offsets, self.model.claims.roles, text, sentences[d], words)
            out.append(res)
        return out

    def _run(self, batch: list[Window], claims: bool, ent_tags, ent_probs, role_probs, sent_out) -> None:
        """One encoder pass over ``batch``; writes each window's owned pieces and sentences into the arrays."""
        t = {k: v.to(self.device, non_blocking=True) for k, v in collate(batch, self.tokenizer.pad_token_id).items()}
        amp = self.amp
        with torch.autocast(self.device.type, dtype=amp or torch.float32, enabled=amp is not None):
            last, below = self.model.encode_states(t["input_ids"], t["attention_mask"], claims=claims)
            ent = self.model.heads["entities"](last)
            out = (self.model.heads["claims"](below, t["attention_mask"], t["sentence_of_piece"], t["position"])
                   if claims else None)
        ep, et = (x.cpu().numpy() for x in ent.float().softmax(-1).max(-1))
        if out is not None:
            rp = out["roles"].float().softmax(-1).cpu().numpy()  # [B, T, roles, 3]: O, B, I
            types = out["type"].float().softmax(-1).cpu().numpy()
            flags = out["flags"].float().sigmoid().cpu().numpy()
        offset = 0
        for r, w in enumerate(batch):
            rows = np.arange(w.start, w.end)[w.owned]
            n = w.end - w.start
            ent_tags[w.doc][rows] = et[r, 1:n + 1][w.owned]
            ent_probs[w.doc][rows] = ep[r, 1:n + 1][w.owned]
            if out is not None:
                role_probs[w.doc][rows] = rp[r, 1:n + 1][w.owned]
                for j, sid in enumerate(w.sentence_ids):
                    sent_out[w.doc][sid] = (types[offset + j], flags[offset + j])
            offset += len(w.sentence_ids)
