"""The concept linker (issue 15): normalization, exact / composite / fuzzy linking, abbreviations, the spaCy
component on the tiny model, concepts through results, writers, tables, graph and HTML, and the CDR measure."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

import claimx
from claimx.eval.normalization import (
    GoldMention,
    concept_ids,
    id_sets,
    linker_accuracy,
    score_id_sets,
)
from claimx.linking import (
    FuzzyIndex,
    Lexicon,
    Linker,
    concept_url,
    normalize,
    read_lexicon,
    split_composite,
    write_lexicon,
)
from claimx.results import Concept, Entity, Result

from .conftest import SHIPPED_MODEL, make_result

NAMES = {"MESH:D007649": "Ketamine", "MESH:D004317": "Doxorubicin", "MESH:D000082": "Acetaminophen",
         "MESH:D013921": "Thrombocytopenia", "MESH:D001943": "Breast Neoplasms", "MESH:D010051": "Ovarian Neoplasms",
         "MESH:D003866": "Depressive Disorder", "MESH:D003863": "Depression", "MESH:D011041": "Poisoning",
         "MESH:D000740": "Anemia, Hemolytic", "MESH:D006332": "Cardiomegaly",
         "MESH:D000068759": "Formoterol Fumarate"}


def _lexicon() -> Lexicon:
    lex = Lexicon(names={**NAMES, "MESH:C000001": "heparin-induced thrombocytopenia type 2"})
    lex.add("DRUG", "Adriamycin", "MESH:D004317", 3)
    lex.add("DRUG", "paracetamol", "MESH:D000082", 2)
    lex.add("DISORDER", "depression", "MESH:D003866", 9)
    lex.add("DISORDER", "depression", "MESH:D003863", 1)
    lex.add("DISORDER", "heparin-induced thrombocytopenia", "MESH:C000001", 4)
    lex.add("DISORDER", "breast cancer", "MESH:D001943", 5)
    lex.add("DISORDER", "ovarian cancer", "MESH:D010051", 5)
    return lex


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(_lexicon(), threshold=0.7)


def test_normalize_folds_case_hyphens_greek_plurals_punctuation_and_word_order():
    assert normalize("Heparin-induced Thrombocytopenias") == normalize("heparin induced thrombocytopenia")
    assert normalize("Anemia, Hemolytic") == normalize("hemolytic anemia") == "anemia hemolytic"
    assert normalize("TNF-α") == normalize("TNF alpha") == "alpha tnf"
    assert normalize("type II diabetes") == normalize("Type 2 Diabetes")
    assert normalize("Alzheimer's disease") == "alzheimer disease"
    assert normalize("cancer of the breast") == normalize("breast cancer")
    assert normalize("virus") == "virus" and normalize("arthritis") == "arthritis"  # not plurals
    assert normalize("...") == normalize("") == ""


def test_normalize_folds_british_spellings():
    assert normalize("anaemia") == normalize("Anemia") == "anemia"
    assert normalize("Haemorrhagic myocarditis") == normalize("hemorrhagic myocarditis")
    assert normalize("cytotoxic oedema") == normalize("Edema, Cytotoxic")
    assert normalize("ischaemic injury") == normalize("ischemic injury")
    assert normalize("oestrogens") == "estrogen" and normalize("diarrhoea") == "diarrhea"
    assert normalize("brain tumour") == "brain tumor" and normalize("anxious behaviour") == "anxious behavior"
    assert normalize("tumours") == normalize("tumors") and normalize("aggressive behaviours") == "aggressive behavior"
    assert normalize("hospitalisations") == "hospitalization" and normalize("anaesthesia") == "anesthesia"
    assert normalize("aetiology") == "etiology" and normalize("sulphonamides") == normalize("sulfonamide")
    assert normalize("aerobic") == "aerobic" and normalize("four hours") == "four hour"  # left alone


def test_split_composite_completes_the_shared_head():
    assert split_composite("breast and ovarian cancer") == ["breast cancer", "ovarian cancer"]
    assert split_composite("renal or hepatic failure") == ["renal failure", "hepatic failure"]
    assert split_composite("breast, ovarian, and colon cancer") == ["breast cancer", "ovarian cancer", "colon cancer"]
    assert split_composite("ketamine") == [] and split_composite("breast and ovary") == []


def test_exact_links_lexicon_synonyms_and_mesh_names(linker):
    assert linker.link("Adriamycin", "DRUG") == Concept("MESH:D004317", "Doxorubicin", 1.0)
    assert linker.link("doxorubicin", "DRUG") == Concept("MESH:D004317", "Doxorubicin", 1.0)  # the MeSH name
    assert linker.link("Paracetamol", "DRUG").id == linker.link("acetaminophen", "DRUG").id == "MESH:D000082"
    assert linker.link("ketamine hydrochloride", "DRUG") == Concept("MESH:D007649", "Ketamine", 1.0)  # salt dropped
    assert linker.link("hemolytic anemia", "DISORDER").id == "MESH:D000740"  # MeSH's inverted name
    # a descriptor named with its salt is found by the drug's own name (exactly: score 1)
    assert linker.link("formoterol", "DRUG") == Concept("MESH:D000068759", "Formoterol Fumarate", 1.0)


def test_ambiguous_mention_takes_the_most_frequent_id_with_its_share(linker):
    assert linker.link("Depression", "DISORDER") == Concept("MESH:D003866", "Depressive Disorder", 0.9)


def test_composite_mention_links_to_every_part(linker):
    concept = linker.link("breast and ovarian cancers", "DISORDER")
    assert concept == Concept("MESH:D001943|MESH:D010051", "Breast Neoplasms | Ovarian Neoplasms", 1.0)
    assert concept.ids == ["MESH:D001943", "MESH:D010051"]


def test_fuzzy_links_near_misses_and_stops_at_the_threshold(linker):
    near = linker.link("cardiomegally", "DISORDER")  # misspelt
    assert near is not None and near.id == "MESH:D006332" and 0.7 <= near.score < 1
    strict = Linker(_lexicon(), threshold=0.99)
    assert strict.link("cardiomegally", "DISORDER") is None


@pytest.mark.parametrize("text", ["", "   ", "!!!", "xqzvw", "12", "the", "a" * 500, "ß∂ƒ©", "(+/-)"])
def test_garbage_is_unlinked_never_an_error(linker, text):
    assert linker.link(text, "DRUG") is None and linker.link(text, "DISORDER") is None


def test_outcome_is_never_linked(linker):
    assert linker.link("depression", "OUTCOME") is None


def test_short_form_takes_its_long_forms_concept(linker):
    text = "Heparin-induced thrombocytopenia (HIT) is rare. HIT was seen after Adriamycin (ADR)."
    ents = [(0, 32, "DISORDER"), (34, 37, "DISORDER"), (48, 51, "DISORDER"), (67, 77, "DRUG"), (79, 82, "DRUG")]
    out = linker.link_entities(text, ents, {"HIT": "Heparin-induced thrombocytopenia", "ADR": "Adriamycin"})
    assert [c.id for c in out] == ["MESH:C000001"] * 3 + ["MESH:D004317"] * 2
    assert linker.link("HIT", "DISORDER") is None  # on its own, a short form says nothing


def test_acronym_missed_by_the_detector_takes_the_mention_it_stands_for(linker):
    text = "Breast cancer in 40 women; BC-free survival"
    out = linker.link_entities(text, [(0, 13, "DISORDER"), (27, 29, "DISORDER")], {})
    assert out[1] == out[0] == linker.link("breast cancer", "DISORDER")


def test_lexicon_files_round_trip_byte_for_byte(tmp_path):
    lex = _lexicon()
    paths = write_lexicon(lex, tmp_path / "a", header={"source": "test"})
    back = read_lexicon(tmp_path / "a")
    assert back.names == lex.names and back.mentions == lex.mentions
    again = write_lexicon(back, tmp_path / "b", header={"source": "test"})
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    assert back.sizes() == {"names": 13, "mentions_DISORDER": 4, "mentions_DRUG": 2}


KEYS = ["anemia hemolytic", "doxorubicin", "heparin induced thrombocytopenia", "a", "il 6 alpha tnf",
        "breast neoplasm", "x  y", "ünïcode façade"]


def test_fuzzy_index_vectorises_queries_as_scikit_learn_does():
    from sklearn.feature_extraction.text import TfidfVectorizer

    index = FuzzyIndex.fit(KEYS)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), sublinear_tf=True).fit(KEYS)
    queries = KEYS + ["hemolytic anaemia", "DOXORUBICIN  hcl", "zzz", "", "a b c", "thrombocytopenia induced heparin"]
    ours, theirs = index.transform(queries).toarray(), reference.transform(queries).toarray()
    assert ours.shape == theirs.shape and abs(ours - theirs).max() < 1e-6
    assert abs(index.transform(KEYS).toarray() - index.vectors.toarray()).max() < 1e-6


def test_fuzzy_index_saved_and_loaded_links_the_same(tmp_path):
    write_lexicon(_lexicon(), tmp_path)
    fitted = Linker(read_lexicon(tmp_path), threshold=0.7)
    fitted.fuzzy_index().save(tmp_path / "fuzzy.npz")
    loaded = Linker.load(tmp_path, threshold=0.7)
    assert loaded._fitted is not None  # read from fuzzy.npz, not fitted again
    mentions = [("heparin induced thrombocytopenias type II", "DISORDER"), ("Adriamycine", "DRUG"),
                ("ovarian cancers", "DISORDER"), ("qwertyuiop", "DRUG")]
    assert loaded.link_many(mentions) == fitted.link_many(mentions)
    assert loaded.link_many(mentions)[1] is not None  # a fuzzy link


def test_fuzzy_index_of_another_lexicon_is_fitted_again_with_a_warning(tmp_path):
    write_lexicon(_lexicon(), tmp_path)
    FuzzyIndex.fit(KEYS).save(tmp_path / "fuzzy.npz")  # made for other keys
    with pytest.warns(UserWarning, match="does not match its lexicon's keys"):
        stale = Linker.load(tmp_path, threshold=0.7).prepare()
    fresh = Linker(_lexicon(), threshold=0.7)
    assert stale.link("Adriamycine", "DRUG") == fresh.link("Adriamycine", "DRUG") is not None


def test_unreadable_fuzzy_index_says_how_to_fix(tmp_path):
    from claimx.errors import ModelError

    write_lexicon(_lexicon(), tmp_path)
    (tmp_path / "fuzzy.npz").write_bytes(b"not an npz")
    with pytest.raises(ModelError, match="cannot be read"):
        Linker.load(tmp_path)


def test_shipped_linker_loads_without_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, claimx; from claimx.linking import Linker; "
            f"l = Linker.load({str(SHIPPED_MODEL / 'linker')!r}).prepare(); "
            "print(l.link('hemolytic anaemias', 'DISORDER'), 'sklearn' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert out.strip().endswith("False") and "MESH:D000743" in out


def test_concept_urls():
    assert concept_url("MESH:D007649") == "https://meshb.nlm.nih.gov/record/ui?ui=D007649"
    assert concept_url("OMIM:114480") == "https://omim.org/entry/114480"
    assert concept_url("D007649") is None


def test_results_round_trip_concepts():
    linked = Entity(0, 8, "Ketamine", "DRUG", 0.99, Concept("MESH:D007649", "Ketamine", 1.0))
    result = Result("1", "Ketamine helps.", entities=[linked, Entity(9, 14, "helps", "OUTCOME", 0.5)])
    d = result.to_dict()
    assert d["entities"][0]["concept"] == {"id": "MESH:D007649", "name": "Ketamine", "score": 1.0}
    assert d["entities"][1]["concept"] is None
    assert Result.from_dict(json.loads(json.dumps(d))).entities == result.entities
    old = {**d, "entities": [{k: v for k, v in e.items() if k != "concept"} for e in d["entities"]]}
    assert [e.concept for e in Result.from_dict(old).entities] == [None, None]  # output of older versions
    with pytest.raises(ValueError, match=r"entities\[0\].concept must be an object"):
        Result.from_dict({**d, "entities": [{**d["entities"][0], "concept": "MESH:D007649"}]})
    with pytest.raises(ValueError, match=r"entities\[0\].concept.score must be float"):
        Result.from_dict({**d, "entities": [{**d["entities"][0], "concept": {"id": "x", "name": "y", "score": "1"}}]})


def test_parquet_and_pandas_carry_concepts(tmp_path):
    from claimx.io.writers import open_writer

    linked = Entity(0, 8, "Ketamine", "DRUG", 0.99, Concept("MESH:D007649", "Ketamine", 1.0))
    result = Result("1", "Ketamine helps.", entities=[linked, Entity(9, 14, "helps", "OUTCOME", 0.5)], model="m 1")
    path = tmp_path / "out.parquet"
    writer = open_writer(path, "parquet")
    writer.write([result.to_dict()])
    writer.close()
    (back,) = claimx.read_results(path)
    assert back.entities == result.entities
    df = claimx.to_pandas([back], rows="entities")
    assert df.loc[0, ["concept_id", "concept_name", "concept_score"]].tolist() == ["MESH:D007649", "Ketamine", 1.0]
    assert df.loc[1, ["concept_id", "concept_name", "concept_score"]].isna().all()  # unlinked


@pytest.fixture(scope="module")
def linked_model(tiny_model, tmp_path_factory):
    """The tiny model with a linker: the lexicon above in linker/, "linker" in its claimx.json."""
    path = tmp_path_factory.mktemp("linked") / "claimx-tiny-linked"
    shutil.copytree(tiny_model, path)
    lex = _lexicon()
    for word in ("patients", "Depression", "Ketamine", "the", "and"):  # what the random tagger may tag
        lex.add("DISORDER", word, "MESH:D003866")
        lex.add("DRUG", word, "MESH:D007649")
    write_lexicon(lex, path / "linker")
    spec = json.loads((path / "claimx.json").read_text())
    spec["components"].append("linker")
    spec["linker"] = {"folder": "linker", "threshold": 0.7}
    (path / "claimx.json").write_text(json.dumps(spec))
    return path


TEXT = ("Ketamine and depression. Ketamine relieves depression in patients with heparin-induced thrombocytopenia "
        "(HIT); HIT and Depression improved.")


def test_linker_component_keeps_offsets_and_labels(tiny_model, linked_model):
    plain = claimx.load(tiny_model, device="cpu")(TEXT)
    ex = claimx.load(linked_model, device="cpu")
    assert ex.nlp.pipe_names[-1] == "claimx_linker"
    linked = ex(TEXT)
    assert [replace(e, concept=None) for e in linked.entities] == plain.entities
    assert all(e.concept is None for e in plain.entities)  # a model without a linker: null
    assert plain.to_dict()["entities"][0]["concept"] is None
    for e in linked.entities:
        assert (e.concept is None) if e.label == "OUTCOME" else (e.concept == ex.nlp.get_pipe("claimx_linker")
                                                                  .linker.link_entities(TEXT, [(e.start, e.end, e.label)],
                                                                                        {"HIT": "heparin-induced thrombocytopenia"})[0]
                                                                  or e.text == "HIT")
    assert any(e.concept is not None for e in linked.entities)


def test_linker_needs_a_model_with_a_linker(tiny_model):
    from claimx.errors import ModelError
    from claimx.pipeline import build_base_nlp

    with pytest.raises(ModelError, match="no concept linker"):
        build_base_nlp().add_pipe("claimx_linker", config={"model": str(tiny_model)})


def _linked(result, phrase, concept):
    return replace(result, entities=[replace(e, concept=concept) if e.text == phrase else e for e in result.entities])


def test_graph_and_report_merge_synonyms_by_concept():
    from claimx.analysis.graph import build_graph
    from claimx.analysis.report import build_report

    dox = Concept("MESH:D004317", "Doxorubicin", 1.0)
    a_text = "Adriamycin causes cardiomyopathy by oxidative stress."
    b_text = "Treatment with doxorubicin causes cardiomyopathy by oxidative stress."
    a = _linked(make_result("1", a_text, [{"sentence": a_text, "type": "mechanistic", "roles": [
        ("AGENT", "Adriamycin"), ("EFFECT", "cardiomyopathy"), ("MECHANISM", "oxidative stress")]}],
        entities=[("Adriamycin", "DRUG")]), "Adriamycin", dox)
    b = _linked(make_result("2", b_text, [{"sentence": b_text, "type": "mechanistic", "roles": [
        ("AGENT", "Treatment with doxorubicin"), ("EFFECT", "cardiomyopathy"), ("MECHANISM", "oxidative stress")]}],
        entities=[("doxorubicin", "DRUG")]), "doxorubicin", dox)
    g = build_graph([a, b])
    node = g.nodes["MESH:D004317"]
    assert node["name"] == "Doxorubicin" and node["concept"] == "MESH:D004317" and node["abstracts"] == 2
    assert g.nodes["cardiomyopathy"]["concept"] == ""  # not linked: text folding
    assert g.get_edge_data("MESH:D004317", "cardiomyopathy")["affects"]["support"] == 2
    unlinked = build_graph([replace(a, entities=[]), replace(b, entities=[])])
    assert "adriamycin" in unlinked and "doxorubicin" in unlinked
    page = build_report([a, b])
    assert "<td>Doxorubicin</td><td>affects</td><td>cardiomyopathy</td><td>2</td>" in page


def test_show_has_the_concept_on_hover_and_a_mesh_link():
    from claimx.analysis.views import render_html

    r = _linked(make_result("1", "Ketamine helps.", [], entities=[("Ketamine", "DRUG")]), "Ketamine",
                Concept("MESH:D007649", "Ketamine", 0.97))
    page = render_html([r])
    assert 'title="MESH:D007649 Ketamine (linker score 0.97)" data-concept="MESH:D007649"' in page
    assert 'href="https://meshb.nlm.nih.gov/record/ui?ui=D007649">MESH:D007649</a>' in page


def test_cdr_measure_on_id_sets():
    assert concept_ids(["D007649|C000001", "OMIM:114480", "-1", "D003110+D009369", "D001943,D010051", ""]) == (
        "MESH:D007649", "MESH:C000001", "OMIM:114480", "MESH:D003110", "MESH:D009369", "MESH:D001943", "MESH:D010051")
    gold = {"1": id_sets([("DRUG", ["MESH:A"]), ("DISORDER", ["MESH:B", "MESH:C"])]), "2": id_sets([("DRUG", ["MESH:A"])])}
    pred = {"1": id_sets([("DRUG", ["MESH:A"]), ("DISORDER", ["MESH:B", "MESH:X"])])}
    scores = score_id_sets(gold, pred)
    assert scores["DRUG"] == {"p": 1.0, "r": 0.5, "f1": 0.6667, "tp": 1, "fp": 0, "fn": 1}
    assert scores["DISORDER"] == {"p": 0.5, "r": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1}
    gm = [GoldMention(0, 1, "DRUG", ("MESH:A",)), GoldMention(2, 3, "DRUG", ("MESH:B",)), GoldMention(4, 5, "DRUG", ())]
    acc = linker_accuracy(gm, [Concept("MESH:A", "a", 1.0), Concept("MESH:X", "x", 0.8), None])
    assert acc["mentions"] == 2 and acc["accuracy"] == 0.5 and acc["p"] == 0.5


def test_link_many_batches_to_the_same_answers():
    mentions = [("cardiomegally", "DISORDER"), ("Adriamycin", "DRUG"), ("xqzvw", "DRUG"), ("depression", "OUTCOME"),
                ("breast and ovarian cancer", "DISORDER"), ("cardiomegally", "DISORDER")]
    batched = Linker(_lexicon(), threshold=0.7).link_many(mentions)
    one = Linker(_lexicon(), threshold=0.7)
    assert batched == [one.link(t, label) for t, label in mentions] and batched[0] is not None and batched[2] is None
