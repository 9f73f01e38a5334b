"""Staff record questions for languages without a voice (/opnemen), a second person approves
them (/opnames), and only then a Somali parent hears them (issue 15), all through the real bot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.flow_model import get_flow
from bot.i18n import flow_text, language_name, t
from bot.texts import parents as texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg import callbacks
from bot.tg.callbacks import RecordingDecision
from bot.tg.stub_api import SimulatedUser, button_labels
from tests.conftest import BotHarness
from tests.test_staff_support import (
    clock,
    invite,
    join,
    launch,
    links_in,
    make_admin,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

FLOW = get_flow("barometer-ouders")
QUESTIONS = [q.id for q in FLOW.answerable_questions]


@pytest.fixture(scope="module")
def take() -> bytes:
    """A real OGG/Opus voice note, as Telegram delivers one."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "nl", "--stdout"], input=b"Een vraag.", capture_output=True, check=True
    ).stdout
    return subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
         "-c:a", "libopus", "-b:a", "24k", "-f", "ogg", "pipe:1"],
        input=wav, capture_output=True, check=True,
    ).stdout  # fmt: skip


async def send_voice(harness: BotHarness, person: SimulatedUser, file_id: str, data: bytes):
    harness.api.files[file_id] = data
    voice = {"file_id": file_id, "file_unique_id": file_id, "duration": 3, "file_size": len(data)}
    return await person.send(person.message_update(voice=voice))


async def team_member(harness: BotHarness, admin: SimulatedUser, name: str) -> SimulatedUser:
    return await join(harness, await invite(admin, "Teamlid"), first_name=name)


async def record_first(
    harness: BotHarness, recorder: SimulatedUser, data: bytes, language: str = "so"
) -> list[dict[str, Any]]:
    replies = await recorder.command("/opnemen")
    assert say(staff_texts.RECORD_PICK_FLOW) in texts_of(replies)
    replies = await recorder.press("Barometer voor ouders")
    assert say(staff_texts.RECORD_PICK_LANGUAGE) in texts_of(replies)
    replies = await recorder.press("Somalisch" if language == "so" else "Pasjtoe")
    first = FLOW.question(QUESTIONS[0])
    shown = texts_of(replies)
    assert f"Vraag 1 van {len(QUESTIONS)}" in shown
    assert flow_text(language, FLOW.id, "q." + first.id, first.text) in shown, "what to read"
    assert first.text in shown, "and the Dutch beside it"
    return await send_voice(harness, recorder, "take-1", data)


async def test_a_recording_is_heard_only_after_a_colleague_approves_it(
    staffbot: BotHarness, take: bytes
) -> None:
    admin, _ = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    replies = await record_first(staffbot, hodan, take)
    shown = texts_of(replies)
    assert say(staff_texts.RECORD_SAVED) in shown
    assert f"Vraag 2 van {len(QUESTIONS)}" in shown, "then the next question"
    replies = await hodan.press(say(staff_texts.RECORD_STOP))
    assert say(staff_texts.RECORD_DONE, count=1) in texts_of(replies)

    audio = staffbot.deps.audio
    assert await audio.recorded_clip(FLOW, QUESTIONS[0], "so") is None, "not before approval"

    # The one who recorded cannot approve: not offered, and a (forged) button is refused.
    assert say(staff_texts.REVIEW_NONE) in texts_of(await hodan.command("/opnames"))
    [pending] = await staffbot.store.pending_recordings((await staffbot.store.schools())[0].id)
    forged = callbacks.encode(RecordingDecision(pending.id, True))
    assert say(staff_texts.REVIEW_OWN) in texts_of(await hodan.press_data(forged))
    assert await audio.recorded_clip(FLOW, QUESTIONS[0], "so") is None

    # The admin hears it and approves it.
    replies = await admin.command("/opnames")
    [voice] = [m for m in replies if "voice" in m]
    assert voice["caption"].startswith("Opname van Hodan: Barometer voor ouders, Somalisch")
    assert voice["upload"]["size"] == len(take)
    assert button_labels(voice) == [
        say(staff_texts.REVIEW_APPROVE),
        say(staff_texts.REVIEW_REJECT),
    ]
    replies = await admin.press(say(staff_texts.REVIEW_APPROVE))
    assert say(staff_texts.REVIEW_APPROVED) in texts_of(replies)
    clip = await audio.recorded_clip(FLOW, QUESTIONS[0], "so")
    assert clip is not None and Path(clip.path).read_bytes() == take
    assert say(staff_texts.REVIEW_DECIDED) in texts_of(await admin.press_data(forged))


