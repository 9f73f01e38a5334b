"""Everything a parent can send that is not the answer asked for.

Each reply must be kind and in the parent's language, and the stored data must not change: no
answer row appears or changes, the session stays at the same question.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.flow_model import Flow, flow_library
from bot.limits import MAX_OPEN_ANSWER_CHARS
from bot.texts import parents as texts
from bot.tg.stub_api import SimulatedUser, button_labels

FACES = ["😞", "🙁", "😐", "🙂", "😄"]
MEDIA: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "st",
            "file_unique_id": "st",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "ph", "file_unique_id": "ph", "width": 90, "height": 90}]},
    "photo with caption 4": {
        "photo": [{"file_id": "ph", "file_unique_id": "ph", "width": 9, "height": 9}],
        "caption": "4",
    },
    "document": {"document": {"file_id": "doc", "file_unique_id": "doc", "file_name": "brief.pdf"}},
    "location": {"location": {"latitude": 51.05, "longitude": 3.72}},
    "contact": {"contact": {"phone_number": "+32470000000", "first_name": "Juf"}},
    "video note": {
        "video_note": {"file_id": "vn", "file_unique_id": "vn", "length": 240, "duration": 3}
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
}


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    """The texts the bot sent (a read-aloud voice note that may follow a question has none)."""
    return [m["text"] for m in messages if "text" in m]


def question_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The last question among these messages."""
    return next(m for m in reversed(messages) if m.get("text", "").startswith("Vraag "))


async def snapshot(bot: Any, parent: SimulatedUser) -> tuple[Any, ...]:
    """What is stored for this parent: answers, and the session."""
    chat = await bot.store.chat(parent.chat_id)
    rid = chat.active_respondent if chat else None
    rows = await bot.store.run_read(
        "SELECT question_id, value, choices, text, voice_file_id, skipped, truncated FROM answers "
        "WHERE respondent_id = ? ORDER BY question_id",
        (rid,),
    )
    state = await bot.store.session(rid) if rid else None
    return tuple(rows), state.current if state else None, state.answers if state else None


async def at_question_three(bot: Any, join: Callable[..., Any]) -> tuple[SimulatedUser, Any]:
    parent, opened, _ = await join(bot)
    await parent.press("🙂")
    await parent.press("😐")
    assert parent.last_text().startswith("Vraag 3 van 30")
    return parent, opened


@pytest.mark.parametrize(
    "typed,value",
    [
        ("1", "1"),
        ("2", "2"),
        ("3", "3"),
        ("4", "4"),
        ("5", "5"),
        (" 5 ", "5"),
        ("😞", "1"),
        ("🙂", "4"),
        ("😄", "5"),
        ("🤷", "dontknow"),
    ],
)
async def test_a_typed_digit_or_face_answers_a_scale(
    bot: Any, join: Callable[..., Any], typed: str, value: str
) -> None:
    parent, opened, _ = await join(bot)
    replies = await parent.text(typed)
    assert replies[-1]["text"].startswith("Vraag 2 van 30")
    assert await bot.store.run_read(
        "SELECT question_id, value FROM answers WHERE round_id = ?", (opened.id,)
    ) == [("welkom_1", value)]


@pytest.mark.parametrize(
    "typed,reply",
    [
        ("goed", texts.REJECT_NEED_CHOICE),
        ("6", texts.REJECT_NOT_AN_OPTION),
        ("0", texts.REJECT_NOT_AN_OPTION),
        ("ja hoor", texts.REJECT_NEED_CHOICE),
    ],
)
async def test_words_where_a_button_is_expected(
    bot: Any, join: Callable[..., Any], typed: str, reply: str
) -> None:
    parent, _ = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.text(typed)
    assert texts_of(replies) == [reply]
    assert await snapshot(bot, parent) == before
    # the second unusable reply in a row: the simplest way to answer, with numbered faces
    replies = await parent.text("hmm")
    assert texts_of(replies)[0] == texts.REJECT_NEED_CHOICE
    repair = question_of(replies)
    assert repair["text"].startswith("Vraag 3 van 30")
    assert "1 = 😞" in repair["text"]
    assert button_labels(repair)[:5] == ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😄"]
    replies = await parent.text("4")  # and the typed digit works
    assert replies[-1]["text"].startswith("Vraag 4 van 30")


