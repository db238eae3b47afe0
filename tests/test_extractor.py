import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import claimx
from claimx import InvalidRecordError, Result


def _spans(result: Result):
    yield from ((e.start, e.end, e.text) for e in result.entities)
    yield from ((a.start, a.end, a.short) for a in result.abbreviations)
    for c in result.claims:
        yield c.start, c.end, c.text
        yield from ((r.start, r.end, r.text) for r in c.roles)


def test_example_abbreviations_csp_both_mentions(extractor, example):
    result = extractor(example)
    text = example["title"] + " " + example["abstract"]
    assert result.text == text
    assert [(a.short, a.long, a.start, a.end) for a in result.abbreviations] == [
        ("CSP", "chronic stress pathology", 370, 373),
        ("CSP", "chronic stress pathology", 483, 486),
    ]
    assert all(text[a.start : a.end] == "CSP" for a in result.abbreviations)
    assert result.to_dict()["id"] == "doi:10.1016/j.bbr.2020.112628"
    assert set(result.to_dict()) == {"id", "entities", "abbreviations", "claims", "model"}


def test_sentences_on_example_split_title_and_abstract(extractor, example):
    doc = extractor.nlp(extractor.make_doc(claimx.Record(id="x", title=example["title"], abstract=example["abstract"])))
    assert [s.text[:12] for s in doc.sents] == [
        "Ketamine and", "Depression i", "In the curre", "We summarize", "We then unde",
    ]


def test_title_without_final_punctuation_still_ends_a_sentence(extractor):
    doc = extractor.nlp(extractor.make_doc(claimx.Record(id="x", title="Aspirin and pain", abstract="We studied it.")))
    assert [s.text for s in doc.sents] == ["Aspirin and pain", "We studied it."]


def test_inputs_strings_dicts_and_pipe_order(extractor):
    assert extractor("Aspirin reduced pain.").id is None
    items = [{"id": str(i), "abstract": f"Sentence {i}. Tumor necrosis factor (TNF) rose."} for i in range(7)]
    results = list(extractor.pipe(items, batch_size=3))
    assert [r.id for r in results] == [str(i) for i in range(7)]
    assert all(r.abbreviations[0].long == "Tumor necrosis factor" for r in results)


def test_pipe_names_the_bad_item(extractor):
    with pytest.raises(InvalidRecordError, match=r"item 1 \(id b\): missing field"):
        list(extractor.pipe([{"id": "a", "text": "ok"}, {"id": "b"}]))


def test_spacy_route_sets_claims_and_ents(extractor):
    doc = extractor.nlp("Ketamine rapidly reduced depressive symptoms.")
    (claim,) = doc._.claims  # the tiny model calls every sentence a mechanistic claim
    assert (claim.start, claim.end, claim.type) == (0, 45, "mechanistic")
    assert all(0.0 < e._.score <= 1.0 for e in doc.ents)
    assert extractor.nlp.pipe_names == ["claimx_sentencizer", "claimx_abbreviation_detector", "claimx_model"]


@pytest.mark.parametrize(
    "abstract",
    [
        "Résumé: la kétamine réduit les symptômes dépressifs (SD). 氯胺酮 减轻 抑郁. Кетамин помогает.",
        "<p>Ketamine &amp; rapamycin <b>reduced</b> depression &lt;0.05.</p>",
        "Control\x00chars\x07 and\x1b[31m escapes\u200b and \ufeff marks. Tabs\tand\r\nnewlines.",
        "\n\n   leading and trailing space   \n",
    ],
)
def test_unusual_but_valid_records_keep_exact_offsets(extractor, abstract):
    result = extractor({"id": "u", "title": "Title", "abstract": abstract})
    for start, end, text in _spans(result):
        assert result.text[start:end] == text


@pytest.mark.slow  # 17 s of tokenization
def test_one_megabyte_abstract(extractor):
    sentence = "Tumor necrosis factor (TNF) increased insulin resistance in obese mice. "
    abstract = sentence * (1_000_000 // len(sentence))
    result = extractor({"id": "big", "abstract": abstract})
    assert len(result.abbreviations) == abstract.count("TNF")
    assert all(result.text[a.start : a.end] == "TNF" for a in result.abbreviations)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=80), abstract=st.text(min_size=1, max_size=400).filter(lambda s: s.strip()))
def test_arbitrary_text_never_crashes_and_spans_stay_inside(extractor, title, abstract):
    try:
        result = extractor({"id": "h", "title": title, "abstract": abstract})
    except InvalidRecordError as e:  # only unpaired surrogates are refused
        assert "surrogate" in str(e)
        return
    n = len(result.text)
    for start, end, text in _spans(result):
        assert 0 <= start < end <= n and result.text[start:end] == text


def test_a_result_leaves_no_spans_on_its_doc(extractor, monkeypatch):
    # abbreviation spans kept in doc.user_data point back at the doc: a cycle that is never freed
    # (memory grew ~23 KB per abstract over long runs)
    seen = []
    build = extractor.to_result
    monkeypatch.setattr(extractor, "to_result", lambda record, doc: (seen.append(doc), build(record, doc))[1])
    r = extractor("Tumor necrosis factor (TNF) rose after aspirin. TNF fell.")
    assert [(a.short, a.long) for a in r.abbreviations] == [("TNF", "Tumor necrosis factor"), ("TNF", "Tumor necrosis factor")]
    assert seen[0].user_data == {}


