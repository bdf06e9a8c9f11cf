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
from collections.abc import Collection, Iterable, Mapping
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
# Yes and no: answers whose meaning is the step's (reading.yes_no).
_ANSWERS = frozenset({"yes", "no"})
_CLAUSE_END = re.compile(r"[,.;!?，。；！？、]")
# A leading yes or no is short: "not really", "对的", "nope".
MAX_HEAD = 12
# How plainly that head must be a yes or no.
HEAD_ACCEPT = 0.7


@text_cache(max_bytes=1024 * 1024)
def features_text(text: str) -> str:
    """The text the classifier compares: canonical, punctuation as spaces, no apostrophes."""
    return " ".join(canon(text).translate(_SPACE_OUT).translate(_APOSTROPHES).split())


# Words that carry no answer: politeness, hesitation, sentence-final particles. "please just
# reimburse me" is "reimburse me"; "对的喔" is "对的". Only for scoring: a phrase said inside
# a longer message (`within`) is matched on features_text, where "I just said" stays whole.
_FILLER_EN = re.compile(r"(?<![a-z])(?:please|pls|plz|just|actually|um+|uh+|erm?|hmm+|well|"
                        r"oh|thanks|thank you|thankyou|thx|ty|tbh|honestly|lol|haha|ok so)"
                        r"(?![a-z])")
_FILLER_ZH = re.compile(r"[吧啊呢呀啦喔耶嘛哦噢呗咯捏]|^请")


