"""A parent (or team member, or pupil) answers each shipped flow through the real bot.

What they see: the language menu, a welcome that says who asks, that it is anonymous, how long
it takes and how to stop; every question with "Vraag n van N" and its buttons; each answered
question showing the answer instead of its buttons; the closing. What is stored: one answer
row per question with the value tapped or the text typed, and a completed respondent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.engine import FACES
from bot.flow_model import DONT_KNOW, SCALE_VALUES, QuestionType, get_flow
from bot.texts import parents as texts
from bot.tg.stub_api import button_labels

FACE_BUTTONS = [FACES[v] for v in SCALE_VALUES]
CYCLE = [*SCALE_VALUES, DONT_KNOW]  # the values tapped, question after question


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


@pytest.mark.parametrize("flow_id", ["barometer-ouders", "barometer-team", "barometer-leerlingen"])
async def test_a_whole_barometer_through_the_bot(
    bot: Any, join: Callable[..., Any], flow_id: str
) -> None:
    flow = get_flow(flow_id)
    _, opened = await bot.school_and_round(flow_id)
    parent = bot.user(language_code="nl")

    menu = await parent.command("/start", opened.start_token)
    assert menu[-1]["text"].startswith("In welke taal wilt u antwoorden?")
    assert button_labels(menu[-1])[0] == "✅ Nederlands"
    replies = await parent.press("Nederlands")

    welcome = next(t for t in texts_of(replies) if t.startswith("Hallo!"))
    assert "Basisschool De Regenboog" in welcome  # who asks
    # the team's flow may say "anoniem"; parents and pupils read plainer words (issue 15)
    anonymity = {"barometer-team": "De antwoorden zijn anoniem."}
    assert anonymity.get(flow_id, "De school ziet niet wie wat antwoordt.") in welcome
    minutes = set(re.findall(r"(\d+) minuten", welcome))  # duration, and only one
    assert len(minutes) == 1, f"the welcome gives {sorted(minutes)} minutes"
    assert "/stop" in welcome  # how to stop
    assert flow.intro.splitlines()[0] in welcome

    questions = flow.answerable_questions
    expected: dict[str, tuple[str | None, str | None]] = {}
    for number, question in enumerate(questions, start=1):
        shown = parent.all_messages()[-1]
        assert shown["text"].startswith(f"Vraag {number} van {len(questions)}\n\n{question.text}")
        labels = button_labels(shown)
        if question.type == QuestionType.SCALE:
            assert labels[:6] == [*FACE_BUTTONS, "🤷 Weet ik niet"]
            assert ("⬅️ Vorige" in labels) == (number > 1)
            value = CYCLE[number % len(CYCLE)]
            await parent.press(FACES[value])
            expected[question.id] = (value, None)
            answered = next(
                m for m in parent.all_messages() if m["message_id"] == shown["message_id"]
            )
            assert "reply_markup" not in answered  # its buttons went,
            assert f"✅ Uw antwoord: {FACES[value]}" in answered["text"]  # the answer shows
        else:
            assert question.type == QuestionType.OPEN
            assert "Typ uw antwoord" in shown["text"]
            assert ("⏭️ Overslaan" in labels) == question.optional
            answer = f"Open antwoord op {question.id}."
            replies = await parent.text(answer)
            expected[question.id] = (None, answer)

    closing = replies[-1]["text"] if replies else parent.last_text()
    assert closing.startswith(flow.closing.split("{")[0])
    assert "{feedback_when}" not in closing and "na " in closing  # the round closes in 14 days
    assert button_labels(parent.all_messages()[-1]) == []

    rows = await bot.store.run_read(
        "SELECT question_id, value, text, skipped FROM answers WHERE round_id = ?", (opened.id,)
    )
    assert {r[0]: (r[1], r[2]) for r in rows} == expected
    assert all(r[3] == 0 for r in rows)
    respondents = await bot.store.run_read(
        "SELECT status, language, completed_at IS NOT NULL FROM respondents WHERE round_id = ?",
        (opened.id,),
    )
    assert respondents == [("completed", "nl", 1)]
    chat = await bot.store.chat(parent.chat_id)
    assert chat is not None and chat.active_respondent is not None
    state = await bot.store.session(chat.active_respondent)
    assert state is not None and state.status == "completed"


async def test_the_dialogue_with_a_topic(bot: Any, join: Callable[..., Any]) -> None:
    flow = get_flow("dialoog")
    parent, opened, replies = await join(bot, "dialoog", topic="huiswerk")
    shown = texts_of(replies)
    welcome = next(t for t in shown if t.startswith("Hallo!"))
    assert "Het thema is: Huiswerk" in welcome
    info = flow.question("uitleg").text
    assert info in shown, "the info message is shown before the first question"
    assert shown.index(info) < len(shown) - 1
    first = replies[-1]
    # version 3 (issue 15): the question about experiences names the round's topic
    assert first["text"].startswith(
        "Vraag 1 van 8\n\nHet thema is: Huiswerk en leren thuis. Wat is uw ervaring met dit thema?"
    )
    assert not {"⬅️ Vorige", "⏭️ Overslaan"} & set(button_labels(first))  # first, and mandatory

    replies = await parent.text("We voelen ons welkom.")
    assert replies[-1]["text"].startswith(
        "Vraag 2 van 8\n\nDenk aan een goed moment met de school."
    )
    replies = await parent.text("De juf belde om te zeggen dat het goed ging.")
    assert replies[-1]["text"].startswith("Vraag 3 van 8")
    voice = {
        "file_id": "AwACAgQAAxkBAAIBVoice-moeilijk",
        "file_unique_id": "v-moeilijk",
        "duration": 14,
    }
    replies = await parent.send(parent.message_update(voice=voice))
    assert replies[-1]["text"].startswith("Vraag 4 van 8")
    replies = await parent.text("Niemand vraagt ons iets.")
    assert replies[-1]["text"].startswith(
        "Vraag 5 van 8\n\nDenk weer aan het thema: Huiswerk en leren thuis. "
        "Wat hebt u nodig van de school?"
    )
    await parent.text("Een tolk op het oudercontact.")
    replies = await parent.text("Samen voor het kind.")
    assert replies[-1]["text"].startswith("Vraag 7 van 8")
    assert "⏭️ Overslaan" in button_labels(replies[-1])  # optional
    await parent.press("Overslaan")
    replies = await parent.text("Elkaar groeten aan de poort.")
    assert replies[-1]["text"].startswith("Bedankt")

    rows = await bot.store.run_read(
        "SELECT question_id, text, voice_file_id, voice_seconds, skipped, text_language FROM answers "
        "WHERE round_id = ? ORDER BY question_id",
        (opened.id,),
    )
    assert rows == [
        ("betekenis", "Samen voor het kind.", None, None, 0, "nl"),
        ("ervaring_thema", "We voelen ons welkom.", None, None, 0, "nl"),
        ("goed_moment", "De juf belde om te zeggen dat het goed ging.", None, None, 0, "nl"),
        ("misgaan", "Niemand vraagt ons iets.", None, None, 0, "nl"),
        ("moeilijk", None, "AwACAgQAAxkBAAIBVoice-moeilijk", 14, 0, None),
        ("morgen_anders", None, None, None, 1, None),
        ("nodig_thema", "Een tolk op het oudercontact.", None, None, 0, "nl"),
        ("ouders_doen", "Elkaar groeten aan de poort.", None, None, 0, "nl"),
    ]
    stored_round = await bot.store.round(opened.id)
    assert stored_round is not None and stored_round.topic == "huiswerk"
    assert await bot.store.count_respondents(opened.id) == {"completed": 1}


async def test_an_open_question_without_buttons_is_sent_without_a_keyboard(
    bot: Any, join: Callable[..., Any]
) -> None:
    """The dialogue's first question has no button at all: no empty keyboard may go out."""
    _, _, replies = await join(bot, "dialoog")
    sent = [
        params
        for method, params in bot.api.calls
        if method == "sendMessage" and str(params.get("text", "")).startswith("Vraag 1 van 8")
    ]
    assert len(sent) == 1
    markup = sent[0].get("reply_markup")
    assert markup is None or markup.get("inline_keyboard"), f"empty keyboard sent: {markup!r}"
    assert not any(texts.ERROR in t for t in texts_of(replies)), (
        "no apology after the first question"
    )
