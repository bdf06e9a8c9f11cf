"""A character n-gram nearest-example classifier for short typed answers in Chinese and English.

Why this and not a trained model: answers are a few words long, in two scripts, often misspelt
or half in the other language, and the admin adds examples at run time. TF-IDF over character
1–3-grams (scikit-learn) needs no word segmentation, shrugs off typos ("thats all", "nope"),
and is refitted in milliseconds when examples change. Each meaning scores as its closest
example (cosine), among the meanings the current question offers.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from dialogs.intents import canon
from dialogs.meaning.examples import Example
from dialogs.meaning.negation import negated_spans, without_spans
from dialogs.text_cache import text_cache

# At or above: taken as the answer. Between SUGGEST and ACCEPT: "Did you mean …?".
ACCEPT = 0.5
SUGGEST = 0.3
# Two meanings this close are not told apart: ask rather than pick.
MARGIN = 0.06
# Meanings whose negation is a correction ("not quality, delivery"); a "no" before "that's all"
# negates nothing.
NEGATABLE = ("cat.", "out.", "field.")

_SPACE_OUT = str.maketrans({c: " " for c in set(string.punctuation) - {"?", "'", "/"}
                            | set("，。！；：、（）《》【】…～·「」“”")})
# "that's", "thats" and "that’s" are one word to a customer typing on a phone.
_APOSTROPHES = str.maketrans("", "", "'‘’")


_TRIM = string.punctuation + " ，。！？、；：…～"


def features_text(text: str) -> str:
    return " ".join(canon(text).translate(_SPACE_OUT).translate(_APOSTROPHES).split())


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a typed answer means among the offered meanings."""

    choice: str | None = None  # taken as the answer
    score: float = 0.0
    guess: str | None = None  # the likeliest meaning when not sure enough: "Did you mean …?"
    negated: frozenset[str] = field(default_factory=frozenset)  # "not X"
    margin: float = 0.0  # how far ahead of the next meaning


