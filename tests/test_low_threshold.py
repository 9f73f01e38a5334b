"""Literacy-adaptive repair, through the real bot: after two unusable replies, the simplest way.

A parent who cannot use the buttons (a sticker, "hmm", a number out of range) gets, at the second
unusable reply in a row, the same question again with numbered faces ("1 😞" ...), a pictogram
explanation in their language and a way out (🤷, or skip); it is read aloud where a voice speaks
their language. The bot never sends the same error text twice in a row after that, and a typed
digit, face or option number answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.audio import espeak_languages, ffmpeg_encodes_opus
from bot.flow_model import DONT_KNOW, Flow, flow_library, get_flow, question_key
from bot.i18n import FSI, PDI, RTL_LANGUAGES, catalog, flow_context, flow_text, t
from bot.texts import parents as texts
from bot.tg.stub_api import SimulatedUser, button_labels

PARENTS = get_flow("barometer-ouders")
STICKER = {"sticker": {"file_id": "st", "file_unique_id": "st", "type": "regular", "width": 512,
                       "height": 512, "is_animated": False, "is_video": False}}  # fmt: skip
FORWARDED = {
    "text": "4",
    "forward_origin": {"type": "hidden_user", "date": 1_700_000_000, "sender_user_name": "Buur"},
}
NUMBERED_FACES = ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😄"]


def speaks(language: str) -> bool:
    return language in espeak_languages() and ffmpeg_encodes_opus()


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def progress(language: str, number: int, total: int) -> str:
    return t(language, texts.PROGRESS, number=number, total=total)


async def join(bot: Any, language: str, flow_id: str = PARENTS.id) -> tuple[SimulatedUser, Any]:
    _, opened = await bot.school_and_round(flow_id)
    parent = bot.user(language_code=language)
    await parent.command("/start", opened.start_token)
    replies = await parent.press("✅")
    assert texts_of(replies)[0] == t(language, texts.LANGUAGE_SET)
    return parent, opened


async def unusable(parent: SimulatedUser, kind: str) -> list[dict[str, Any]]:
    if kind == "sticker":
        return await parent.send(parent.message_update(**STICKER))
    if kind == "forwarded":
        return await parent.send(parent.message_update(**FORWARDED))
    return await parent.text(kind)


def repair_scale_message(language: str, number: int = 1) -> str:
    question = PARENTS.answerable_questions[number - 1]
    said = flow_text(language, PARENTS.id, question_key(question.id), question.text)
    return f"{progress(language, number, 30)}\n\n{said}\n\n{t(language, texts.REPAIR_SCALE)}"


# ---- a scale question -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["tr", "ar", "so"])
async def test_two_unusable_replies_bring_numbered_faces_and_pictograms(
    bot: Any, language: str
) -> None:
    parent, _ = await join(bot, language)
    replies = await unusable(parent, "sticker")
    assert texts_of(replies) == [t(language, texts.UNSUPPORTED)]  # one kind sentence, no repair yet
    replies = await unusable(parent, "hmm")
    assert texts_of(replies) == [
        t(language, texts.REJECT_NEED_CHOICE),
        repair_scale_message(language),
    ]
    repair = replies[1]
    explanation = t(language, texts.REPAIR_SCALE)
    assert explanation != texts.REPAIR_SCALE  # in the parent's language, not Dutch
    for line in ("1 = 😞", "2 = 🙁", "3 = 😐", "4 = 🙂", "5 = 😄", "🤷"):
        assert line in explanation  # the pictograms match the numbered buttons
    labels = button_labels(repair)
    assert labels[:6] == [*NUMBERED_FACES, f"🤷 {t(language, texts.DONT_KNOW)}"]  # the way out
    assert labels[6:] == [
        "🇳🇱 NL",
        *([f"🔊 {t(language, texts.LISTEN)}"] if speaks(language) else []),
    ]
    if language in RTL_LANGUAGES:
        assert f"{FSI}1{PDI}" in repair["text"].split("\n")[0]
    # where a voice speaks the language, the question is read aloud without asking
    voices = replies[2:]
    if speaks(language):
        assert len(voices) == 1 and voices[0]["voice"]["file_id"]
        assert voices[0]["caption"] == f"🔊 {progress(language, 1, 30)}"
    else:
        assert voices == []
        assert "sendVoice" not in [method for method, _ in bot.api.calls]
    assert await bot.store.run_read("SELECT COUNT(*) FROM answers") == [(0,)]


@pytest.mark.parametrize(
    "reply,value",
    [
        ("4", "4"),
        ("🙂", "4"),
        ("🙂\ufe0f", "4"),
        (" 2 ", "2"),
        ("press:5 😄", "5"),
        ("press:🤷", DONT_KNOW),
    ],
)
async def test_after_repair_a_typed_digit_or_face_answers(bot: Any, reply: str, value: str) -> None:
    parent, opened = await join(bot, "so")  # no voice: nothing is synthesised
    await unusable(parent, "sticker")
    await unusable(parent, "sticker")
    if reply.startswith("press:"):
        replies = await parent.press(reply.removeprefix("press:"))
    else:
        replies = await parent.text(reply)
    assert replies[-1]["text"] == (
        f"{progress('so', 2, 30)}\n\n{flow_text('so', PARENTS.id, 'q.welkom_2', PARENTS.questions[1].text)}"
    )
    assert button_labels(replies[-1])[:5] == ["😞", "🙁", "😐", "🙂", "😄"]  # plain faces again
    assert await bot.store.run_read(
        "SELECT question_id, value FROM answers WHERE round_id = ?", (opened.id,)
    ) == [("welkom_1", value)]


@pytest.mark.parametrize(
    "replies",
    [
        ["sticker", "hmm", "sticker"],
        ["sticker", "hmm", "hmm"],
        ["hmm", "hmm", "hmm"],
        ["sticker", "sticker", "sticker"],
        ["forwarded", "forwarded", "forwarded"],
        ["9", "hmm", "9", "sticker", "sticker", "hmm", "sticker"],
        ["sticker"] * 6,
        ["hmm"] * 6,
    ],
)
async def test_the_bot_never_loops_the_same_error_message(bot: Any, replies: list[str]) -> None:
    language = "so"
    parent, _ = await join(bot, language)
    errors: list[str] = []
    questions: list[str] = []
    for kind in replies:
        sent = await unusable(parent, kind)
        said = [m for m in texts_of(sent) if not m.startswith(progress(language, 1, 30))]
        questions += [m for m in texts_of(sent) if m.startswith(progress(language, 1, 30))]
        assert len(said) == 1, said  # one short sentence per unusable reply, never silence
        errors.append(said[0])
    for number in range(2, len(errors)):  # from the third unusable reply on
        assert errors[number] != errors[number - 1], (number + 1, errors)
    assert questions == [
        repair_scale_message(language)
    ]  # the repair is offered once, not in a loop
    assert await bot.store.run_read("SELECT COUNT(*) FROM answers") == [(0,)]
    replies_now = await parent.text("3")
    assert replies_now[-1]["text"].startswith(progress(language, 2, 30))


async def test_a_usable_reply_starts_the_count_again(bot: Any) -> None:
    parent, _ = await join(bot, "so")
    await unusable(parent, "hmm")
    await parent.press("😐")  # question 2: a new question, a new count
    replies = await unusable(parent, "sticker")
    assert texts_of(replies) == [t("so", texts.UNSUPPORTED)]  # first of its row: no repair
    replies = await unusable(parent, "hmm")
    assert texts_of(replies)[1] == repair_scale_message("so", 2)


# ---- a choice question --------------------------------------------------------------------------

VERVOER = Flow.model_validate(
    {
        "id": "vervoer",
        "version": 1,
        "audience": "parents",
        "title": "Vervoer",
        "intro": "Eén vraag.",
        "closing": "Bedankt! {feedback_when}",
        "questions": [
            {
                "id": "hoe",
                "type": "choice",
                "text": "Hoe komt uw kind naar school?",
                "options": [
                    {"id": "bus", "text": "Met de bus"},
                    {"id": "fiets", "text": "Met de fiets"},
                    {"id": "voet", "text": "Te voet"},
                ],
            },
            {"id": "welkom", "type": "scale", "text": "U voelt zich welkom."},
        ],
    }
)
# Stand-in Somali for this flow (marked, so that no one mistakes it for a translation).
VERVOER_SO = {
    "q.hoe": "[so] Hoe komt uw kind naar school?", "q.hoe.bus": "[so] Met de bus",
    "q.hoe.fiets": "[so] Met de fiets", "q.hoe.voet": "[so] Te voet",
    "q.welkom": "[so] U voelt zich welkom.",
}  # fmt: skip


@pytest.fixture
def vervoer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    """A flow with a choice question, "translated" to Somali, for one test."""
    monkeypatch.setitem(flow_library(), VERVOER.id, VERVOER)
    for key, somali in VERVOER_SO.items():
        dutch = somali.removeprefix("[so] ")
        monkeypatch.setitem(catalog("so").messages, (flow_context(VERVOER.id, key), dutch), somali)
    yield VERVOER


@pytest.mark.parametrize(
    "answer,stored", [("2", ("fiets", 0)), ("3", ("voet", 0)), ("skip", (None, 1))]
)
async def test_a_choice_question_in_repair_takes_the_option_number(
    bot: Any, vervoer: Flow, answer: str, stored: tuple[Any, int]
) -> None:
    language = "so"  # no voice: nothing is synthesised
    parent, opened = await join(bot, language, vervoer.id)
    labels = button_labels(parent.all_messages()[-1])
    assert labels[:3] == ["[so] Met de bus", "[so] Met de fiets", "[so] Te voet"]
    replies = await unusable(parent, "hmm")
    assert texts_of(replies) == [t(language, texts.REJECT_NEED_CHOICE)]
    replies = await unusable(parent, "7")  # a number that is not an option
    assert t(language, texts.REPAIR_CHOICE) != texts.REPAIR_CHOICE
    assert texts_of(replies) == [
        t(language, texts.REJECT_NOT_AN_OPTION),
        f"{progress(language, 1, 2)}\n\n[so] Hoe komt uw kind naar school?\n\n"
        f"{t(language, texts.REPAIR_CHOICE)}",
    ]
    labels = button_labels(replies[1])
    # numbered, as the hint says; and a way out
    assert labels[:3] == ["1. [so] Met de bus", "2. [so] Met de fiets", "3. [so] Te voet"]
    assert labels[3:] == [f"⏭️ {t(language, texts.SKIP)}", "🇳🇱 NL"]
    if answer == "skip":
        replies = await parent.press("⏭️")
    else:
        replies = await parent.text(answer)
    # the flow's first scale question: the faces are explained with it (issue 15)
    legend = t(language, texts.REPAIR_SCALE)
    assert (
        replies[-1]["text"]
        == f"{progress(language, 2, 2)}\n\n[so] U voelt zich welkom.\n\n{legend}"
    )
    assert await bot.store.run_read(
        "SELECT question_id, value, skipped FROM answers WHERE round_id = ?", (opened.id,)
    ) == [("hoe", *stored)]
