"""The concept linker: a DRUG / DISORDER mention -> its MeSH concept, offline.

    linker = Linker.load("models/claimx-minilm/linker", threshold=0.8)
    linker.link("Adriamycin", "DRUG")            # Concept("MESH:D004317", "Doxorubicin", 1.0)
    linker.link("breast and ovarian cancer", "DISORDER")   # two ids joined by "|"

Steps, first hit wins, on `normalize`d keys: (1) the mention strings annotated for that label in the train
splits (the id annotated most often; score = its share), (2) the concept names (MeSH descriptors; score 1),
(3) a composite mention split into its parts ("renal and hepatic failure"), each part found by any step,
(4) a DRUG without its salt or hydrate word ("ketamine hydrochloride" -> ketamine), by (1) or (2), (5) the
nearest key by cosine similarity of character 3-gram TF-IDF vectors (`fuzzy.FuzzyIndex`), kept when the similarity
reaches `threshold` (chosen on train documents held out of the lexicon: scripts/build_lexicon.py). Dropping
leading words ("secondary hyperalgesia" -> hyperalgesia) was measured there and lost precision: not done.
In a document (`link_entities`) a short form takes its long form's concept, and an acronym the abbreviation
detector missed takes the concept of the nearest linked mention it stands for. `link_many` batches step (5).
Anything else, garbage included, is None.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..results import LINKED_LABELS, Concept
from .fuzzy import FUZZY_FILE, FuzzyIndex
from .lexicon import Lexicon, read_lexicon
from .normalize import normalize, split_composite

__all__ = ["DEFAULT_THRESHOLD", "MIN_FUZZY_CHARS", "Linker"]

#: fuzzy matches below this cosine similarity stay unlinked (the shipped model's value is in its claimx.json)
DEFAULT_THRESHOLD = 0.8
#: keys shorter than this are never matched fuzzily: three letters ("HIT", "ADR") say too little
MIN_FUZZY_CHARS = 5
_CACHE_SIZE = 200_000
_FUZZY_CHUNK = 64  # keys per matrix product: a dense 64 x ~33,000 block of similarities (8 MB)
#: words naming a drug's salt or hydrate form, dropped to find the drug itself
SALT_WORDS = frozenset("""hydrochloride dihydrochloride hcl hydrobromide sulfate sulphate bisulfate sodium potassium
maleate mesylate mesilate citrate tartrate bitartrate phosphate succinate fumarate besylate besilate bromide chloride
monohydrate dihydrate trihydrate hydrate anhydrous salt""".split())


class Linker:
    """Links mention strings of the labels in `LINKED_LABELS` to the concepts of a `Lexicon`."""

    def __init__(self, lexicon: Lexicon, *, threshold: float = DEFAULT_THRESHOLD,
                 index: FuzzyIndex | None = None) -> None:
        """``index``: the lexicon's fitted fuzzy index (a model's `fuzzy.npz`); None fits one, with scikit-learn,
        at the first fuzzy match."""
        self.threshold = threshold
        self.names = lexicon.names
        # label -> key -> (id, share of that key's annotations)
        self._mentions: dict[str, dict[str, tuple[str, float]]] = {}
        for label, by_mention in lexicon.mentions.items():
            counts: dict[str, Counter[str]] = {}
            for mention, ids in by_mention.items():
                key = normalize(mention)
                if key:
                    counts.setdefault(key, Counter()).update(ids)
            self._mentions[label] = {key: _most_frequent(ids) for key, ids in counts.items()}
        self._names: dict[str, str] = {}  # key -> id, MeSH descriptors only (other ids are named by a mention)
        for concept, name in sorted(lexicon.names.items()):
            key = normalize(name)
            if key and concept.startswith("MESH:D"):
                self._names.setdefault(key, concept)
        self._salt_free_names: dict[str, str] = {}  # DRUG only: "Formoterol Fumarate" is also found as "formoterol"
        for concept, name in sorted(lexicon.names.items()):
            words = name.split()
            kept = [w for w in words if w.lower().strip(",;()") not in SALT_WORDS]
            if concept.startswith("MESH:D") and kept and len(kept) < len(words):
                key = normalize(" ".join(kept))
                if key and key not in self._names:
                    self._salt_free_names.setdefault(key, concept)
        self._fitted = index
        self._fuzzy: dict[str, tuple[list[str], Any]] | None = None  # label -> (keys, TF-IDF columns): built on first use
        self._cache: dict[tuple[str, str], Concept | None] = {}

    @classmethod
    def load(cls, folder: str | Path, *, threshold: float = DEFAULT_THRESHOLD) -> Linker:
        """The linker of a lexicon folder (a model's `linker/`), with its saved fuzzy index when it has one."""
        index = Path(folder) / FUZZY_FILE
        return cls(read_lexicon(folder), threshold=threshold, index=FuzzyIndex.load(index) if index.exists() else None)

    def link(self, text: str, label: str) -> Concept | None:
        """The concept of the mention `text` tagged `label`, or None (OUTCOME, unknown, garbage)."""
        return self.link_many([(text, label)])[0]

    def link_many(self, mentions: Sequence[tuple[str, str]]) -> list[Concept | None]:
        """`link` for many `(text, label)` mentions at once: the fuzzy step runs as one batched matrix product."""
        keys = [(normalize(text), label) if label in LINKED_LABELS else ("", label) for text, label in mentions]
        found: dict[tuple[str, str], Concept | None] = {}
        fuzzy: list[tuple[str, str]] = []
        for (key, label), (text, _) in zip(keys, mentions):
            if not key or (key, label) in found:
                continue
            if (key, label) in self._cache:
                found[key, label] = self._cache[key, label]
                continue
            found[key, label] = self._exact(key, label) or self._composite(text, label) or self._salt_free(text, label)
            if found[key, label] is None and len(key) >= MIN_FUZZY_CHARS:
                fuzzy.append((key, label))
        for label in LINKED_LABELS:
            batch = [key for key, lab in fuzzy if lab == label]
            found.update(((key, label), concept) for key, concept in zip(batch, self._nearest(batch, label)))
        if len(self._cache) + len(found) > _CACHE_SIZE:
            self._cache.clear()  # bounded memory over any number of documents
        self._cache.update(found)
        return [found[k] if k[0] else None for k in keys]

    def prepare(self) -> Linker:
        """Make the fuzzy step ready now (a saved index: its columns per label; none: scikit-learn's import and
        fit) rather than at the first fuzzy match; the spaCy component does this when it loads."""
        self._index()
        return self

    def link_entities(self, text: str, entities: Sequence[tuple[int, int, str]],
                      abbreviations: Mapping[str, str] | None = None) -> list[Concept | None]:
        """The concept of each `(start, end, label)` entity of the document `text`. An entity that is a short
        form defined in the document (`abbreviations`: short -> long form) takes its long form's concept;
        a long form that links to nothing leaves the short form to be linked as it is."""
        abbreviations = abbreviations or {}
        self.link_many([(abbreviations[text[s:e]], label) for s, e, label in entities if text[s:e] in abbreviations]
                       + [(text[s:e], label) for s, e, label in entities])  # one batch: the loop below finds them cached
        out = []
        for start, end, label in entities:
            mention = text[start:end]
            long = abbreviations.get(mention)
            concept = self.link(long, label) if long else None
            out.append(concept or self.link(mention, label))
        # an acronym the abbreviation detector missed ("ATT-ALF" after "acute liver failure") takes the concept of
        # the nearest linked mention of its label it stands for: before it first, then after it
        order = sorted(range(len(entities)), key=lambda j: entities[j][0])
        for i, (start, end, label) in enumerate(entities):
            mention = text[start:end]
            if mention in abbreviations or not _ACRONYM.fullmatch(mention):
                continue
            before = [j for j in order if entities[j][0] < start]
            for j in before[::-1] + order[len(before):]:
                s, e, other = entities[j]
                concept = out[j]
                if (other == label and concept is not None and "|" not in concept.id and e - s > end - start + 2
                        and _stands_for(mention, text[s:e])):
                    out[i] = concept
                    break
        return out

    def _concept(self, concept: str, score: float) -> Concept:
        name = " | ".join(self.names.get(c, c) for c in concept.split("|"))
        return Concept(concept, name, round(score, 4))

    def _exact(self, key: str, label: str) -> Concept | None:
        hit = self._mentions.get(label, {}).get(key)
        if hit is not None:
            return self._concept(*hit)
        concept = self._names.get(key) or (self._salt_free_names.get(key) if label == "DRUG" else None)
        return None if concept is None else self._concept(concept, 1.0)

    def _salt_free(self, text: str, label: str) -> Concept | None:
        """(4): a DRUG mention without its salt words, found exactly."""
        words = text.split()
        kept = [w for w in words if w.lower().strip(",;()") not in SALT_WORDS]
        if label != "DRUG" or not kept or len(kept) == len(words):
            return None
        return self._exact(normalize(" ".join(kept)), label)

    def _composite(self, text: str, label: str) -> Concept | None:
        parts = [self.link(p, label) for p in split_composite(text)]
        if len(parts) < 2 or not all(parts):
            return None
        ids = list(dict.fromkeys(c.id for c in parts))  # type: ignore[union-attr]
        return self._concept("|".join(ids), min(c.score for c in parts))  # type: ignore[union-attr]

    def _nearest(self, keys: list[str], label: str) -> list[Concept | None]:
        """(5) for many keys: each one's most similar key of `label`, when similar enough."""
        known, columns = self._index()[label]
        out: list[Concept | None] = []
        for i in range(0, len(keys), _FUZZY_CHUNK):
            sims = (self.fuzzy_index().transform(keys[i : i + _FUZZY_CHUNK]) @ columns).toarray()
            for row, best in zip(sims, sims.argmax(axis=1)):
                concept = self._exact(known[best], label) if row[best] >= self.threshold else None
                out.append(None if concept is None else Concept(concept.id, concept.name, round(float(row[best]), 4)))
        return out

    def fuzzy_index(self) -> FuzzyIndex:
        """The fitted fuzzy index over every lookup key (saved with a lexicon by scripts/build_lexicon.py)."""
        self._index()
        return self._fitted  # type: ignore[return-value]

    def _index(self) -> dict[str, tuple[list[str], Any]]:
        """Per label: its lookup keys (its mention strings and every MeSH name) and their TF-IDF vectors as columns."""
        if self._fuzzy is None:
            per_label = {label: sorted(set(self._mentions.get(label, {})) | set(self._names)) for label in LINKED_LABELS}
            every = sorted(set().union(*per_label.values()))
            if self._fitted is not None and set(self._fitted.keys) != set(every):
                # a saved index of another lexicon or key folding (an older model folder): fit again, same scores
                warnings.warn(f"the linker's {FUZZY_FILE} does not match its lexicon's keys (made for another lexicon "
                              "or key folding): fitting the index again (~1 s); rebuild the model's linker with "
                              "scripts/build_lexicon.py --model FOLDER from a claimx checkout", stacklevel=2)
                self._fitted = None
            if self._fitted is None:
                self._fitted = FuzzyIndex.fit(every)
            row = {k: i for i, k in enumerate(self._fitted.keys)}
            vectors = self._fitted.vectors
            # transposed once (terms x keys, CSR): a query row times it is cheap, `rows.T` per query is not
            self._fuzzy = {label: (keys, vectors[[row[k] for k in keys]].T.tocsr()) for label, keys in per_label.items()}
        return self._fuzzy


_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9]{0,2}[A-Z0-9][A-Za-z0-9]{0,4}-?")  # ALF, DNR, IFX, 5-FU is not (digit first)


def _stands_for(short: str, long: str) -> bool:
    """Schwartz–Hearst: the letters and digits of `short` occur in `long` in order, the first at a word start."""
    chars = [c.lower() for c in short if c.isalnum()]
    long = long.lower()
    pos = len(long)
    for k in range(len(chars) - 1, -1, -1):
        pos = long.rfind(chars[k], 0, pos)
        if pos < 0:
            return False
        if k == 0:
            return pos == 0 or not long[pos - 1].isalnum()
    return False


def _most_frequent(ids: Counter[str]) -> tuple[str, float]:
    """The id given most often (ties: MeSH before OMIM, then the lower id) and its share of the annotations."""
    concept, count = max(ids.items(), key=lambda kv: (kv[1], kv[0].startswith("MESH:"), [-ord(c) for c in kv[0]]))
    return concept, count / sum(ids.values())