class Classifier:
    def __init__(self, examples: Iterable[Example]) -> None:
        examples_list = list(examples)
        rows = [(e.meaning, features_text(e.text), e.within) for e in examples_list]
        # Grouped by meaning, so each meaning's best example is one `reduceat` away.
        rows = sorted((r for r in rows if r[1]), key=lambda r: r[0])
        self._texts = [r[1] for r in rows]
        self._within = {m: [t for mm, t, w in rows
                            if mm == m and w and (m not in _PHRASES_ONLY or _long_enough(t))]
                        for m in {r[0] for r in rows if r[2]}}
        # As written, longest first, to cut them out of what the customer wrote.
        self._within_raw = {m: sorted({e.text for e in examples_list if e.meaning == m},
                                      key=len, reverse=True) for m in self._within}
        # Phrases that say something on their own inside a sentence: two Chinese characters,
        # or four letters ("rude", not "no").
        self._phrases: dict[str, list[str]] = {}
        for m, t, _ in rows:
            if len(t) >= (4 if t.isascii() else 2):
                self._phrases.setdefault(m, []).append(t)
        # One pattern per meaning, longest phrase first: a scan of the sentence instead of a
        # test of every phrase (hundreds per category) against it.
        self._phrase_re = {m: _phrases_pattern(ps) for m, ps in self._phrases.items()}
        self._vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                    lowercase=False, dtype=np.float32)
        x = self._vec.fit_transform(self._texts).tocsc()
        # An inverted index (n-gram → the examples holding it, with their weights): one short
        # answer touches a few dozen n-grams, so this beats a sparse product by a wide margin.
        self._postings = [(x.indices[x.indptr[j]:x.indptr[j + 1]],
                           x.data[x.indptr[j]:x.indptr[j + 1]]) for j in range(x.shape[1])]
        self._vocab: dict[str, int] = self._vec.vocabulary_
        self._idf = self._vec.idf_.astype(np.float32)
        self._analyse = self._vec.build_analyzer()
        self._exact: dict[str, set[str]] = {}
        for m, t, _ in rows:
            self._exact.setdefault(t, set()).add(m)
        names = [r[0] for r in rows]
        self._index = {m: i for i, m in enumerate(dict.fromkeys(names))}
        self._starts = np.array([names.index(m) for m in self._index], dtype=np.intp)
        self._best_of = text_cache(max_bytes=2 * 1024 * 1024)(self._best_per_meaning)

    def _best_per_meaning(self, text: str) -> np.ndarray:
        """Each meaning's closest example's cosine, in `self._index` order."""
        return np.maximum.reduceat(self._similarities(text), self._starts)

    def _similarities(self, text: str) -> np.ndarray:
        """Cosine of `text` with every example (both TF-IDF vectors are L2-normalised)."""
        counts: dict[int, int] = {}
        for gram in self._analyse(text):
            j = self._vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(len(self._texts), dtype=np.float32)
        # As TfidfVectorizer weighs: sublinear tf times idf, then the L2 norm over every n-gram
        # the text has in the vocabulary.
        weights = {j: (1.0 + math.log(n)) * float(self._idf[j]) for j, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        hits = [self._postings[j] for j in weights]
        rows = np.concatenate([h[0] for h in hits])
        values = np.concatenate([h[1] * (w / norm) for h, w in zip(hits, weights.values(),
                                                                    strict=True)])
        return np.bincount(rows, weights=values, minlength=len(self._texts))

    def scores(self, text: str, options: Collection[str]) -> dict[str, float]:
        """Each offered meaning's score: the cosine of its closest example."""
        f = features_text(text)
        if not f:
            return {}
        best, index = self._best_of(f), self._index
        return {m: float(best[index[m]]) for m in options if m in index}

    def contained(self, text: str, options: Collection[str]) -> dict[str, float]:
        """Each meaning with an example said inside a longer `text` (Chinese anywhere, other
        words as whole words), scored by the longest such example: a longer phrase says more
        ("服务态度" more than "态度", "never arrived" more than "late")."""
        f = f" {features_text(text)} "
        found: dict[str, float] = {}
        for m in options:
            pattern = self._phrase_re.get(m)
            longest = max((len(x.group()) for x in pattern.finditer(f)), default=0) \
                if pattern is not None else 0
            if longest:
                found[m] = min(0.5 + 0.04 * longest, 0.8)
        return found

    def sentence_scores(self, text: str, options: Collection[str]) -> dict[str, float]:
        """Each meaning's score in a sentence that may say more than the answer: its closest
        example, or an example said inside it, whichever is higher."""
        found = self.scores(text, options)
        for m, score in self.contained(text, options).items():
            found[m] = max(found.get(m, 0.0), score)
        return found

    def said_within(self, text: str, meaning: str) -> bool:
        """One of the meaning's `within` examples is said inside a longer message."""
        f = f" {features_text(text)} "
        return any(_inside(e, f) for e in self._within.get(meaning, ()))

    def without_within(self, text: str, meaning: str) -> str:
        """`text` as written, less any `within` example of `meaning` said in it ("我刚刚说了，
        信义店" → "信义店"), trimmed of the punctuation left around the cut."""
        out = text
        for e in self._within_raw.get(meaning, ()):
            out = re.sub(re.escape(e), " ", out, flags=re.IGNORECASE)
        return " ".join(out.split()).strip(_TRIM)

    def exact(self, text: str, options: Collection[str]) -> str | None:
        """The one offered meaning `text` is an example of, word for word: the commonest
        answers ("yes", "退款", "that's all") skip the arithmetic."""
        found = self._exact.get(features_text(text), set()).intersection(options)
        return next(iter(found)) if len(found) == 1 else None

    def classify(self, text: str, options: Collection[str]) -> Meaning:
        found = self._best(text, options)
        spans = negated_spans(canon(text))
        if not spans:
            return found
        negated = set()
        for _, _, words in spans:
            named = self._best(words, [o for o in options if o.startswith(NEGATABLE)])
            top = named.choice or named.guess
            if top is not None:
                negated.add(top)
        if not negated:
            return found
        rest = without_spans(canon(text), spans)
        left = [o for o in options if o not in negated]
        meant = self._best(rest, left) if rest else Meaning()
        return Meaning(meant.choice, meant.score, meant.guess, frozenset(negated), meant.margin)

    def _best(self, text: str, options: Collection[str]) -> Meaning:
        scores = self.scores(text, options)
        if not scores:
            return Meaning()
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        top, score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= ACCEPT and score - second >= MARGIN:
            return Meaning(top, score, margin=score - second)
        if score >= SUGGEST:
            return Meaning(None, score, top, margin=score - second)
        return Meaning(None, score, margin=score - second)


def _phrases_pattern(phrases: list[str]) -> re.Pattern[str]:
    """Any of `phrases` as `_inside` finds them, longest first."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    words = "|".join(re.escape(p) for p in ordered if p.isascii())
    han = "|".join(re.escape(p) for p in ordered if not p.isascii())
    parts = ([f"(?<= )(?:{words})(?= )"] if words else []) + ([f"(?:{han})"] if han else [])
    return re.compile("|".join(parts))


def _inside(example: str, padded: str) -> bool:
    """`example` said in `padded` (features text with a space each side): Chinese anywhere,
    other words as whole words."""
    return f" {example} " in padded if example.isascii() else example in padded


# Meanings whose single words are too easily something else inside a story.
_PHRASES_ONLY = frozenset({"human"})


def _long_enough(text: str) -> bool:
    # Inside a story "person" or "客服" is too easily something else ("the last person I spoke
    # to", "客服态度差"); "talk to a human" and "转人工" are not.
    return len(text) >= 3 if not text.isascii() else len(text.split()) >= 2
