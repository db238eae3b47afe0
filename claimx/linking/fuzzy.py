"""The linker's fuzzy step: cosine similarity of character 3-gram TF-IDF vectors of lookup keys.

scikit-learn fits the index (`FuzzyIndex.fit`: ``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3),
sublinear_tf=True)``) when a lexicon is built, and `scripts/build_lexicon.py` saves it beside the lexicon
(`fuzzy.npz`: the keys, their vectors, the 3-gram vocabulary and its idf). Loading it needs numpy and
scipy.sparse only — scikit-learn's import alone takes about a second and most of the linker's memory — and
queries are vectorised here as scikit-learn's ``transform`` does (`char_wb_ngrams`; the tests compare the
two: equal within float32 rounding).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = ["FUZZY_FILE", "FuzzyIndex", "char_wb_ngrams"]

FUZZY_FILE = "fuzzy.npz"
N = 3  # character n-gram size
_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, n: int = N) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer for one ``n``: every word padded with a space on both sides, then its
    n-grams (a padded word shorter than ``n`` is one gram)."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        grams += [padded[i:i + n] for i in range(max(1, len(padded) - n + 1))]
    return grams


@dataclass
class FuzzyIndex:
    """Lookup keys as L2-normalised TF-IDF rows (``vectors``: keys x 3-grams), and the fit that made them."""

    keys: list[str]
    vectors: sp.csr_matrix
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, keys: Sequence[str]) -> FuzzyIndex:
        """Fit on ``keys`` with scikit-learn (build time: `scripts/build_lexicon.py`, or a lexicon in memory)."""
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
        except ImportError as e:
            from ..errors import ModelError

            raise ModelError(f"a linker without its saved {FUZZY_FILE} fits one with scikit-learn, which is not "
                             "installed: pip install scikit-learn, or rebuild the linker with "
                             "scripts/build_lexicon.py --model FOLDER") from e

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(N, N), sublinear_tf=True, dtype=np.float32)
        vectors = vectorizer.fit_transform(keys).tocsr()
        return cls(list(keys), vectors, {t: int(i) for t, i in vectorizer.vocabulary_.items()},
                   vectorizer.idf_.astype(np.float32))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """``texts`` as rows in the index's space (3-grams it never saw are dropped), as scikit-learn would (within
        float32 rounding)."""
        rows, cols, values = [], [], []
        for r, text in enumerate(texts):
            counts = Counter(self.vocabulary[g] for g in char_wb_ngrams(text) if g in self.vocabulary)
            for c, k in counts.items():
                rows.append(r)
                cols.append(c)
                values.append((1.0 + math.log(k)) * float(self.idf[c]))
        m = sp.csr_matrix((np.asarray(values, dtype=np.float32), (rows, cols)),
                          shape=(len(texts), len(self.vocabulary)), dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ m)

    def save(self, path: str | Path) -> Path:
        path = Path(path).with_suffix(".npz")  # numpy would add it anyway
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(path, keys=np.array(self.keys), terms=np.array(terms), idf=self.idf,
                            data=self.vectors.data, indices=self.vectors.indices, indptr=self.vectors.indptr,
                            shape=np.array(self.vectors.shape))
        return path

    @classmethod
    def load(cls, path: str | Path) -> FuzzyIndex:
        try:
            with np.load(path, allow_pickle=False) as z:
                vectors = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
                return cls(z["keys"].tolist(), vectors, {t: i for i, t in enumerate(z["terms"].tolist())}, z["idf"])
        except (OSError, ValueError, KeyError) as e:
            from ..errors import ModelError

            raise ModelError(f"{path} cannot be read ({e}); restore the model folder from its release, or rebuild the "
                             "linker with scripts/build_lexicon.py --model FOLDER") from e
