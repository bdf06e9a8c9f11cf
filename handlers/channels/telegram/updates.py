"""Telegram updates into the channel-neutral `Inbound` the dialog engine understands."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardMarkup, Message, Update

from dialogs.messages import Attachment, ConversationKey, Inbound

CHANNEL = "telegram"

# What we ask Telegram for; anything else (edits, reactions, member changes) is not a turn.
ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query")


def conversation_key(chat_id: int | str) -> ConversationKey:
    return ConversationKey(CHANNEL, str(chat_id))


def to_inbound(update: Update) -> Inbound | None:
    """The customer's turn in `update`, or None when the update is not a customer turn."""
    if update.message is not None:
        return _from_message(update, update.message)
    if update.callback_query is not None:
        return _from_callback(update)
    return None


def _is_customer_chat(chat: Chat) -> bool:
    # Groups are where agents talk; only one-to-one chats are complaints.
    return chat.type == Chat.PRIVATE


def _from_message(update: Update, message: Message) -> Inbound | None:
    if not _is_customer_chat(message.chat):
        return None
    user = message.from_user
    return Inbound(
        key=conversation_key(message.chat.id),
        text=message.text or message.caption or "",
        update_id=str(update.update_id),
        message_id=str(message.message_id),
        attachments=attachments_of(message),
        received_at=message.date,
        user_id=str(user.id) if user else None,
        display_name=user.full_name if user else None,
        language_code=user.language_code if user else None,
        identified=user is not None,
    )


def _from_callback(update: Update) -> Inbound | None:
    query = update.callback_query
    assert query is not None
    # Inline-mode buttons carry no chat; they are not part of a conversation.
    message = query.message
    if message is None or not _is_customer_chat(message.chat):
        return None
    user = query.from_user
    label = ""
    # An InaccessibleMessage (too old) has no keyboard to look the label up in.
    if isinstance(message, Message):
        label = button_label(message.reply_markup, query.data)
    return Inbound(
        key=conversation_key(message.chat.id),
        text=label,
        update_id=str(update.update_id),
        message_id=str(message.message_id),
        callback_data=query.data,
        user_id=str(user.id),
        display_name=user.full_name,
        language_code=user.language_code,
        identified=True,
    )


def button_label(markup: InlineKeyboardMarkup | None, data: str | None) -> str:
    if markup is None or data is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        # Telegram lists every resolution it made; the largest is the evidence worth keeping.
        best = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        found.append(Attachment("photo", best.file_id, size=best.file_size, mime_type="image/jpeg"))
    if message.animation is not None:
        a = message.animation
        found.append(Attachment("animation", a.file_id, a.file_name, a.mime_type, a.file_size))
    elif message.document is not None:
        # A GIF arrives as both animation and document; it is counted once, as an animation.
        d = message.document
        found.append(Attachment("document", d.file_id, d.file_name, d.mime_type, d.file_size))
    if message.video is not None:
        v = message.video
        found.append(Attachment("video", v.file_id, v.file_name, v.mime_type, v.file_size))
    if message.video_note is not None:
        n = message.video_note
        found.append(Attachment("video_note", n.file_id, size=n.file_size))
    if message.voice is not None:
        vo = message.voice
        found.append(Attachment("voice", vo.file_id, mime_type=vo.mime_type, size=vo.file_size))
    if message.audio is not None:
        au = message.audio
        found.append(Attachment("audio", au.file_id, au.file_name, au.mime_type, au.file_size))
    if message.sticker is not None:
        s = message.sticker
        found.append(Attachment("sticker", s.file_id, size=s.file_size))
    return tuple(found)
