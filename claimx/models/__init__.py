"""The claimx encoder and its heads: model folders, batched prediction, training data.

    from claimx.models import EntityTagger
    tagger = EntityTagger.load("models/claimx-minilm", device="cpu")
    tagger(["Ketamine reduced depressive symptoms."])  # [[(0, 8, "DRUG", 0.98), ...]]

Training lives in `claimx.models.training` (imported on demand; see scripts/train_entities.py).
"""

from .encoder import ENTITY_LABELS, ClaimxEncoder, EntitySettings, TokenTagHead, load_encoder, save_encoder
from .inference import EntityTagger, predict_entities
from .tagging import decode_bio, encode_bio, make_windows, window_owners

__all__ = [
    "ENTITY_LABELS",
    "ClaimxEncoder",
    "EntitySettings",
    "EntityTagger",
    "TokenTagHead",
    "decode_bio",
    "encode_bio",
    "load_encoder",
    "make_windows",
    "predict_entities",
    "save_encoder",
    "window_owners",
]
