"""Hypothesis strategies for Telegram updates: every message kind, odd text, forged buttons.

An example is a list of `Action`s. Most are complete updates built at run time (so a "press a
real button" action can pick a button the bot really sent). Builders make Bot API JSON that
PTB parses, as Telegram would send it: valid structure, hostile content.
"""

from __future__ import annotations

import itertools
import string
import time
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

_update_ids = itertools.count(50_000_000)
_message_ids = itertools.count(7_000_000)

BOT = {"id": 700_000_001, "is_bot": True, "first_name": "Ouderstem", "username": "OuderstemBot"}

# ---- text ------------------------------------------------------------------------------------

ODD = [
    "\u200f",
    "\u200e",
    "\u202e",
    "\u2066",
    "\u2069",  # bidi marks and isolates
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u2060",  # zero-width
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "👍🏽",
    "🙂\ufe0f",
    "😄",
    "🤷",
    "🤷‍♀️",
    "1\ufe0f\u20e3",
    "مرحبا",
    "שלום",
    "Привет",
    "ትግርኛ",
    "پښتو",
    "Türkçe",
    "İi",
    "ß",
    "ﬁ",
    "Å",
    "\u0301",
    "\x00",
    "\t",
    "\n",
    "\r\n",
    "\u2028",
    "\u0085",
]
faces = st.sampled_from(
    [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "0",
        "-1",
        "😞",
        "🙁",
        "😐",
        "🙂",
        "😄",
        "🤷",
        "🙂\ufe0f",
        " 4 ",
        "ja",
        "Nee",
        "evet",
        "JA",
        "weet ik niet",
    ]
)
plain_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
odd_text = st.lists(st.sampled_from(ODD) | st.text(string.printable, max_size=5), max_size=40).map(
    "".join
)
huge_text = st.builds(
    lambda ch, n: (ch * n)[:n],
    st.sampled_from(["a", "é", "🙂", "ש", "x y ", "\u200f"]),
    st.integers(4097, 9000),
)
texts = st.one_of(faces, plain_unicode, odd_text, huge_text, st.just(""), st.just(" " * 50))

COMMANDS = [
    "start",
    "help",
    "stop",
    "taal",
    "language",
    "vergeet",
    "voorlezen",
    "geenherinnering",
    "status",
    "rapport",
    "sluit",
    "uitnodigen",
    "ronde",
    "terugkoppeling",
    "settings",
    "admin",
    "",
]
forged_data = st.one_of(
    st.binary(min_size=1, max_size=120).map(lambda b: b.decode("latin-1")),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80),
    st.sampled_from(
        [
            "a|1|1|welkom_1|4",
            "a|1|1|welkom_1|9",
            "a|999|1|welkom_1|4",
            "a|1|99|welkom_1|4",
            "a|1|1|nope|4",
            "a|x|y|z|w",
            "a|1|1|opmerking|4",
            "s|1|1|welkom_1",
            "s|1|1|opmerking",
            "d|1|1|welkom_1",
            "o|1|1|welkom_1",
            "h|1|1|welkom_1",
            "b|1",
            "b|999",
            "r|1",
            "r|x",
            "l|*",
            "l|xx",
            "l|nl",
            "l|ar",
            "l|",
            "f|yes",
            "f|no",
            "f|maybe",
            "x|sly|1",
            "x|st|1",
            "x|sc|slu|1",
            "x|iv|1|admin",
            "x|r|abc|go|-",
            "x|nr|on",
            "rp|r|1",
            "rp|f|1|csv",
            "rp|o",
            "rp|v|1|open",
            "|",
            "||||",
            "a" * 64,
            "a" * 65,
            "é" * 33,
        ]
    ),
)


@dataclass(frozen=True)
class Action:
    """One thing a person (or Telegram) does; `kind` says what, `payload` with what."""

    actor: int  # index into the example's people
    kind: str
    payload: Any = None


# ---- building updates ------------------------------------------------------------------------


def user_json(user_id: int, language: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Ouder"}
    if language:
        found["language_code"] = language
    return found


def chat_json(chat_id: int, kind: str) -> dict[str, Any]:
    if kind == "private":
        return {"id": chat_id, "type": "private", "first_name": "Ouder"}
    return {"id": chat_id, "type": kind, "title": "Ouders klas 3"}


def message(chat: dict[str, Any], user: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat,
        **content,
    }
    if user is not None:
        found["from"] = user
    else:
        found["sender_chat"] = chat
    return found


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **content}


