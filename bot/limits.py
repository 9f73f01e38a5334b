"""Named limits: Telegram's (from `telegram.constants` where PTB has them) and our own.

Kept free of telegram imports so the pure engine and the flow inspector can use them.
"""

# Telegram Bot API (mirrors telegram.constants; a test checks they agree).
MAX_MESSAGE_CHARS = 4096  # MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION_CHARS = 1024  # MessageLimit.CAPTION_LENGTH
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_BUTTONS_PER_ROW = 8  # practical limit before buttons become unreadable on a phone
MAX_BUTTONS_TOTAL = 100  # InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
MAX_BUTTON_LABEL_CHARS = 40  # longer labels are cut off on a phone screen
MAX_BOT_DESCRIPTION_CHARS = 512  # BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
MAX_BOT_SHORT_DESCRIPTION_CHARS = 120  # BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH
MAX_COMMAND_DESCRIPTION_CHARS = 256  # BotCommandLimit.MAX_DESCRIPTION
BROADCAST_MESSAGES_PER_SECOND = 30  # FloodLimit.MESSAGES_PER_SECOND

# Ours.
MAX_OPEN_ANSWER_CHARS = 2000  # longer open answers are cut, and the parent is told so
MAX_QUESTION_CHARS = 600  # a question a parent reads on a phone stays short
REPAIR_AFTER_UNUSABLE = 2  # unusable replies in a row before the simplest way to answer is offered
START_TOKEN_BYTES = 16  # 128 bits: round links and invites cannot be guessed
MIN_GROUP_CLOSED = 5  # respondents before a closed-question figure is shown
MIN_GROUP_OPEN = 10  # respondents before the open answers of a group are shown
PROCESSED_UPDATES_KEEP = 100_000  # update ids remembered for de-duplication
