"""Canned replies (macros): a table of them, and three shared ones every desk needs on its
first day, in each locale. The seed texts are written here, not imported, so the migration
installs what it installed even after the shipped wording changes.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No signature: the web chat and Telegram already say which agent wrote each message.
SEEDS = [
    ("sorry-delay", "Apology for the delay", {
        "en": "Hi {customer_name}, I'm sorry for the wait on {ticket_number}, and thank you "
              "for bearing with us. I'm looking into it now and will get back to you by "
              "{promised_time}.",
        "zh-CN": "{customer_name}，您好，非常抱歉让您久等了，也感谢您的耐心。您的工单 "
                 "{ticket_number} 现在由我负责跟进，我会在{promised_time}之前给您答复。",
        "zh-TW": "{customer_name}，您好，很抱歉讓您久等了，也謝謝您耐心等候。您的案件 "
                 "{ticket_number} 現在由我負責處理，我會在{promised_time}前回覆您。",
    }),
    ("photo-damage", "Ask for a photo of the damage", {
        "en": "Hi {customer_name}, I'm sorry your order arrived damaged. Could you send us a "
              "photo or two of the damage, and one of the outer box if you still have it? "
              "You can attach them right here in this chat. That way we can arrange a "
              "replacement or refund for {ticket_number} sooner.",
        "zh-CN": "{customer_name}，您好，很抱歉您收到的商品有损坏。麻烦您拍几张损坏部位的照片"
                 "发给我们；如果外包装还在，也请拍一张外包装的照片，直接在这个对话里发送就可以。"
                 "这样我们能更快为您处理工单 {ticket_number} 的换货或退款。",
        "zh-TW": "{customer_name}，您好，很抱歉您收到的商品有損壞。麻煩您拍幾張損壞處的照片"
                 "傳給我們；如果外箱還在，也請拍一張外箱的照片，直接在這個對話中傳送即可。"
                 "這樣我們能更快為您處理案件 {ticket_number} 的換貨或退款。",
    }),
    ("refund-on-way", "Refund is on its way", {
        "en": "Hi {customer_name}, good news: the refund for {ticket_number} has been issued. "
              "Depending on your bank or card provider it usually arrives within 3-5 working "
              "days. If it hasn't by then, just reply here and I'll chase it for you.",
        "zh-CN": "{customer_name}，您好，您的退款（工单 {ticket_number}）已经办理完成。根据银行"
                 "或支付渠道的不同，款项一般会在 3-5 个工作日内到账。如果届时仍未收到，请直接"
                 "在这里回复，我会帮您跟进。",
        "zh-TW": "{customer_name}，您好，您的退款（案件 {ticket_number}）已經處理完成。依各銀行"
                 "或信用卡作業時間不同，款項通常會在 3-5 個工作天內退回。如果屆時還沒收到，"
                 "請直接在這裡回覆，我會幫您追蹤。",
    }),
]


def upgrade() -> None:
    table = op.create_table(
        "macros",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("bodies", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
        sa.UniqueConstraint("scope", "owner", "name",
                            name=op.f("uq_macros_scope_owner_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {"name": name, "title": title, "scope": "shared", "owner": "", "bodies": bodies,
         "created_by": "heard", "created_at": now, "updated_by": "heard", "updated_at": now}
        for name, title, bodies in SEEDS])


def downgrade() -> None:
    op.drop_table("macros")