def command_text(
    name: str, args: list[str], mention: str | None
) -> tuple[str, list[dict[str, Any]]]:
    head = "/" + name + (f"@{mention}" if mention else "")
    entity = {"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}
    return " ".join([head, *args]), [entity]


def media(kind: str, n: int) -> dict[str, Any]:
    file = {"file_id": f"{kind}-{n}", "file_unique_id": f"u{kind}{n}"}
    return {
        "sticker": {
            "sticker": {
                **file,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "👍",
            }
        },
        "photo": {
            "photo": [{**file, "width": 90, "height": 90}, {**file, "width": 1280, "height": 960}]
        },
        "document": {
            "document": {**file, "file_name": "brief.pdf", "mime_type": "application/pdf"}
        },
        "voice": {"voice": {**file, "duration": n % 4000, "mime_type": "audio/ogg"}},
        "audio": {"audio": {**file, "duration": n % 4000, "title": "lied"}},
        "video": {"video": {**file, "width": 640, "height": 480, "duration": n % 600}},
        "video_note": {"video_note": {**file, "length": 240, "duration": n % 60}},
        "animation": {
            "animation": {**file, "width": 320, "height": 240, "duration": 3},
            "document": {**file, "file_name": "a.gif"},
        },
        "location": {"location": {"latitude": 51.05, "longitude": 3.72}},
        "venue": {
            "venue": {
                "location": {"latitude": 51.05, "longitude": 3.72},
                "title": "School",
                "address": "Schoolstraat 1",
            }
        },
        "contact": {"contact": {"phone_number": "+3200000000", "first_name": "Juf"}},
        "poll": {
            "poll": {
                "id": f"p{n}",
                "question": "Wanneer?",
                "options": [
                    {"text": "ma", "voter_count": 0, "persistent_id": "o1"},
                    {"text": "di", "voter_count": 0, "persistent_id": "o2"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        },
        "dice": {"dice": {"emoji": "🎲", "value": n % 6 + 1}},
        "caption_photo": {
            "photo": [{**file, "width": 90, "height": 90}],
            "caption": "mijn antwoord: 4",
        },
    }[kind]


MEDIA_KINDS = [
    "sticker",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "caption_photo",
]

FORWARD_ORIGINS = [
    {"type": "user", "date": 1, "sender_user": {"id": 42, "is_bot": False, "first_name": "Buur"}},
    {"type": "hidden_user", "date": 1, "sender_user_name": "Iemand"},
    {
        "type": "channel",
        "date": 1,
        "chat": {"id": -1001, "type": "channel", "title": "Nieuws"},
        "message_id": 9,
    },
]

# ---- strategies ------------------------------------------------------------------------------

PRIVATE_KINDS = st.sampled_from(
    [
        "start_real",
        "start_real",
        "start_other",
        "start_closed",
        "start_junk",
        "press_real",
        "press_real",
        "press_real",
        "press_real",
        "press_forged",
        "press_inaccessible",
        "press_inline",
        "text",
        "text",
        "face",
        "command",
        "media",
        "edited",
        "forwarded",
        "reply_markup_text",
    ]
)
OTHER_KINDS = st.sampled_from(
    [
        "group_text",
        "group_command",
        "group_media",
        "supergroup_text",
        "channel_post",
        "edited_channel_post",
        "group_press",
        "my_chat_member",
        "inline_query",
        "poll_answer",
        "reaction",
        "edited_group",
    ]
)


def action() -> st.SearchStrategy[Action]:
    private = st.builds(
        Action,
        st.integers(0, 7),
        PRIVATE_KINDS,
        st.tuples(
            texts,
            forged_data,
            st.sampled_from(COMMANDS),
            st.lists(texts, max_size=3),
            st.sampled_from(MEDIA_KINDS),
            st.integers(0, 10**6),
            st.sampled_from([None, "OuderstemBot", "AndereBot"]),
        ),
    )
    other = st.builds(
        Action,
        st.integers(0, 7),
        OTHER_KINDS,
        st.tuples(
            texts,
            forged_data,
            st.sampled_from(COMMANDS),
            st.lists(texts, max_size=2),
            st.sampled_from(MEDIA_KINDS),
            st.integers(0, 10**6),
            st.sampled_from([None, "OuderstemBot", "AndereBot"]),
        ),
    )
    return st.one_of(private, private, private, other)


def actions(min_size: int = 1, max_size: int = 20) -> st.SearchStrategy[list[Action]]:
    return st.lists(action(), min_size=min_size, max_size=max_size)