@pytest.mark.parametrize("kind", list(MEDIA))
async def test_media_and_other_messages_are_refused_kindly(
    bot: Any, join: Callable[..., Any], kind: str
) -> None:
    parent, _ = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.send(parent.message_update(**MEDIA[kind]))
    assert texts_of(replies) == [texts.UNSUPPORTED]
    assert await snapshot(bot, parent) == before
    replies = await parent.send(parent.message_update(**MEDIA[kind]))
    assert texts_of(replies)[0] == texts.UNSUPPORTED
    repair = question_of(replies)
    assert repair["text"].startswith("Vraag 3 van 30") and "1 = 😞" in repair["text"]
    assert await snapshot(bot, parent) == before


async def test_an_edited_message_changes_nothing(bot: Any, join: Callable[..., Any]) -> None:
    parent, _ = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    edited = parent.message_update(text="5")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1_800_000_000}
    replies = await parent.send(edited)
    assert texts_of(replies) == [texts.EDITED]
    assert "Vorige" in replies[0]["text"]
    assert await snapshot(bot, parent) == before


async def test_a_forwarded_message_is_no_answer(bot: Any, join: Callable[..., Any]) -> None:
    parent, _ = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.send(
        parent.message_update(
            text="5",
            forward_origin={
                "type": "hidden_user",
                "date": 1_700_000_000,
                "sender_user_name": "Buur",
            },
        )
    )
    assert texts_of(replies) == [texts.FORWARDED]
    assert await snapshot(bot, parent) == before


