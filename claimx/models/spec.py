"""Model folders: where a model is found, and what its `claimx.json` says, read once into a `ModelSpec`.

A model is named by a folder path or by the name of an installed model package (`pip install
./models/claimx-minilm-small`; packages register their folder under the `claimx.models` entry-point group,
as spaCy's models do). No name means `$CLAIMX_MODEL`, else the default model `claimx-minilm-small`: the
checkout's `models/claimx-minilm-small` when claimx runs from a source tree, else the installed package.

A model folder holds::

    model.safetensors   all weights ("backbone.*", "heads.<name>.*")
    config.json         the encoder's transformers config (architecture only)
    tokenizer.json ...  the fast tokenizer
    claimx.json         name, version, components ["entities", "claims", "linker"], their settings
    linker/             the concept linker's lexicon (claimx.linking.lexicon), when "linker" is a component
    README.md           the model card

Nothing here imports torch: reading a spec is cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..results import ENTITY_LABELS, ROLE_LABELS

__all__ = ["DEFAULT_MODEL", "ENTRY_POINTS", "ClaimSettings", "EntitySettings", "LinkerSettings", "ModelSpec",
           "find_model", "installed_models", "load_spec"]

#: The name of the model claimx uses when none is given.
DEFAULT_MODEL = "claimx-minilm-small"  # the 3-layer student; "claimx-minilm" is its 6-layer teacher
#: Entry-point group under which model packages register a function returning their folder.
ENTRY_POINTS = "claimx.models"
#: Where model folders live in a source checkout (beside the package).
_CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of `data` that are fields of the dataclass `cls`, lists as tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in cls.__dataclass_fields__}


@dataclass(frozen=True)
class EntitySettings:
    """What the `entities` component needs besides weights."""

    labels: tuple[str, ...] = ENTITY_LABELS
    scheme: str = "BIO per label over all word pieces"
    max_pieces: int = 512  # window size including [CLS]/[SEP]
    stride: int = 128  # overlap between consecutive windows, in pieces
    snap_to_words: bool = True  # widen spans that start/end inside a word
    join_touching: bool = False  # join same-label mentions with only whitespace between (chosen per model on dev)
    min_score: float = 0.0  # drop mentions whose mean tag probability is lower (after joining; chosen per model on dev)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntitySettings:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class ClaimSettings:
    """What the `claims` component needs besides weights."""

    branch_layers: int = 2  # encoder layers the claim branch re-runs from the states below the top
    sentence_layers: int = 1  # transformer layers across the sentences of a window (discourse context)
    claim_threshold: float = 0.5  # P(claim) = 1 - P(none)
    key_threshold: float = 0.5
    roles: tuple[str, ...] = ROLE_LABELS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimSettings:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class LinkerSettings:
    """What the `linker` component needs: its lexicon folder (in the model folder) and the fuzzy threshold.
    A model without a linker still loads; its entities then have `concept` null."""

    folder: str = "linker"
    threshold: float = 0.8  # fuzzy matches below this cosine similarity stay unlinked

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkerSettings:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class ModelSpec:
    """A model folder's `claimx.json`, checked: the components it has and their settings."""

    name: str
    version: str
    path: Path
    components: tuple[str, ...] = ()
    entities: EntitySettings = EntitySettings()
    claims: ClaimSettings | None = None
    linker: LinkerSettings | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)  # the whole file, for model cards

    @property
    def label(self) -> str:
        """The `model` field of every output record."""
        return f"{self.name} {self.version}"

    def to_dict(self) -> dict[str, Any]:
        """`claimx.json` of this spec as it is (fields changed with `dataclasses.replace` included): JSON values."""
        out: dict[str, Any] = {**self.meta, "name": self.name, "version": self.version,
                               "components": list(self.components),
                               "entities": {**asdict(self.entities), "labels": list(self.entities.labels)}}
        if self.claims is not None:
            out["claims"] = {**asdict(self.claims), "roles": list(self.claims.roles)}
        if self.linker is not None:
            out["linker"] = {**self.meta.get("linker", {}), **asdict(self.linker)}
        return out

    @classmethod
    def read(cls, folder: str | Path) -> ModelSpec:
        """The spec of the model folder `folder`; `ModelError` when it is not one."""
        folder = Path(folder)
        file = folder / "claimx.json"
        if not file.is_file():
            raise ModelError(f"no claimx model at {folder} (no claimx.json there); pass --model with a model folder "
                             f"or the name of an installed model ({', '.join(installed_models()) or 'none installed'}), "
                             "or leave it out to use the default")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ModelError(f"{file} is not valid JSON ({e}); restore it from the release") from e
        return cls.from_dict(folder, data)

    @classmethod
    def from_dict(cls, folder: str | Path, data: Mapping[str, Any]) -> ModelSpec:
        """The spec of the model folder `folder` whose `claimx.json` holds `data` (already read)."""
        if "entities" not in data.get("components", ()):
            raise ModelError(f"{Path(folder) / 'claimx.json'} lists no trained 'entities' component; claimx models "
                             "have entities (and optionally claims): train one with scripts/train_entities.py")
        try:
            components = tuple(data.get("components", ()))
            return cls(
                name=data["name"],
                version=data["version"],
                path=Path(folder),
                components=components,
                entities=EntitySettings.from_dict(data.get("entities", {})),
                claims=ClaimSettings.from_dict(data.get("claims", {})) if "claims" in components else None,
                linker=LinkerSettings.from_dict(data.get("linker", {})) if "linker" in components else None,
                meta=dict(data),
            )
        except (AttributeError, KeyError, TypeError) as e:
            raise ModelError(f"{Path(folder) / 'claimx.json'} is not a valid claimx model description ({e}); "
                             "restore it from the release") from e


def installed_models() -> dict[str, Any]:
    """Installed model packages by name: their `claimx.models` entry points."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINTS)}


def find_model(name_or_path: str | Path | None = None) -> Path:
    """The folder of a model given by path or installed name (None: `$CLAIMX_MODEL`, else the default model,
    which is never looked for in the working directory)."""
    given = name_or_path if name_or_path is not None else os.environ.get("CLAIMX_MODEL")
    if given is not None and Path(given).is_dir():
        return Path(given)
    name = DEFAULT_MODEL if given is None else str(given)
    if len(Path(name).parts) == 1 and (_CHECKOUT_MODELS / name / "claimx.json").is_file():
        return _CHECKOUT_MODELS / name  # a source checkout: its own models, not older installed copies
    entry = installed_models().get(name)
    if entry is not None:
        return Path(entry.load()())
    known = ", ".join(installed_models()) or "none installed"
    raise ModelError(f"no model {name!r}: not a folder and not an installed model ({known}); give a model folder, "
                     f"or install the model's package (pip install ./models/{DEFAULT_MODEL} from a claimx checkout)")


def load_spec(model: str | Path | ModelSpec | None = None) -> ModelSpec:
    """The spec of a model given by path or installed name (`find_model`); a `ModelSpec` is returned as it is."""
    return model if isinstance(model, ModelSpec) else ModelSpec.read(find_model(model))