@text_cache(max_bytes=1024 * 1024)
def answer_text(text: str) -> str:
    """What the classifier scores: features_text less filler words; the features text when
    nothing else is left ("please", "啊")."""
    f = features_text(text)
    stripped = " ".join(_FILLER_ZH.sub(" ", _FILLER_EN.sub(" ", f)).split())
    return stripped or f


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
        # Grouped by meaning, so one reduction gives every meaning's closest example.
        examples_list = sorted((e for e in examples if features_text(e.text)),
                               key=lambda e: e.meaning)
        rows = [(e.meaning, features_text(e.text), e.within) for e in examples_list]
        self._examples = examples_list
        meanings = [r[0] for r in rows]
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
        # Each `within` meaning's phrases as one pattern (" talk to a human " as whole words).
        answers = [answer_text(e.text) for e in examples_list]
        # Letters and characters: no segmentation, typos cost a few n-grams.
        self._chars = _Index(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                             lowercase=False, dtype=np.float32), answers)
        # Whole words and word pairs, for the Latin-script answers: "the store" is nearer
        # "which store" than "the story", whatever the letters say.
        self._words = _Index(TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                             token_pattern=r"(?u)\b\w+\b", sublinear_tf=True,
                                             lowercase=False, dtype=np.float32), answers)
        self._slot: dict[str, int] = {}
        starts: list[int] = []
        for i, m in enumerate(meanings):
            if m not in self._slot:
                self._slot[m] = len(starts)
                starts.append(i)
        self._starts = np.array(starts, dtype=np.intp)
        self._negative = np.array([_negative(a) for a in answers], dtype=bool)
        # How many of each meaning's examples begin with each first word ("no" of "no way",
        # "no it's not") or, in Chinese, hold each short run of characters ("取消" of "取消掉",
        # "重来" of "全部重来吧"): a one-word answer found in several examples of one meaning
        # and fewer of the others says that meaning.
        self._heads: dict[str, dict[str, int]] = {}
        for m, a in zip(meanings, answers, strict=True):
            for head in _heads(a):
                counts = self._heads.setdefault(head, {})
                counts[m] = counts.get(m, 0) + 1
        self._closest = text_cache(max_bytes=2 * 1024 * 1024)(self._closest_examples)
        # The commonest answers ("yes", "就这些", "that's all") come again and again, at the
        # same steps: read once.
        self._classified = text_cache(max_bytes=2 * 1024 * 1024)(self._classify_uncached)
        self._phrase_index = _PhraseIndex(self._phrases)
        self._within_index = _PhraseIndex(self._within)
        self._exact: dict[str, set[str]] = {}
        for m, t, _ in rows:
            self._exact.setdefault(t, set()).add(m)

    def _closest_examples(self, text: str) -> np.ndarray:
        """Each meaning's closest example to `text` (answer_text), by slot."""
        sims = self._similarities(text)
        # "correct" is not "not correct", "改" is not "不改": letters shared across a
        # negation count for less.
        sims = np.where(self._negative == _negative(text), sims, sims * POLARITY_PENALTY)
        return np.maximum.reduceat(sims, self._starts)

    def _similarities(self, text: str) -> np.ndarray:
        """How close `text` (answer_text) is to every example: the character cosine, blended
        with the word cosine when the text has Latin words."""
        chars = self._chars.cosines(text)
        if not _LATIN.search(text):
            return chars
        return WORD_WEIGHT * self._words.cosines(text) + (1.0 - WORD_WEIGHT) * chars

    def scores(self, text: str, options: Collection[str],
               same: Mapping[str, str] | None = None) -> dict[str, float]:
        """Each offered meaning's score: the cosine of its closest example."""
        if not features_text(text):
            return {}
        a = answer_text(text)
        best = self._closest(a)
        found = {m: float(best[self._slot[m]]) for m in options if m in self._slot}
        begun = self._heads.get(a)
        if begun and found and " " not in a:
            # Meanings standing for the same button here count together.
            to = (same or {}).get
            counts: dict[str, int] = {}
            for m in found:
                counts[to(m) or m] = counts.get(to(m) or m, 0) + begun.get(m, 0)
            ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
            top, n = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if n >= MIN_HEADS and n >= 2 * runner_up:
                m = max((m for m in found if (to(m) or m) == top), key=lambda m: begun.get(m, 0))
                # Only this meaning's examples begin so ("correct, go ahead", "correct as
                # it is"): more telling than letters shared with "incorrect".
                if runner_up:
                    found[m] = max(found[m], HEAD_SCORE)
                else:
                    rivals = max((v for k, v in found.items() if (to(k) or k) != top),
                                 default=0.0)
                    found[m] = max(found[m], ONLY_HEAD_SCORE, min(rivals + ONLY_HEAD_LEAD, 1.0))
        return found

    def contained(self, text: str, options: Collection[str]) -> dict[str, float]:
        """Each meaning with an example said inside a longer `text` (Chinese anywhere, other
        words as whole words), scored by the longest such example: a longer phrase says more
        ("服务态度" more than "态度", "never arrived" more than "late")."""
        longest = self._phrase_index.longest(f" {features_text(text)} ", options)
        return {m: min(0.5 + 0.04 * n, 0.8) for m, n in longest.items()}

    def sentence_scores(self, text: str, options: Collection[str]) -> dict[str, float]:
        """Each meaning's score in a sentence that may say more than the answer: its closest
        example, or an example said inside it, whichever is higher."""
        found = self.scores(text, options)
        for m, score in self.contained(text, options).items():
            found[m] = max(found.get(m, 0.0), score)
        return found

    def said_within(self, text: str, meaning: str) -> bool:
        """One of the meaning's `within` examples is said inside a longer message."""
        return bool(self._within_index.longest(f" {features_text(text)} ", (meaning,)))

    def without_within(self, text: str, meaning: str) -> str:
        """`text` as written, less any `within` example of `meaning` said in it ("我刚刚说了，
        信义店" → "信义店"), trimmed of the punctuation left around the cut."""
        out = text
        for e in self._within_raw.get(meaning, ()):
            out = re.sub(re.escape(e), " ", out, flags=re.IGNORECASE)
        return " ".join(out.split()).strip(_TRIM)

    def closest(self, text: str, meaning: str) -> tuple[Example, float] | None:
        """The example of `meaning` nearest `text`, and its score: which example pulled an
        answer where it went (the admin's "test a message")."""
        slot = self._slot.get(meaning)
        if slot is None:
            return None
        start = int(self._starts[slot])
        end = int(self._starts[slot + 1]) if slot + 1 < len(self._starts) else len(self._examples)
        sims = self._similarities(answer_text(text))[start:end]
        best = int(np.argmax(sims))
        return self._examples[start + best], float(sims[best])

    def exact(self, text: str, options: Collection[str]) -> str | None:
        """The one offered meaning `text` is an example of, word for word: the commonest
        answers ("yes", "退款", "that's all") skip the arithmetic."""
        found = self._exact.get(features_text(text), set()).intersection(options)
        return next(iter(found)) if len(found) == 1 else None

    def classify(self, text: str, options: Collection[str],
                 same: Mapping[str, str] | None = None) -> Meaning:
        """The meaning `text` has among `options`. `same` names meanings that stand for another
        here ("no" for "done" at "anything else?"): two of them close together are no doubt."""
        if not options:
            return Meaning()
        return self._classified(text, tuple(options), tuple(sorted((same or {}).items())))

    def _classify_uncached(self, text: str, options: tuple[str, ...],
                           same_items: tuple[tuple[str, str], ...]) -> Meaning:
        found = self._classify(text, options, dict(same_items))
        if found.choice is not None and found.choice not in _ANSWERS:
            return found
        rest = self._after_yes_no(text, options)
        if rest is not None:
            # "no, that's all", "对的 是扣费的问题", "not really, it's about the repair": a
            # leading yes or no answers the question's tone; what follows says which choice.
            meant = self._classify(rest, [o for o in options if o not in _ANSWERS], {})
            if meant.choice is not None or (found.choice is None and meant.guess is not None):
                return meant
        return found

    def _after_yes_no(self, text: str, options: Collection[str]) -> str | None:
        """What follows a leading "yes" or "no" (its own clause, or a first word or two)."""
        if not _ANSWERS & set(options):
            return None
        t = canon(text)
        clause = _CLAUSE_END.search(t)
        words = t.split()
        heads = [t[:clause.start()]] if clause else []
        heads += [" ".join(words[:n]) for n in (1, 2) if len(words) > n]
        for head in heads:
            rest = t[len(head):].strip(_TRIM)
            if rest and features_text(rest) and len(features_text(head)) <= MAX_HEAD:
                said = self._best(head, _ANSWERS)
                if said.choice is not None and said.score >= HEAD_ACCEPT:
                    return rest
        return None

    def _classify(self, text: str, options: Collection[str],
                  same: Mapping[str, str]) -> Meaning:
        found = self._best(text, options, same)
        spans = negated_spans(canon(text))
        if not spans or (found.choice is not None and found.choice != "yes"
                         and not found.choice.startswith(NEGATABLE)):
            # "都对 不用改", "不取消了": the negation is part of what the answer means.
            return found
        negated = set()
        for _, _, words in spans:
            if "no" in options and self._best(words, ("yes", "no")).choice == "yes":
                # "不是这样的", "not right": a negated yes is a no.
                return Meaning("no", found.score, margin=found.margin)
            named = self._best(words, [o for o in options if o.startswith(NEGATABLE)])
            top = named.choice or named.guess
            if top is not None:
                negated.add(top)
        if not negated:
            return found
        rest = without_spans(canon(text), spans)
        left = [o for o in options if o not in negated]
        meant = self._best(rest, left, same) if rest else Meaning()
        return Meaning(meant.choice, meant.score, meant.guess, frozenset(negated), meant.margin)

    def _best(self, text: str, options: Collection[str],
              same: Mapping[str, str] | None = None) -> Meaning:
        scores = self.scores(text, options, same)
        if not scores:
            return Meaning()
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        top, score = ranked[0]
        to = (same or {}).get
        second = next((s for m, s in ranked[1:] if (to(m) or m) != (to(top) or top)), 0.0)
        if score >= ACCEPT and score - second >= MARGIN:
            return Meaning(top, score, margin=score - second)
        if score >= SUGGEST:
            return Meaning(None, score, top, margin=score - second)
        return Meaning(None, score, margin=score - second)