def test_new_words_do_not_stay_in_the_vocabulary(extractor):
    # spaCy keeps every new string and lexeme it sees (~20 an abstract) unless a memory zone frees them
    strings = extractor.nlp.vocab.strings
    before = len(strings)
    texts = [f"Zorbotrexate{i} (ZBX{i}) reduced qwelpitis{i} in mice. ZBX{i} was well tolerated." for i in range(20)]
    results = list(extractor.pipe(texts, batch_size=4))
    assert len(strings) == before and "Zorbotrexate7" not in strings and "qwelpitis19" not in strings
    assert (results[7].abbreviations[0].short, results[7].abbreviations[0].long) == ("ZBX7", "Zorbotrexate7")
    assert results[19].text == texts[19]  # results outlive the zone their Doc was made in


def test_load_reads_the_model_description_once(tiny_model, monkeypatch):
    from claimx.models.spec import ModelSpec

    reads = []
    read = ModelSpec.read.__func__
    monkeypatch.setattr(ModelSpec, "read", classmethod(lambda cls, folder: (reads.append(folder), read(cls, folder))[1]))
    ex = claimx.load(tiny_model, device="cpu")
    assert reads == [tiny_model] and ex.spec.label == "claimx-tiny 0.0.1"
    assert ex.nlp.get_pipe("claimx_model").spec == ex.spec


def test_unknown_model_device_and_precision_are_model_errors(tiny_model):
    with pytest.raises(claimx.ModelError, match="no model 'no-such-model': not a folder and not an installed model"):
        claimx.load("no-such-model")
    with pytest.raises(claimx.ModelError, match="unknown device 'tpu'"):
        claimx.load(tiny_model, device="tpu")
    with pytest.raises(claimx.ModelError, match="unknown precision 'fp8'; use auto, bf16, fp32, int8"):
        claimx.load(tiny_model, precision="fp8")
    with pytest.raises(claimx.UsageError, match="--batch-size must be at least 1"):
        claimx.ExtractOptions(batch_size=0)
    assert claimx.ModelError.code == "E001" and issubclass(claimx.ModelError, claimx.ClaimxError)


def test_a_spec_is_used_as_given(tiny_model):
    from dataclasses import replace

    from claimx.models.spec import load_spec

    spec = load_spec(tiny_model)
    assert load_spec(spec) is spec and spec.to_dict()["claims"]["claim_threshold"] == spec.claims.claim_threshold
    unreachable = replace(spec, claims=replace(spec.claims, claim_threshold=1.01))  # no sentence can reach it
    ex = claimx.load(unreachable, device="cpu")
    assert ex.spec == unreachable and ex.nlp.get_pipe("claimx_model").spec == unreachable
    assert ex("Ketamine reduced pain.").claims == []
    assert claimx.load(spec, device="cpu")("Ketamine reduced pain.").claims != []


def test_a_checkout_finds_its_own_models_by_name(tiny_model, monkeypatch, tmp_path):
    import shutil

    from claimx.models import spec as spec_module

    shutil.copytree(tiny_model, tmp_path / "claimx-tiny-small")
    monkeypatch.setattr(spec_module, "_CHECKOUT_MODELS", tmp_path)
    monkeypatch.delenv("CLAIMX_MODEL", raising=False)
    assert spec_module.find_model("claimx-tiny-small") == tmp_path / "claimx-tiny-small"
    with pytest.raises(claimx.ModelError, match="no model 'claimx-tiny': not a folder"):
        spec_module.find_model("claimx-tiny")  # not in the checkout's models/ and not installed


_SHAPES = """
import os, sys, torch
if sys.argv[1] == "claimx":
    import claimx  # noqa: F401
def rss():
    return next(int(l.split()[1]) // 1024 for l in open("/proc/self/status") if l.startswith("VmRSS"))
lin = torch.nn.Linear(384, 1536)
with torch.inference_mode():
    lin(torch.randn(8, 384))
    start = rss()
    for m in range(8, 8 * 300, 8):  # 300 input shapes, as batches of abstracts make them
        with torch.autocast("cpu", dtype=torch.bfloat16):
            lin(torch.randn(m // 8, 384))
print(os.environ.get("LRU_CACHE_CAPACITY"), rss() - start)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc (Linux)")
def test_importing_claimx_keeps_the_bf16_kernel_caches_small():
    """oneDNN and ideep keep kernels per input shape (up to 1,024 each by default): without claimx's cap memory
    grows with the input (issue 16's memory floor); a user's own setting wins."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("LRU_CACHE_CAPACITY", "ONEDNN_PRIMITIVE_CACHE_CAPACITY")}

    def run(mode: str, **extra: str) -> tuple[str, int]:
        out = subprocess.run([sys.executable, "-c", _SHAPES, mode], capture_output=True, text=True, check=True,
                             env={**env, **extra}).stdout.split()
        return out[0], int(out[1])

    capped, grown = run("claimx"), run("torch")
    assert capped[0] == "16" and grown[0] == "None"
    assert run("claimx", LRU_CACHE_CAPACITY="7")[0] == "7"
    if grown[1] < 40:
        pytest.skip(f"oneDNN's caches grow only {grown[1]} MB over 300 shapes on this CPU")
    assert capped[1] < grown[1] / 2, (capped, grown)
