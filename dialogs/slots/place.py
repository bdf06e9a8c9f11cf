"""The store and the product, when a message marks them clearly.

Best effort with conservative rules: a wrong store or product read back as the customer's own
words is worse than asking, so only marked phrases count — "from your Oxford Street store",
"在信义店", "the kettle from your…", "买的电水壶" — and generic words ("东西", "item") do not.
"""

from __future__ import annotations

import re

MAX_CHARS = 60

_PLACE_NOUNS = r"store|shop|branch|outlet|showroom|supermarket|mall"
# Capitalised names only: "from your Oxford Street store", "at the Didsbury branch".
_EN_WHERE = re.compile(
    rf"(?<![A-Za-z])(?:from|at|in)\s+(?:your|the|ur)\s+"
    rf"((?:[A-Z0-9][\w'&.-]*\s+){{1,4}}(?:{_PLACE_NOUNS}))(?![A-Za-z])"
)
_ZH_PLACE_NOUNS = ("旗舰店|旗艦店|专卖店|專賣店|营业厅|營業廳|门店|門店|门市|門市|分店|商场|商場"
                   "|网点|網點|营业点|營業點|专柜|專櫃|店")
# "在信义店", "在朝阳大悦城店", "去你們3號店", "你们徐汇店的…": a name of 1–10 characters
# right before the noun.
_ZH_WHERE = re.compile(
    rf"(?:在|去|到|从|從|(?=你们|你們))((?:你们|你們|贵|貴)?[\u4e00-\u9fffA-Za-z0-9]{{1,10}}?(?:{_ZH_PLACE_NOUNS}))"
)
# Words a real store name never contains: the phrase is a clause, not a name.
_ZH_NOT_A_NAME = re.compile(r"[的了买買是在我他她它这這那哪里裡家网網上下附近一]")
_ZH_PRONOUN = re.compile(r"^(?:你们|你們|贵|貴)")

_EN_STOP = frozenset({
    "one", "ones", "thing", "things", "item", "items", "order", "money", "refund", "same",
    "store", "shop", "product", "stuff", "it", "first", "last", "other", "new", "old", "day",
    "time", "way", "problem", "issue", "price", "amount", "charge", "delivery", "parcel",
})
_EN_FUNCTION = frozenset({
    "the", "a", "an", "my", "your", "our", "this", "that", "it", "i", "me", "you", "he", "she",
    "we", "they", "is", "was", "are", "were", "be", "been", "here", "there", "today", "now",
    "again", "yesterday", "morning", "afternoon", "evening", "night", "week", "month", "please",
    "for", "on", "in", "at", "to", "of", "with", "by", "and", "or", "but", "so", "not", "no",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",
})
# "bought a kettle", "the kettle from your…", "the kettle I bought".
_EN_PRODUCT = re.compile(
    r"(?i)(?<![A-Za-z])(?:"
    r"(?:bought|ordered|purchased)\s+(?:a|an|the|my|this|these|two|some)\s+([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)"
    r"(?=\s*(?:[,.;!?]|$|\s(?:from|at|in|on|for|last|yesterday|and|which|that|but)\b))"
    r"|(?:the|my)\s+([a-z][a-z-]+)\s+(?=(?:I|we)\s+(?:bought|ordered|purchased|got)\b"
    r"|from\s+(?:your|the)\b)"
    r")"
)
_ZH_PRODUCT = re.compile(
    r"(?:买的|買的|购买的|購買的|订的|訂的|下单的|下單的)([\u4e00-\u9fffA-Za-z0-9]{2,12})")
# Where a product name ends: a verb, a particle or a word about what happened to it.
_ZH_PRODUCT_END = re.compile(
    r"收到|收貨|收货|拿到|送到|寄到|[坏壞了是不有一在就还還也都又被的很太怎用到才刚剛突]"
    r"|质量|品質|出问|出問")
# A brand and a model where a hurried customer lists the facts: "Breville kettle VKT from your
# Oxford Street store", "美的电饭煲MB-FB40，", "Sony WH-1000XM5耳機，".
_EN_BRANDED = re.compile(
    r"(?<![\w-])((?:[A-Z][\w&'-]*\s+){1,2}[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?(?:\s+[A-Z0-9][\w-]*)?)"
    r"(?=\s+(?:from|at)\s+(?:your|the)\b|\s*[,;])")
_MODEL = re.compile(
    r"(?<![A-Za-z0-9-])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{2,}")
_ZH_LIST_ITEM = re.compile(r"[^，,；;。\n]+")
# A list item that says something happened is not a product's name.
_ZH_NOT_A_PRODUCT = re.compile(r"[买買坏壞说說在是了要请請]|收到")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ZH_GENERIC = frozenset({"东西", "東西", "商品", "产品", "產品", "货", "貨", "那个", "那個", "这个",
                         "這個"})


def vague(product: str) -> bool:
    """Only the kind of thing ("kettle", "洗发水"), no brand or model: worth asking which."""
    if _HAN.search(product):
        return len(product) <= 3 and not re.search(r"[A-Za-z0-9]", product)
    words = product.split()
    return len(words) <= 2 and all(w.isalpha() and w.islower() for w in words)


def find_where(text: str) -> str | None:
    """A store or branch the message names, as written, or None."""
    if m := _EN_WHERE.search(text):
        return m.group(1).strip()[:MAX_CHARS]
    for m in _ZH_WHERE.finditer(text):
        place = _ZH_PRONOUN.sub("", m.group(1))
        name = re.sub(rf"(?:{_ZH_PLACE_NOUNS})$", "", place)
        if name and not _ZH_NOT_A_NAME.search(name):
            return place[:MAX_CHARS]
    return None


def find_product(text: str) -> str | None:
    """The product the message names after a clear marker, or as a brand and model in a list
    of facts, as written, or None. `text` has the other details (order number, phone,
    amount) blanked out, so their letters and digits are not taken for a model."""
    for m in _EN_BRANDED.finditer(text):
        product = m.group(1).strip()
        # A capital that only starts a sentence ("Yesterday morning,") is not a brand.
        sentence_start = not text[:m.start()].strip() or text[:m.start()].rstrip()[-1] in ".!?:"
        words = set(product.lower().split())
        if not sentence_start and not words & _EN_STOP and not words & _EN_FUNCTION:
            return product[:MAX_CHARS]
    for m in _ZH_LIST_ITEM.finditer(text):
        item = m.group(0).strip()
        if _HAN.search(item) and _MODEL.search(item) and len(item) <= 30 \
                and not _ZH_NOT_A_PRODUCT.search(item):
            return item[:MAX_CHARS]
    for m in _EN_PRODUCT.finditer(text):
        product = (m.group(1) or m.group(2)).strip()
        if not set(product.lower().split()) & _EN_STOP:
            return product[:MAX_CHARS]
    for m in _ZH_PRODUCT.finditer(text):
        product = _ZH_PRODUCT_END.split(m.group(1), maxsplit=1)[0]
        if len(product) >= 2 and product not in _ZH_GENERIC:
            return product[:MAX_CHARS]
    return None
