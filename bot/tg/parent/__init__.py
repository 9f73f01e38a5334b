"""The parent's conversation: join by deep link, choose a language, answer, pause, forget.

Each handler translates one kind of update into an engine input, lets the store commit the
answer and the new state, and only then replies. Texts come from `bot.texts` via the catalogs.

    session   who is talking; one step: engine, durable commit, replies; re-showing the question
    replies   the Bot API calls that carry a step's replies, and the quiet ones beside them
    sounds    a repair question's sound made ahead, dropped at shutdown
    owed      a reply a crash swallowed, delivered again at start-up or after the next update
    commands  /start, /help, /stop, /taal, /vergeet, /voorlezen
    buttons   language and /vergeet buttons, the questions' buttons
    messages  typed text, voice notes, anything unusable, group chats
"""

from bot.tg.parent.buttons import on_button, on_forget_button, on_language_button
from bot.tg.parent.commands import (
    READ_ALOUD_COMMAND,
    expected_minutes,
    on_always_audio,
    on_forget,
    on_help,
    on_language_command,
    on_start,
    on_stop,
    on_unknown_command,
)
from bot.tg.parent.messages import on_edited, on_group, on_text, on_unusable, on_voice
from bot.tg.parent.owed import (
    deliver_owed_after,
    deliver_owed_at_start,
    deliver_owed_when_leading,
)
from bot.tg.parent.replies import reply
from bot.tg.parent.session import active_of, language_of, show_current_question
from bot.tg.parent.sounds import drop_preparing

__all__ = [
    "READ_ALOUD_COMMAND",
    "active_of",
    "deliver_owed_after",
    "deliver_owed_at_start",
    "deliver_owed_when_leading",
    "drop_preparing",
    "expected_minutes",
    "language_of",
    "on_always_audio",
    "on_button",
    "on_edited",
    "on_forget",
    "on_forget_button",
    "on_group",
    "on_help",
    "on_language_button",
    "on_language_command",
    "on_start",
    "on_stop",
    "on_text",
    "on_unknown_command",
    "on_unusable",
    "on_voice",
    "reply",
    "show_current_question",
]