class _PhraseIndex:
    """Every meaning's phrases by how they start (two characters, or the first word), so a
    sentence is scanned once instead of testing hundreds of phrases against it. Chinese is
    found anywhere, other words as whole words ("rude", not the "rude" of "prudent")."""

    def __init__(self, phrases: Mapping[str, list[str]]) -> None:
        self._by_start: dict[str, list[tuple[str, str]]] = {}
        self._by_word: dict[str, list[tuple[str, str]]] = {}
        for m, ps in phrases.items():
            for p in set(ps):
                if p.isascii():
                    self._by_word.setdefault(p.split(" ", 1)[0], []).append((m, f" {p} "))
                else:
                    self._by_start.setdefault(p[:2], []).append((m, p))

    def longest(self, padded: str, options: Collection[str]) -> dict[str, int]:
        """Each offered meaning's longest phrase inside `padded` (features text with a space
        each side), by length."""
        found: dict[str, int] = {}

        def seen(m: str, p: str, at: int, size: int) -> None:
            if m in options and size > found.get(m, 0) and padded.startswith(p, at):
                found[m] = size

        for i in range(len(padded) - 1):
            for m, p in self._by_start.get(padded[i:i + 2], ()):
                seen(m, p, i, len(p))
            if padded[i] == " ":
                word = padded[i + 1:padded.find(" ", i + 1)]
                for m, p in self._by_word.get(word, ()):
                    seen(m, p, i, len(p) - 2)
        return found


