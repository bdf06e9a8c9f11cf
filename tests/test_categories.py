import pytest

from dialogs.categories import CATEGORIES, CATEGORY_SLOTS, category_scores, infer_category
from dialogs.meaning import Classifier, load_default_examples

MEANING = Classifier(load_default_examples())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的快递还没到", "delivery"),
        ("我的快遞還沒到", "delivery"),
        ("包裹送错了", "delivery"),
        ("My package never arrived", "delivery"),
        ("我的order JD20261118001还没到", "delivery"),
        ("收到的手机屏幕坏了，质量太差", "quality"),
        ("The blender is defective and stopped working", "quality"),
        ("你们多收了我200元", "billing"),
        ("I was double charged on my credit card", "billing"),
        ("退款一直没到账", "billing"),
        ("客服态度太差了，直接挂电话", "attitude"),
        ("你們的快遞員態度很差", "attitude"),
        ("The agent was rude and hung up on me", "attitude"),
        ("空调维修了三次还是坏", "repair"),
        ("The technician never came to fix the washing machine", "repair"),
        ("I have a complaint", "other"),
        # The plainest clause decides, whatever else the story mentions.
        ("paid 300 for this kettle and it's dead after a week", "quality"),
        ("Order 4471-ZX from your Oxford Street store, 59.90 pounds, it won't charge", "quality"),
    ],
)
def test_infer_category(text: str, expected: str) -> None:
    assert infer_category(MEANING, text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "hello", "你好", "我要投诉", "😡", "{{ 7*7 }}", "<script>", "'; DROP TABLE x; --",
     "x" * 20000],
)
def test_nothing_said_about_the_kind_no_guess(text: str) -> None:
    assert infer_category(MEANING, text) is None


def test_english_words_match_whole_words_only() -> None:
    # "latent" contains "late", "billboard" contains "bill".
    assert infer_category(MEANING, "latent billboard") is None


def test_specific_category_beats_generic_complaint_word() -> None:
    scores = category_scores(MEANING, "我要投诉，快递一直没到")
    assert scores["delivery"] > scores.get("other", 0.0)


def test_slots_per_category() -> None:
    assert set(CATEGORY_SLOTS) == set(CATEGORIES)
    assert CATEGORY_SLOTS["delivery"] == ("order_no", "when")
    assert CATEGORY_SLOTS["quality"] == ("product", "order_no", "when")
    assert CATEGORY_SLOTS["billing"] == ("amount", "order_no", "when")
    assert CATEGORY_SLOTS["attitude"] == ("where", "when")
    assert CATEGORY_SLOTS["repair"] == ("product", "where", "when")
    assert CATEGORY_SLOTS["other"] == ("when",)
    assert all(slots[-1] == "when" for slots in CATEGORY_SLOTS.values())
