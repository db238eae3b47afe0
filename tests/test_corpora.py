"""Corpus loaders: tiny made-up fixtures (fast) and the real shared corpora (slow)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimx.corpora import (
    Document,
    OffsetReport,
    Span,
    corpora_dir,
    from_dataset,
    heldout_ids,
    load_corpus,
    pmids_to_drop,
    read_ebm_nlp,
    read_overlap,
    read_pubtator,
    read_pubtator_concepts,
    split_documents,
    to_dataset,
)

# --- made-up fixtures -------------------------------------------------------------------------

TITLE = "Drugamine-associated flu in mice."
ABSTRACT = "We gave drugamine and saw flu, not gout."
TEXT = TITLE + " " + ABSTRACT  # drugamine@0, flu@21, drugamine@42, flu@60, gout@69

PUBTATOR = "\n".join(
    [
        f"111|t|{TITLE}",
        f"111|a|{ABSTRACT}",
        "111\t0\t9\tDrugamine\tChemical\tD001",
        "111\t21\t24\tflu\tDisease\tD002",
        "111\t42\t51\tdrugamine\tChemical\tD001",
        "111\t60\t63\tflu\tDisease\tD002",
        "111\t69\t73\tgout\tDisease\tD003|D004\tgout",  # 7 columns (composite style)
        "111\t30\t34\tmice\tSpecies\t10090",  # type not mapped: dropped
        "111\tCID\tD001\tD002",  # relation line: kept by read_pubtator_concepts
        "",
        "222|t|Empty abstract.",
        "222|a|",
        "",
    ]
) + "\n"

IO_TEXT = """-DOCSTART- (900)

Pain after surgery
Pain NN O I-OUT
scores NN O I-OUT
fell NN O O
. NN O I-OUT

-DOCSTART- (901)

Mortality NN O I-OUT
. NN O O