# Meanings whose single words are too easily something else inside a story.
_PHRASES_ONLY = frozenset({"human"})


def _long_enough(text: str) -> bool:
    # Inside a story "person" or "客服" is too easily something else ("the last person I spoke
    # to", "客服态度差"); "talk to a human" and "转人工" are not.
    return len(text) >= 3 if not text.isascii() else len(text.split()) >= 2


_LATIN = re.compile(r"[a-z]")
# A negation in an English answer: "not", "no", "dont" (apostrophes are gone by now).
_NEGATIVE_EN = re.compile(r"(?<![a-z])(?:not|no|nope|nah|never|none|nothing|cannot|dont|cant|wont|"
                          r"isnt|wasnt|didnt|doesnt|havent|hasnt|arent|werent|couldnt|wouldnt)"
                          r"(?![a-z])")
# How much an example of the other polarity is worth.
POLARITY_PENALTY = 0.7


def _negative(text: str) -> bool:
    # English only: in Chinese 不 and 没 are inside words that negate nothing (不错 is "good",
    # 没事 "it's fine"), and measured, marking them cost more answers than it won.
    return bool(_NEGATIVE_EN.search(text))


# A one-word answer beginning this many examples of a meaning (twice as many as of any other
# offered meaning) scores this much for it.
MIN_HEADS = 3
HEAD_SCORE = 0.6
ONLY_HEAD_SCORE = 0.8
# ... and at least this far ahead of any other meaning.
ONLY_HEAD_LEAD = 0.1


def _heads(answer: str) -> tuple[str, ...]:
    """The first word of a Latin example with more words; every run of two to four characters
    inside a longer Chinese one ("重来" of "全部重来吧", "别的" of "别的问题")."""
    words = answer.split()
    if answer.isascii():
        return (words[0],) if len(words) > 1 else ()
    return tuple({answer[i:i + n] for n in (2, 3, 4) for i in range(len(answer) - n + 1)
                  if len(answer) > n and not _NOT_HAN.search(answer[i:i + n])})


_NOT_HAN = re.compile(r"[\sa-z0-9]")
# The word cosine's share of an English answer's score.
WORD_WEIGHT = 0.3


class _Index:
    """TF-IDF vectors of the examples as an inverted index (n-gram → the examples holding it,
    with their weights): one short answer touches a few dozen n-grams, so this beats a sparse
    product by a wide margin."""

    def __init__(self, vec: TfidfVectorizer, texts: list[str]) -> None:
        self._n = len(texts)
        x = vec.fit_transform(texts).tocsc()
        self._postings = [(x.indices[x.indptr[j]:x.indptr[j + 1]],
                           x.data[x.indptr[j]:x.indptr[j + 1]]) for j in range(x.shape[1])]
        self._vocab: dict[str, int] = vec.vocabulary_
        self._idf = vec.idf_.astype(np.float32)
        self._analyse = vec.build_analyzer()

    def cosines(self, text: str) -> np.ndarray:
        """Cosine of `text` with every example (both TF-IDF vectors are L2-normalised)."""
        counts: dict[int, int] = {}
        for gram in self._analyse(text):
            j = self._vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(self._n, dtype=np.float32)
        # As TfidfVectorizer weighs: sublinear tf times idf, then the L2 norm over every n-gram
        # the text has in the vocabulary.
        weights = {j: (1.0 + math.log(n)) * float(self._idf[j]) for j, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        hits = [self._postings[j] for j in weights]
        rows = np.concatenate([h[0] for h in hits])
        values = np.concatenate([h[1] * (w / norm) for h, w in zip(hits, weights.values(),
                                                                    strict=True)])
        return np.bincount(rows, weights=values, minlength=self._n)