async def test_a_rejected_recording_is_never_heard(staffbot: BotHarness, take: bytes) -> None:
    admin, _ = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    await record_first(staffbot, hodan, take, language="ps")
    colleague = await team_member(staffbot, admin, "Meester Jan")
    replies = await colleague.command("/opnames")
    assert [m for m in replies if "voice" in m], "a colleague of the same school may judge it"
    replies = await colleague.press(say(staff_texts.REVIEW_REJECT))
    assert say(staff_texts.REVIEW_REJECTED) in texts_of(replies)
    assert await staffbot.deps.audio.recorded_clip(FLOW, QUESTIONS[0], "ps") is None


async def test_a_voice_note_that_is_no_opus_is_not_stored(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    replies = await record_first(staffbot, hodan, b"RIFF....WAVEfmt not a voice note")
    assert say(staff_texts.RECORD_NOT_OPUS) in texts_of(replies)
    school = (await staffbot.store.schools())[0]
    assert await staffbot.store.pending_recordings(school.id) == []


async def test_parents_and_other_schools_cannot_record_or_approve(
    staffbot: BotHarness, take: bytes
) -> None:
    admin, _ = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    await record_first(staffbot, hodan, take)
    [pending] = await staffbot.store.pending_recordings((await staffbot.store.schools())[0].id)
    parent = staffbot.user(language_code="nl")
    refusal = texts_of(await parent.command("/opnemen"))
    assert "Opnemen" not in refusal and say(staff_texts.RECORD_PICK_FLOW) not in refusal
    other_admin, _ = await make_admin(
        staffbot, await staffbot.store.add_school("Andere", staffbot.deps.clock())
    )
    assert say(staff_texts.REVIEW_NONE) in texts_of(await other_admin.command("/opnames"))
    forged = callbacks.encode(RecordingDecision(pending.id, True))
    await other_admin.press_data(forged)
    assert await staffbot.deps.audio.recorded_clip(FLOW, QUESTIONS[0], "so") is None


async def test_a_fully_recorded_somali_flow_is_read_to_a_somali_parent(
    staffbot: BotHarness, take: bytes
) -> None:
    admin, school = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    token = links_in((await launch(admin))[0]["text"])[""]
    parent = staffbot.user(language_code="so")
    await parent.command("/start", token)
    await parent.press(language_name("so"))
    listen = f"🔊 {t('so', texts.LISTEN)}"
    assert listen not in button_labels(parent.last_with_keyboard()), "nothing recorded yet"

    await hodan.command("/opnemen")
    await hodan.press("Barometer voor ouders")
    await hodan.press("Somalisch")
    for number in range(len(QUESTIONS)):
        await send_voice(staffbot, hodan, f"take-{number}", take)
    assert len(await staffbot.store.pending_recordings(school.id)) == len(QUESTIONS)
    for _ in range(len(QUESTIONS)):
        await admin.command("/opnames")
        await admin.press(say(staff_texts.REVIEW_APPROVE))
    assert await staffbot.store.recorded_questions(FLOW.id, "so") == set(QUESTIONS)

    replies = await parent.press("🙂")  # the next question now offers 🔊
    assert listen in button_labels(parent.last_with_keyboard()), texts_of(replies)
    [voice] = [m for m in await parent.press("🔊") if "voice" in m]
    assert voice["upload"]["size"] == len(take), "the staff recording, not a synthesis"
    # `ouderstem i18n status --db` counts the approved recordings per language.
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "i18n", "status", "--json", "--db", str(staffbot.store.path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = {row["language"]: row["audio"] for row in json.loads(shown)}
    assert rows["so"]["recorded"] == len(QUESTIONS) and rows["ps"]["recorded"] == 0
    assert rows["so"]["kind"] == "none", "other flows are not recorded yet: no voice offered"
    assert rows["ti"]["kind"] == "synthetic"


async def test_recording_a_dialogue_question_that_names_its_topic_shows_no_slot(
    staffbot: BotHarness, take: bytes
) -> None:
    """A recording is made once for every round, so the question that names the round's topic
    is read with its theme: the script, the Dutch beside it and the approval caption all say
    the theme, and none shows the bare "{topic}" slot."""
    dialogue = get_flow("dialoog")
    first = dialogue.answerable_questions[0]
    assert "{topic}" in first.text, "the dialogue's first question names its topic"
    theme = next(th for th in dialogue.themes if th.id == first.theme)
    admin, _ = await make_admin(staffbot)
    hodan = await team_member(staffbot, admin, "Hodan")
    await hodan.command("/opnemen")
    await hodan.press("Dialoog met ouders")
    shown = texts_of(await hodan.press("Somalisch"))
    assert "{topic}" not in shown
    assert first.text.replace("{topic}", theme.title) in shown, "the Dutch, with its theme"
    await send_voice(staffbot, hodan, "take-topic", take)
    await hodan.press(say(staff_texts.RECORD_STOP))
    [voice] = [m for m in await admin.command("/opnames") if "voice" in m]
    assert "{topic}" not in voice["caption"]