Death NN O I-OUT
rates NN O I-OUT
and NN O O
( NN O I-OUT
length NN O I-OUT
) NN O I-OUT
"""


def _write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("\n", newline), encoding="utf-8", newline="")
    return path


# --- documents ---------------------------------------------------------------------------------


def test_span_rejects_empty_or_negative():
    with pytest.raises(ValueError, match="start < end"):
        Span(3, 3, "DRUG")
    with pytest.raises(ValueError):
        Span(-1, 2, "DRUG")


def test_to_dataset_round_trip_keeps_offsets_and_empty_entity_lists():
    docs = [Document("1", "x", TEXT, [Span(0, 9, "DRUG"), Span(21, 24, "DISORDER")]),
            Document("2", "x", "nothing", [])]
    ds = to_dataset(docs)
    assert ds.column_names == ["id", "corpus", "text", "entities"]
    assert ds[0]["entities"][1] == {"start": 21, "end": 24, "label": "DISORDER"}
    assert from_dataset(ds) == docs


# --- PubTator ----------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_pubtator_maps_labels_and_checks_offsets(tmp_path, newline):
    report = OffsetReport()
    docs = read_pubtator(_write(tmp_path / "c.txt", PUBTATOR, newline), "bc5cdr", report=report)
    assert [d.id for d in docs] == ["111", "222"]
    doc = docs[0]
    assert doc.text == TEXT
    assert [(doc.mention(s), s.label) for s in doc.entities] == [
        ("Drugamine", "DRUG"), ("flu", "DISORDER"), ("drugamine", "DRUG"),
        ("flu", "DISORDER"), ("gout", "DISORDER")]
    assert docs[1].text == "Empty abstract. " and docs[1].entities == []
    assert report.exact == 5 and report.mismatches == 0 and report.mentions == 5


def test_pubtator_concepts_keep_types_ids_and_relations(tmp_path):
    docs = read_pubtator_concepts(_write(tmp_path / "c.txt", PUBTATOR))
    doc = docs[0]
    assert doc.text == TEXT and doc.relations == [("CID", "D001", "D002")] and docs[1].relations == []
    assert [(TEXT[m.start:m.end], m.type, m.ids) for m in doc.mentions] == [
        ("Drugamine", "Chemical", ("D001",)), ("flu", "Disease", ("D002",)), ("drugamine", "Chemical", ("D001",)),
        ("flu", "Disease", ("D002",)), ("gout", "Disease", ("D003", "D004")), ("mice", "Species", ("10090",))]
    no_id = PUBTATOR.replace("\tD002\n111\t42", "\t-1\n111\t42")
    assert read_pubtator_concepts(_write(tmp_path / "d.txt", no_id))[0].mentions[1].ids == ()


def test_pubtator_repairs_padded_or_shifted_mentions_and_drops_missing(tmp_path):
    text = "\n".join([
        f"111|t|{TITLE}", f"111|a|{ABSTRACT}",
        "111\t21\t24\tflu  \tDisease\tD002",  # mention string padded with spaces
        "111\t43\t52\tdrugamine\tChemical\tD001",  # offsets one off
        "111\t60\t64\tcold\tDisease\tD009",  # not in the text at all
    ]) + "\n"
    report = OffsetReport()
    (doc,) = read_pubtator(_write(tmp_path / "c.txt", text), "bc5cdr", report=report)
    assert [(doc.mention(s), s.start) for s in doc.entities] == [("flu", 21), ("drugamine", 42)]
    assert len(report.fixed) == 2 and len(report.dropped) == 1 and report.mismatches == 3


def test_pubtator_duplicate_pmid_kept_once_and_label_maps(tmp_path):
    block = f"111|t|{TITLE}\n111|a|{ABSTRACT}\n111\t21\t24\tflu\tSpecificDisease\tD002\n\n"
    report = OffsetReport()
    docs = read_pubtator(_write(tmp_path / "n.txt", block + block), "ncbi", report=report)
    assert len(docs) == 1 and report.duplicate_docs == ["111"]
    assert docs[0].entities == [Span(21, 24, "DISORDER")]
    biored = block.replace("SpecificDisease", "DiseaseOrPhenotypicFeature")
    assert read_pubtator(_write(tmp_path / "b.txt", biored), "biored")[0].entities[0].label == "DISORDER"
    with pytest.raises(ValueError, match="label_map"):
        read_pubtator(tmp_path / "b.txt", "mystery")


def test_pubtator_rejects_mention_outside_its_document(tmp_path):
    text = f"111|t|{TITLE}\n111|a|{ABSTRACT}\n333\t0\t3\tDru\tChemical\tD1\n"
    with pytest.raises(ValueError, match=r"c.txt:3: mention for PMID 333"):
        read_pubtator(_write(tmp_path / "c.txt", text), "bc5cdr")


# --- EBM-NLP -----------------------------------------------------------------------------------


def test_ebm_nlp_builds_text_and_outcome_spans(tmp_path):
    path = _write(tmp_path / "io.txt", IO_TEXT.replace("Pain after surgery\n", ""))
    docs = read_ebm_nlp(path)
    assert [d.id for d in docs] == ["900", "901"]
    a, b = docs
    assert a.text == "Pain scores fell ."
    assert [a.mention(s) for s in a.entities] == ["Pain scores", "."]
    assert b.text == "Mortality . Death rates and ( length )"
    assert [b.mention(s) for s in b.entities] == ["Mortality", "Death rates", "( length )"]
    assert {s.label for d in docs for s in d.entities} == {"OUTCOME"}
    trimmed = read_ebm_nlp(path, trim_punctuation=True)
    assert [trimmed[1].mention(s) for s in trimmed[1].entities] == ["Mortality", "Death rates", "length"]
    assert [trimmed[0].mention(s) for s in trimmed[0].entities] == ["Pain scores"]


def test_ebm_nlp_rejects_malformed_lines(tmp_path):
    with pytest.raises(ValueError, match=r"io.txt:3: expected 'token POS chunk TAG'"):
        read_ebm_nlp(_write(tmp_path / "io.txt", IO_TEXT))


def test_ebm_nlp_split_is_fixed_disjoint_and_about_a_fifth():
    ids = [str(100000 + i) for i in range(960)]
    held = heldout_ids(ids)
    assert len(held) == 192 and held == heldout_ids(list(reversed(ids)))
    docs = [Document(i, "ebm_nlp", "t", []) for i in ids]
    train, dev = split_documents(docs, "train"), split_documents(docs, "dev")
    assert {d.id for d in dev} == held and len(train) + len(dev) == 960
    with pytest.raises(ValueError, match="split"):
        split_documents(docs, "test")


# --- overlap and load_corpus ---------------------------------------------------------------------

OVERLAP = "shared_dataset\tpmid\talso_in_heldout_of\nbc5cdr\t111\tbiored\nbiored\t5\tbc5cdr\nncbi_disease\t7\tbiored\n"


def test_overlap_pmids_by_corpus_pair(tmp_path):
    path = _write(tmp_path / "o.tsv", OVERLAP)
    assert len(read_overlap(path)) == 3
    assert pmids_to_drop("bc5cdr", "biored", path) == {"111"}
    assert pmids_to_drop("ncbi", ["biored", "bc5cdr"], path) == {"7"}
    assert pmids_to_drop("bc5cdr", "ncbi", path) == set()
    with pytest.raises(ValueError, match="Unknown corpus"):
        pmids_to_drop("bogus", "biored", path)
    with pytest.raises(ValueError, match="expected columns"):
        read_overlap(_write(tmp_path / "bad.tsv", "a\tb\n1\t2\n"))


@pytest.fixture
def fake_shared(tmp_path, monkeypatch) -> Path:
    corpora = tmp_path / "shared" / "corpora"
    _write(corpora / "bc5cdr" / "CDR_TrainingSet.PubTator.txt", PUBTATOR)
    _write(corpora / "biored" / "Dev.PubTator", PUBTATOR.replace("111", "444").replace("222", "555"))
    _write(corpora / "ebm_nlp" / "ebmnlp_scibert_dev.txt", IO_TEXT.replace("Pain after surgery\n", ""))
    _write(corpora / "CROSS_DATASET_OVERLAP.tsv", OVERLAP.replace("bc5cdr\t111", "bc5cdr\t222"))
    monkeypatch.setenv("CLAIMX_SHARED", str(tmp_path / "shared"))
    return tmp_path / "shared"


def test_load_corpus_uses_env_var_and_argument(fake_shared, monkeypatch):
    assert [d.id for d in load_corpus("bc5cdr", "train")] == ["111", "222"]
    monkeypatch.delenv("CLAIMX_SHARED")
    assert len(load_corpus("bc5cdr", "train", shared_root=fake_shared)) == 2
    ebm = load_corpus("ebm_nlp", "all", fake_shared)
    assert len(ebm) == 2 and ebm[0].corpus == "ebm_nlp"
    assert len(load_corpus("ebm_nlp", "train", fake_shared)) + len(load_corpus("ebm_nlp", "dev", fake_shared)) == 2


def test_load_corpus_drops_overlap_with_eval_corpus(fake_shared):
    assert [d.id for d in load_corpus("bc5cdr", "train", exclude_overlap_with="biored")] == ["111"]
    assert len(load_corpus("bc5cdr", "train", exclude_overlap_with=["ebm_nlp"])) == 2


def test_load_corpus_errors_say_what_to_do(fake_shared, tmp_path):
    with pytest.raises(ValueError, match="Unknown corpus 'cdr'.*bc5cdr"):
        load_corpus("cdr", "train")
    with pytest.raises(ValueError, match="no split 'test'"):
        load_corpus("bc5cdr", "test")
    with pytest.raises(FileNotFoundError, match="Missing corpus file .*CDR_DevelopmentSet"):
        load_corpus("bc5cdr", "dev")
    with pytest.raises(FileNotFoundError, match="CLAIMX_SHARED"):
        load_corpus("bc5cdr", "train", shared_root=tmp_path / "nowhere")


# --- the real shared corpora (slow) --------------------------------------------------------------


@pytest.fixture(scope="module")
def real_corpora() -> Path:
    try:
        return corpora_dir()
    except FileNotFoundError as err:
        pytest.skip(str(err))


# (corpus, split): (documents, DRUG, DISORDER, OUTCOME, offset repairs)
REAL_COUNTS = {
    ("bc5cdr", "train"): (500, 5203, 4182, 0, 0),
    ("bc5cdr", "dev"): (500, 5347, 4244, 0, 0),
    ("ncbi", "train"): (592, 0, 5134, 0, 1),  # 593 blocks, PMID 8528200 twice; 1 padded mention
    ("ncbi", "dev"): (100, 0, 787, 0, 0),
    ("biored", "train"): (400, 2853, 3646, 0, 0),
    ("biored", "dev"): (100, 822, 982, 0, 0),
    ("ebm_nlp", "train"): (768, 0, 0, 5285, 0),
    ("ebm_nlp", "dev"): (192, 0, 0, 1292, 0),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(REAL_COUNTS))
def test_real_corpus_counts_and_offsets(real_corpora, key):
    name, split = key
    n_docs, n_drug, n_dis, n_out, n_fixed = REAL_COUNTS[key]
    docs = load_corpus(name, split)
    labels = [s.label for d in docs for s in d.entities]
    assert (len(docs), labels.count("DRUG"), labels.count("DISORDER"), labels.count("OUTCOME")) == (
        n_docs, n_drug, n_dis, n_out)
    assert len({d.id for d in docs}) == n_docs
    for d in docs:
        for s in d.entities:
            mention = d.mention(s)
            assert mention and mention == mention.strip(), (d.id, s)
    if name != "ebm_nlp":
        from claimx.corpora import CORPORA

        report = OffsetReport()
        read_pubtator(real_corpora / CORPORA[name][split], name, report=report)
        assert report.dropped == [] and len(report.fixed) == n_fixed


@pytest.mark.slow
def test_real_overlap_drops(real_corpora):
    assert len(load_corpus("bc5cdr", "train", exclude_overlap_with="biored")) == 500 - 10 - 10  # TSV + BioRED dev
    assert len(load_corpus("biored", "train", exclude_overlap_with="bc5cdr")) == 400 - 53 - 44
    assert len(load_corpus("ebm_nlp", "train", exclude_overlap_with="bc5cdr")) == 768 - 1


def test_project_written_abstracts_load_without_shared(tmp_path):
    """Source "synthetic" is the project's own text (corpora/synthetic/): read even where ../shared is absent."""
    from claimx.corpora.texts import document_parts, join_title

    parts = document_parts("synthetic", "train", shared_root=tmp_path)  # an empty shared root: not needed
    assert len(parts) == 380 and all(re.fullmatch(r"w(0[1-9]|1[0-9]|20)-\d\d", did) for did in parts)
    title, abstract = parts["w01-01"]
    assert title and abstract and join_title(title, abstract).startswith(title + " ")
    with pytest.raises(ValueError, match="has no split 'dev'"):
        document_parts("synthetic", "dev")