async def test_a_very_long_text(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened, _ = await join(bot)
    replies = await parent.text("x" * 5000)  # on a scale question: not an answer
    assert texts_of(replies) == [texts.REJECT_NEED_CHOICE]
    for _ in range(29):
        await parent.press("🙂")
    long_text = "Een lang verhaal. " * 300  # 5,400 characters
    replies = await parent.text(long_text[:5000])
    shown = texts_of(replies)
    assert shown[0] == texts.TRUNCATED.format(limit=MAX_OPEN_ANSWER_CHARS)
    assert "2000" in shown[0]
    assert shown[-1].startswith("Bedankt")
    rows = await bot.store.run_read(
        "SELECT length(text), truncated, text FROM answers WHERE round_id = ? AND question_id = 'opmerking'",
        (opened.id,),
    )
    assert rows[0][:2] == (MAX_OPEN_ANSWER_CHARS, 1)
    assert long_text.startswith(rows[0][2])


async def test_a_second_tap_on_the_same_button_shows_saved_and_the_current_question(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, _, _ = await join(bot)
    question = copy.deepcopy(parent.last_with_keyboard())  # as the phone still shows it
    await parent.press("🙂")
    before = await snapshot(bot, parent)
    sent_before = len(parent.all_messages())
    data = next(
        b["callback_data"]
        for row in question["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "🙂"
    )
    current = parent.last_with_keyboard()
    replies = await parent.press_data(data, question)
    # Never silence (issue 12): the answer is kept, and the question the parent is at comes again.
    assert [r["text"] for r in replies] == [current["text"]]
    assert replies[0]["reply_markup"] == current["reply_markup"]
    assert len(parent.all_messages()) == sent_before + 1
    assert await snapshot(bot, parent) == before
    toasts = [p for method, p in bot.api.calls if method == "answerCallbackQuery"]
    assert toasts[-1].get("text") == "Opgeslagen ✅"  # the spinner stops with "saved"


async def test_a_second_tap_on_the_last_answer_says_nothing(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, opened, _ = await join(bot, "barometer-leerlingen")
    for _ in range(19):
        await parent.press("😄")
    question = copy.deepcopy(parent.last_with_keyboard())
    skip = next(
        b["callback_data"]
        for row in question["reply_markup"]["inline_keyboard"]
        for b in row
        if "Overslaan" in b["text"]
    )
    last = await parent.press_data(skip, question)
    assert last[-1]["text"].startswith("Bedankt")
    assert await parent.press_data(skip, question) == [], "no 'already done' after a double tap"
    toasts = [p for method, p in bot.api.calls if method == "answerCallbackQuery"]
    assert toasts[-1].get("text") == "Opgeslagen ✅", "but a toast: never silence"
    assert await bot.store.count_respondents(opened.id) == {"completed": 1}
    rows = await bot.store.run_read("SELECT skipped FROM answers WHERE question_id = 'opmerking'")
    assert rows == [(1,)]


async def test_a_button_from_an_earlier_question(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.press_data(f"a|{opened.id}|1|welkom_1|1")
    assert texts_of(replies)[0] == texts.REJECT_STALE
    assert replies[-1]["text"].startswith("Vraag 3 van 30")  # here is where you are
    assert await snapshot(bot, parent) == before


async def test_a_button_from_an_older_flow_version(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.press_data(f"a|{opened.id}|0|welkom_3|4")  # made for version 0
    assert texts_of(replies)[0] == texts.REJECT_STALE
    assert await snapshot(bot, parent) == before


async def test_a_button_of_another_round(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.press_data(f"a|{opened.id + 50}|1|welkom_3|4")
    assert ("answerCallbackQuery", texts.BUTTON_EXPIRED) in [
        (m, p.get("text")) for m, p in bot.api.calls
    ]
    assert replies[-1]["text"].startswith("Vraag 3 van 30")
    assert await snapshot(bot, parent) == before


EXPIRED = "expired"  # the toast "this button no longer works", and the current question again


@pytest.mark.parametrize(
    "data,outcome",
    [
        ("zzz", EXPIRED),
        ("x", EXPIRED),
        ("a|x|1|welkom_3|4", EXPIRED),
        ("a|{round}|2|welkom_3", EXPIRED),
        ("a|{round}|2|welkom_3|4|extra", EXPIRED),
        ("b|twee", EXPIRED),
        ("f|misschien", EXPIRED),
        ("d|{round}|x|welkom_3", EXPIRED),
        ("a|{round}|2|welkom_3|" + "9" * 60, EXPIRED),
        ("a|{round}|2|welkom_3|9", texts.REJECT_NOT_AN_OPTION),
        ("s|{round}|2|welkom_3", texts.REJECT_NOT_OPTIONAL),
    ],
)
async def test_forged_callback_data(
    bot: Any, join: Callable[..., Any], data: str, outcome: str
) -> None:
    parent, opened = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    calls = len(bot.api.calls)
    replies = await parent.press_data(data.replace("{round}", str(opened.id)))
    assert await snapshot(bot, parent) == before
    toasts = [p.get("text") for m, p in bot.api.calls[calls:] if m == "answerCallbackQuery"]
    if outcome == EXPIRED:
        assert toasts == [texts.BUTTON_EXPIRED]
        assert texts_of(replies)[0].startswith("Vraag 3 van 30")
    else:
        assert toasts == [None]
        assert texts_of(replies) == [outcome]
    replies = await parent.press("😄")  # and the parent carries on
    assert question_of(replies)["text"].startswith("Vraag 4 van 30")


@pytest.mark.parametrize("what", ["text", "start with token", "photo"])
async def test_group_messages_point_to_a_private_chat(bot: Any, what: str) -> None:
    _, opened = await bot.school_and_round()
    member = bot.user(chat_id=-100_555_001)
    if what == "text":
        replies = await member.text("Wat is dit?")
    elif what == "start with token":
        replies = await member.command("/start", opened.start_token)
    else:
        replies = await member.send(member.message_update(**MEDIA["photo"]))
    assert texts_of(replies) == [texts.GROUP_CHAT]
    assert replies[0]["reply_markup"]["inline_keyboard"][0][0] == {
        "text": texts.OPEN_PRIVATE,
        "url": "https://t.me/OuderstemBot",
    }
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]
    assert await bot.store.chat(-100_555_001) is None


async def test_a_button_in_a_group_is_only_acknowledged(bot: Any) -> None:
    _, opened = await bot.school_and_round()
    member = bot.user(chat_id=-100_555_002)
    assert await member.press_data(f"a|{opened.id}|1|welkom_1|4") == []
    assert bot.api.calls[-1][0] == "answerCallbackQuery"
    assert await bot.store.run_read("SELECT COUNT(*) FROM answers") == [(0,)]


async def test_channel_posts_are_ignored(bot: Any) -> None:
    await bot.school_and_round()
    channel = SimulatedUser(bot.application, bot.api, user_id=42, chat_id=-100_777_001)
    post = {
        "update_id": 880_001,
        "channel_post": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": -100_777_001, "type": "channel", "title": "Ouders"},
            "text": "/start",
        },
    }
    assert await channel.send(post) == []
    assert await bot.store.chat(-100_777_001) is None
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]


@pytest.mark.parametrize("command", ["/foo", "/admin", "/vergeten", "/Start_now"])
async def test_unknown_commands(bot: Any, join: Callable[..., Any], command: str) -> None:
    parent, _ = await at_question_three(bot, join)
    before = await snapshot(bot, parent)
    replies = await parent.command(command)
    assert texts_of(replies) == [texts.UNKNOWN_COMMAND]
    assert await snapshot(bot, parent) == before


# ---- a flow with every kind of question (registered for these tests only) -----------------------

PROEF = Flow.model_validate(
    {
        "id": "proef",
        "version": 2,
        "audience": "parents",
        "title": "Proef",
        "intro": "Een proef.",
        "closing": "Bedankt! {feedback_when}",
        "questions": [
            {
                "id": "kinderen",
                "type": "choice",
                "text": "Hoeveel kinderen?",
                "options": [{"id": "een", "text": "Eén"}, {"id": "meer", "text": "Meer dan één"}],
            },
            {
                "id": "vervoer",
                "type": "multi",
                "text": "Hoe komt uw kind naar school?",
                "options": [
                    {"id": "bus", "text": "Bus"},
                    {"id": "fiets", "text": "Fiets"},
                    {"id": "voet", "text": "Te voet"},
                ],
            },
            {"id": "werk", "type": "yesno", "text": "Werkt u buitenshuis?"},
            {
                "id": "uren",
                "type": "scale",
                "text": "U hebt genoeg tijd.",
                "skip_if": {"question": "werk", "any_of": ["no"]},
            },
        ],
    }
)


@pytest.fixture
def proef(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    monkeypatch.setitem(flow_library(), PROEF.id, PROEF)
    yield PROEF


async def test_choice_multi_and_yes_no_by_button_and_typing(
    bot: Any, join: Callable[..., Any], proef: Flow
) -> None:
    parent, opened, replies = await join(bot, "proef")
    assert button_labels(replies[-1])[:2] == ["Eén", "Meer dan één"]
    replies = await parent.text("meer dan één")  # the option's own words
    assert replies[-1]["text"].startswith("Vraag 2 van 4\n\nHoe komt uw kind naar school?")
    question = replies[-1]
    replies = await parent.press("Klaar")
    assert texts_of(replies) == [texts.REJECT_NEED_SELECTION]
    assert await parent.press("Bus") == []  # the keyboard is edited in place
    edited = next(m for m in parent.all_messages() if m["message_id"] == question["message_id"])
    assert button_labels(edited)[:3] == ["☑️ Bus", "⬜ Fiets", "⬜ Te voet"]
    replies = await parent.text("3")  # a typed number toggles too, and the parent sees it
    assert replies, "a typed selection must be shown"
    assert button_labels(replies[-1])[:3] == ["☑️ Bus", "⬜ Fiets", "☑️ Te voet"]
    replies = await parent.press("Klaar")
    assert replies[-1]["text"].startswith("Vraag 3 van 4\n\nWerkt u buitenshuis?")
    assert button_labels(replies[-1])[:2] == ["👍 Ja", "👎 Nee"]
    replies = await parent.text("nee")
    assert replies[-1]["text"].startswith("Bedankt!")  # "uren" is skipped after "no"
    rows = await bot.store.run_read(
        "SELECT question_id, value, choices FROM answers WHERE round_id = ? ORDER BY question_id",
        (opened.id,),
    )
    assert rows == [
        ("kinderen", "meer", None),
        ("vervoer", None, '["bus", "voet"]'),
        ("werk", "no", None),
    ]


async def test_a_button_from_the_previous_version_of_a_flow(
    bot: Any, join: Callable[..., Any], proef: Flow
) -> None:
    parent, opened, _ = await join(bot, "proef")
    before = await snapshot(bot, parent)
    replies = await parent.press_data(f"a|{opened.id}|1|kinderen|een")  # version 1's button
    assert texts_of(replies)[0] == texts.REJECT_STALE
    assert await snapshot(bot, parent) == before
    replies = await parent.press_data(f"a|{opened.id}|2|kinderen|een")
    assert replies[-1]["text"].startswith("Vraag 2 van 4")
