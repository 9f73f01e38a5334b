"""Moving through a survey: back, skip, open answers, pause and resume, /help, /taal, /vergeet,
links and tokens. Each test checks what the parent sees and what is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.flow_model import get_flow, question_key
from bot.i18n import catalog, flow_context
from bot.texts import parents as texts
from bot.tg.stub_api import button_labels

PARENTS = get_flow("barometer-ouders")


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


async def answers(bot: Any, round_id: int) -> dict[str, tuple[Any, ...]]:
    rows = await bot.store.run_read(
        "SELECT question_id, value, text, skipped FROM answers WHERE round_id = ?", (round_id,)
    )
    return {r[0]: tuple(r[1:]) for r in rows}


async def status_of(bot: Any, round_id: int) -> list[str]:
    return [
        r[0]
        for r in await bot.store.run_read(
            "SELECT status FROM respondents WHERE round_id = ?", (round_id,)
        )
    ]


async def test_back_changes_the_previous_answer(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened, _ = await join(bot)
    await parent.press("🙂")
    replies = await parent.press("😐")
    assert replies[-1]["text"].startswith("Vraag 3 van 30")
    replies = await parent.press("Vorige")
    assert replies[-1]["text"].startswith("Vraag 2 van 30\n\nOp school kennen ze u.")
    assert "Uw vorige antwoord: 😐" in replies[-1]["text"]
    replies = await parent.press("Vorige")
    assert replies[-1]["text"].startswith("Vraag 1 van 30")
    assert "Uw vorige antwoord: 🙂" in replies[-1]["text"]
    assert "⬅️ Vorige" not in button_labels(replies[-1])
    replies = await parent.press("😞")
    assert replies[-1]["text"].startswith("Vraag 2 van 30")
    assert "Uw vorige antwoord: 😐" in replies[-1]["text"]  # the later answer is kept
    await parent.press("😄")
    assert await answers(bot, opened.id) == {"welkom_1": ("1", None, 0), "welkom_2": ("5", None, 0)}
    state = await bot.store.session((await bot.store.chat(parent.chat_id)).active_respondent)
    assert state.current == "welkom_3" and state.path == ["welkom_1", "welkom_2", "welkom_3"]


async def answer_scales(parent: Any, count: int, face: str = "🙂") -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for _ in range(count):
        replies = await parent.press(face)
    return replies


async def test_skip_only_on_an_optional_question(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened, replies = await join(bot)
    assert "⏭️ Overslaan" not in button_labels(replies[-1])  # mandatory
    replies = await parent.command("/skip")  # an unknown command does not skip either
    assert texts_of(replies) == [texts.UNKNOWN_COMMAND]
    replies = await answer_scales(parent, 29)
    last = replies[-1]
    assert last["text"].startswith("Vraag 30 van 30\n\nWilt u nog iets zeggen")
    assert "⏭️ Overslaan" in button_labels(last)
    replies = await parent.press("Overslaan")
    assert replies[-1]["text"].startswith("Bedankt voor uw antwoorden!")
    stored = await answers(bot, opened.id)
    assert stored["opmerking"] == (None, None, 1)
    assert len(stored) == 30
    assert await status_of(bot, opened.id) == ["completed"]


async def test_open_answer_by_text_and_by_voice(bot: Any, join: Callable[..., Any]) -> None:
    parent, _, _ = await join(bot)
    await answer_scales(parent, 29)
    replies = await parent.send(
        parent.message_update(
            voice={"file_id": "AwACAgQ-voice-opmerking", "file_unique_id": "u1", "duration": 9}
        )
    )
    assert replies[-1]["text"].startswith("Bedankt")
    rows = await bot.store.run_read(
        "SELECT voice_file_id, voice_seconds, text FROM answers WHERE question_id = 'opmerking'"
    )
    assert rows == [("AwACAgQ-voice-opmerking", 9, None)]
    # a second parent types it
    other, round2, _ = await join(bot)
    await answer_scales(other, 29)
    await other.text("Meer uitleg over huiswerk graag.")
    rows = await bot.store.run_read(
        "SELECT text, voice_file_id FROM answers WHERE question_id = 'opmerking' AND round_id = ?",
        (round2.id,),
    )
    assert rows == [("Meer uitleg over huiswerk graag.", None)]


@pytest.mark.parametrize("how", ["any message", "Verder button", "/start", "round link again"])
async def test_pause_and_resume(bot: Any, join: Callable[..., Any], how: str) -> None:
    parent, opened, _ = await join(bot)
    await answer_scales(parent, 2)
    replies = await parent.command("/stop")
    assert texts_of(replies) == [texts.PAUSED]
    assert button_labels(replies[0]) == ["▶️ Verder"]
    assert await status_of(bot, opened.id) == ["paused"]

    if how == "any message":
        replies = await parent.text("hallo")
    elif how == "Verder button":
        replies = await parent.press("Verder")
    elif how == "/start":
        replies = await parent.command("/start")
    else:
        replies = await parent.command("/start", opened.start_token)
    assert texts_of(replies)[0] == texts.WELCOME_BACK
    assert replies[-1]["text"].startswith("Vraag 3 van 30")
    assert await status_of(bot, opened.id) == ["waiting"]
    assert set(await answers(bot, opened.id)) == {"welkom_1", "welkom_2"}, (
        "the resuming message is no answer"
    )
    replies = await parent.press("😄")
    assert replies[-1]["text"].startswith("Vraag 4 van 30")


async def test_stop_with_nothing_active(bot: Any) -> None:
    parent = bot.user()
    replies = await parent.command("/stop")
    assert texts_of(replies) == [texts.NOTHING_ACTIVE]
    replies = await parent.text("hallo")
    assert texts_of(replies) == [texts.NOTHING_ACTIVE]
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]


async def test_help(bot: Any, join: Callable[..., Any]) -> None:
    parent, _, _ = await join(bot)
    replies = await parent.command("/help")
    assert len(replies) == 1
    for command in ("/stop", "/taal", "/vergeet", "/help"):
        assert command in replies[0]["text"]


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """Provisional English for a few texts, so the test does not depend on the real catalog."""
    messages = catalog("en").messages
    marked = [
        texts.PROGRESS,
        texts.LANGUAGE_SET,
        texts.UNSUPPORTED,
        texts.REJECT_NEED_CHOICE,
        texts.WELCOME_BACK,
        texts.HELP,
        texts.DONT_KNOW,
    ]
    for text in marked:
        monkeypatch.setitem(messages, (None, text), f"[en] {text}")
    for q in PARENTS.questions[:4]:
        monkeypatch.setitem(
            messages, (flow_context(PARENTS.id, question_key(q.id)), q.text), f"[en] {q.text}"
        )
    yield lambda text: f"[en] {text}"


async def test_changing_language_mid_survey_keeps_the_answers(
    bot: Any, join: Callable[..., Any], english: Callable[[str], str]
) -> None:
    parent, opened, _ = await join(bot)
    await answer_scales(parent, 2, "😄")
    replies = await parent.command("/taal")
    assert replies[-1]["text"].startswith(texts.CHOOSE_LANGUAGE)
    assert "English" in button_labels(replies[-1])
    replies = await parent.press("English")
    shown = texts_of(replies)
    assert shown[0] == english(texts.LANGUAGE_SET)
    assert shown[-1].startswith("[en] Vraag 3 van 30\n\n[en] U durft met een probleem")
    assert "🤷 [en] Weet ik niet" in button_labels(replies[-1])
    assert "🇳🇱 NL" in button_labels(replies[-1])  # the Dutch original, for a non-Dutch reader
    replies = await parent.press("🙂")
    assert replies[-1]["text"].startswith("[en] Vraag 4 van 30")
    replies = await parent.send(
        parent.message_update(
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        )
    )
    assert texts_of(replies) == [english(texts.UNSUPPORTED)]
    stored = await answers(bot, opened.id)
    assert stored == {
        "welkom_1": ("5", None, 0),
        "welkom_2": ("5", None, 0),
        "welkom_3": ("4", None, 0),
    }
    respondent = await bot.store.respondent(
        (await bot.store.chat(parent.chat_id)).active_respondent
    )
    assert respondent.language == "en"
    chat = await bot.store.chat(parent.chat_id)
    assert chat.language == "en" and chat.language_confirmed


async def test_an_english_profile_gets_english_suggested(
    bot: Any, english: Callable[[str], str]
) -> None:
    _, opened = await bot.school_and_round()
    parent = bot.user(language_code="en-GB")
    replies = await parent.command("/start", opened.start_token)
    assert button_labels(replies[-1])[0] == "✅ English"
    replies = await parent.press("English")
    assert replies[-1]["text"].startswith("[en] Vraag 1 van 30\n\n[en] U voelt zich welkom")
    replies = await parent.text("heel goed")
    assert texts_of(replies) == [english(texts.REJECT_NEED_CHOICE)]


async def test_forget_cancel_keeps_everything(
    bot: Any, join: Callable[..., Any], find_rows: Callable[..., Any]
) -> None:
    parent, opened, _ = await join(bot)
    await answer_scales(parent, 3)
    before = await find_rows(bot.store, parent.chat_id)
    replies = await parent.command("/vergeet")
    assert texts_of(replies) == [texts.FORGET_CONFIRM]
    assert button_labels(replies[0]) == ["🗑️ Ja, wis alles", "Nee, niet wissen"]
    replies = await parent.press("Nee, niet wissen")
    assert texts_of(replies) == [texts.NOT_FORGOTTEN]
    assert await find_rows(bot.store, parent.chat_id) == before
    assert len(await answers(bot, opened.id)) == 3


async def test_forget_confirmed_deletes_every_row(
    bot: Any, join: Callable[..., Any], find_rows: Callable[..., Any]
) -> None:
    parent, opened, _ = await join(bot)
    await answer_scales(parent, 3)
    respondent_id = (await bot.store.chat(parent.chat_id)).active_respondent
    other, _, _ = await join(bot)  # another parent, in another round
    await answer_scales(other, 1)
    assert {t for t, _ in await find_rows(bot.store, parent.chat_id, respondent_id)} >= {
        "chats",
        "contacts",
        "respondents",
        "sessions",
        "answers",
    }

    await parent.command("/vergeet")
    replies = await parent.press("Ja, wis alles")
    assert texts_of(replies) == [texts.FORGOTTEN]
    assert await find_rows(bot.store, parent.chat_id, respondent_id) == []
    assert await answers(bot, opened.id) == {}
    other_id = (await bot.store.chat(other.chat_id)).active_respondent
    assert {t for t, _ in await find_rows(bot.store, other.chat_id, other_id)} >= {
        "chats",
        "contacts",
        "respondents",
        "sessions",
        "answers",
    }, "the other parent keeps their data"
    replies = await parent.command("/start")
    assert texts_of(replies) == [texts.NO_TOKEN]


@pytest.mark.parametrize(
    "token",
    ["AAAAAAAAAAAAAAAAAAAAAA", "short", "../../etc/passwd-xxxxxxxx", "x" * 65, "a b"],
    ids=["unknown", "too-short", "malformed", "too-long", "space"],
)
async def test_unknown_or_malformed_tokens(bot: Any, token: str) -> None:
    await bot.school_and_round()
    parent = bot.user()
    replies = await parent.command("/start", token)
    assert texts_of(replies) == [texts.UNKNOWN_TOKEN]
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]


async def test_no_token_and_closed_round(bot: Any) -> None:
    _, opened = await bot.school_and_round()
    parent = bot.user()
    assert texts_of(await parent.command("/start")) == [texts.NO_TOKEN]
    await bot.store.close_round(opened.id, bot.deps.clock())
    assert texts_of(await parent.command("/start", opened.start_token)) == [texts.ROUND_CLOSED]
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]


async def test_the_round_link_again_does_not_start_a_second_response(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, opened, _ = await join(bot)
    await answer_scales(parent, 2)
    replies = await parent.command("/start", opened.start_token)
    assert texts_of(replies)[0] == texts.WELCOME_BACK
    assert replies[-1]["text"].startswith("Vraag 3 van 30")
    assert await bot.store.count_respondents(opened.id) == {"waiting": 1}
    await answer_scales(parent, 27)
    await parent.text("Niets meer.")
    replies = await parent.command("/start", opened.start_token)
    assert texts_of(replies) == [texts.ALREADY_DONE]
    assert await bot.store.count_respondents(opened.id) == {"completed": 1}
    assert len(await answers(bot, opened.id)) == 30


async def test_a_class_link_records_the_group(bot: Any) -> None:
    _, opened = await bot.school_and_round()
    group = await bot.store.add_round_group(
        opened.id, "3A", "groupToken_3A_0123456789", expected=20
    )
    parent = bot.user()
    await parent.command("/start", group.token)
    replies = await parent.press("Nederlands")
    assert replies[-1]["text"].startswith("Vraag 1 van 30")
    rows = await bot.store.run_read("SELECT round_id, group_id FROM respondents")
    assert rows == [(opened.id, group.id)]
