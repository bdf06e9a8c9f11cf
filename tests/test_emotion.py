import pytest

from dialogs.emotion import Emotion, EmotionScorer


@pytest.fixture(scope="module")
def scorer() -> EmotionScorer:
    return EmotionScorer()


@pytest.mark.parametrize(
    "text",
    ["my order is late", "我的订单还没到", "我的訂單還沒到", "thanks, that's great", "谢谢，很好"],
)
def test_calm_messages_are_not_upset(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.tone == "neutral"
    assert result.anger == 0.0
    assert result.negativity < scorer.upset_threshold


def test_thanks_is_not_negative_at_all(scorer: EmotionScorer) -> None:
    assert scorer.score("thanks, that's great") == Emotion(0.0, 0.0, "neutral", ())


@pytest.mark.parametrize(
    "text",
    [
        "This is terrible, I'm really disappointed",
        "太失望了，质量很差",
        "太失望了，質量很差",
        "非常不满意",
        "我要投诉你们的客服，态度太差了",
        "The item arrived broken",
    ],
)
def test_unhappy_messages_are_upset(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.tone == "upset", result
    assert result.negativity >= scorer.upset_threshold
    assert result.anger < scorer.angry_threshold


@pytest.mark.parametrize(
    "text",
    [
        "THIS IS A SCAM!!! I am furious",
        "你们这是欺诈！！！气死我了，垃圾公司",
        "你們這是欺詐！！！氣死我了，垃圾公司",
        "我很生气",
        "I am extremely angry",
        "you guys are scammers",
    ],
)
def test_furious_messages_are_angry(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.tone == "angry", result
    assert result.anger >= scorer.angry_threshold
    assert result.negativity >= result.anger


@pytest.mark.parametrize(
    "text", ["I'm not angry, just want a refund", "我不生气，只想退款", "没有问题，谢谢"]
)
def test_negated_anger_is_not_anger(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.anger == 0.0
    assert result.tone == "neutral"


def test_negator_flips_a_positive_word(scorer: EmotionScorer) -> None:
    assert scorer.score("满意").negativity == 0.0
    assert scorer.score("不满意").negativity > 0.2
    assert "不满意" in scorer.score("不满意").evidence


def test_intensifiers_order(scorer: EmotionScorer) -> None:
    plain = scorer.score("失望").negativity
    slightly = scorer.score("有点失望").negativity
    very = scorer.score("很失望").negativity
    extremely = scorer.score("非常失望").negativity
    assert slightly < plain < very < extremely


def test_repeated_marks_raise_intensity(scorer: EmotionScorer) -> None:
    calm = scorer.score("气死我了")
    loud = scorer.score("气死我了！！！")
    assert loud.anger > calm.anger
    assert "！！！" in loud.evidence
    assert scorer.score("where is my package???").negativity > 0.0
    assert scorer.score("where is my package").negativity == 0.0


def test_all_caps_raises_anger(scorer: EmotionScorer) -> None:
    assert scorer.score("THIS IS A SCAM").anger > scorer.score("this is a scam").anger


def test_evidence_names_the_words(scorer: EmotionScorer) -> None:
    result = scorer.score("你们这是欺诈！！！气死我了，垃圾公司")
    assert {"欺诈", "气死我了", "！！！"} <= set(result.evidence)
    assert "furious" in scorer.score("THIS IS A SCAM!!! I am furious").evidence


def test_mixed_script_scores_both_parts(scorer: EmotionScorer) -> None:
    mixed = scorer.score("I'm furious 气死我了")
    english_only = scorer.score("I'm furious")
    chinese_only = scorer.score("气死我了")
    assert mixed.anger > max(english_only.anger, chinese_only.anger)
    assert {"furious", "气死我了"} <= set(mixed.evidence)


def test_locale_hint_does_not_hide_chinese(scorer: EmotionScorer) -> None:
    assert scorer.score("气死我了", locale="en").anger > 0.3


def test_thresholds_are_tunable() -> None:
    strict = EmotionScorer(upset_threshold=0.9, angry_threshold=0.95)
    assert strict.score("太失望了，质量很差").tone == "neutral"
    lax = EmotionScorer(upset_threshold=0.2, angry_threshold=0.3)
    assert lax.score("我的订单还没到").tone == "upset"
    lax.angry_threshold = 0.99
    assert lax.score("我很生气").tone == "upset"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😡😡😡",
        "12345",
        "{{ 7*7 }}",
        "<script>alert(1)</script>",
        "\x00\x01\x02\u202e\u200b",
        "مرحبا، أين طلبي",
        "!!!",
    ],
)
def test_odd_input_is_calm_and_safe(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.anger == 0.0
    assert result.tone in ("neutral", "upset")
    assert 0.0 <= result.negativity <= 1.0
    assert isinstance(result.evidence, tuple)


def test_sql_injection_is_not_anger(scorer: EmotionScorer) -> None:
    assert scorer.score("'; DROP TABLE x; --").anger == 0.0


def test_huge_input_is_bounded(scorer: EmotionScorer) -> None:
    result = scorer.score("气死我了！" * 4000)
    assert result.tone == "angry"
    assert 0.0 <= result.anger <= 1.0
    assert scorer.score("a" * 20000).tone == "neutral"


def test_venting_idioms_count_like_angry_words(scorer: EmotionScorer) -> None:
    furious = scorer.score("I'm furious")
    vented = scorer.score("ridiculous and I'm fed up!!!")
    assert furious.tone == vented.tone == "angry", vented
    assert vented.anger >= furious.anger
    assert "fed up" in vented.evidence and "ridiculous" in vented.evidence


@pytest.mark.parametrize(
    "text",
    [
        # English idioms no single lexicon word carries.
        "I'm fed up", "I am sick of this", "I've had enough", "this is unacceptable",
        "what a joke", "It’s a joke", "your service is a disgrace", "this is ridiculous",
        # zh-CN.
        "受够了", "太离谱了", "离谱", "你们搞什么", "忍无可忍", "什么玩意", "坑人",
        # zh-TW, scored after conversion to Simplified.
        "氣死", "受夠了", "太扯了", "很扯", "誇張", "爛透了",
    ],
)
def test_complaint_idioms_are_heard_in_every_locale(scorer: EmotionScorer, text: str) -> None:
    result = scorer.score(text)
    assert result.tone in ("upset", "angry"), result
    assert result.evidence, result


@pytest.mark.parametrize(
    "text",
    ["he told a joke at the counter", "I'm not fed up, just asking", "就这些，够了",
     "我不生气，只是想问问", "I had enough time to check it", "I've had it for two years"],
)
def test_idioms_need_their_whole_form_and_no_negation(scorer: EmotionScorer, text: str) -> None:
    assert scorer.score(text).anger == 0.0, scorer.score(text)
