"""/opnemen and /opnames: staff (or an interpreter with a staff role) record the questions of a
flow in one language; a second person approves each recording before parents hear it.

Somali and Pashto have no offline synthetic voice (bot/audio.py); a recording is the only way to
read their questions aloud. The dialogue (state in `staff_dialogues`, kind "opnemen"):

    /opnemen  -> school (if several) -> flow -> language -> per question: the text to read
              -> a voice note (stored as a pending recording), or Overslaan -> ... -> Klaar
    /opnames  -> every pending recording of the caller's schools made by someone else, as a
                 voice message with Goedkeuren / Afwijzen (`RecordingDecision`)

Who: admins, team members and brugfiguren of the school (`Action.RECORD`). The approver is
always another person than the one who recorded, with a role at the same school. Approved
recordings are read by `bot.audio.AudioService.recorded_clip`, before any synthesis; the newest
approved recording of a question wins. Every step checks the role and the school again.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.audio import is_ogg_opus, script
from bot.errors import UnknownFlow
from bot.flow_model import Flow, Question, fill_topic, flow_library, get_flow, question_key
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, flow_text
from bot.staff import Action, schools_for
from bot.store.records import Dialogue, Recording
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import DialogueKind, PickFor, RecordingDecision
from bot.tg.deps import Deps
from bot.tg.school.common import (
    Step,
    access_of,
    dialogue_data,
    dutch_language_name,
    flow_name,
    new_dialogue,
    on_button,
    permitted,
    pick_school,
    save_step,
)
from bot.tg.ui import drop_buttons, final, keyboard, reply

log = logging.getLogger(__name__)

COMMANDS = ("opnemen", "opnames")
MAX_RECORDING_BYTES = 1_000_000  # a voice note of a question is ~50 kB; this is minutes of speech
REVIEWS_AT_ONCE = 5  # /opnames sends at most this many recordings; the next /opnames the rest
VOICE_STEP = "voice"


# ---- /opnemen --------------------------------------------------------------------------------


@final
async def on_record(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/opnemen: record a flow's questions in one language, one voice note per question."""
    school_id = await pick_school(update, deps, Action.RECORD, PickFor.RECORD)
    if school_id is not None:
        await begin_recording(update, deps, school_id)


async def begin_recording(update: Update, deps: Deps, school_id: int) -> None:
    """Store a fresh recording dialogue and offer the flows."""
    if await permitted(deps, update, Action.RECORD, school_id) is None:
        return
    dialogue = await new_dialogue(update, deps, DialogueKind.RECORD, "flow", school_id)
    rows = [
        [(flow_name(flow.id), dialogue_data(dialogue, "flow", flow.id))]
        for flow in sorted(flow_library().values(), key=lambda f: f.id)
    ]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(update, say(staff_texts.RECORD_PICK_FLOW), keyboard(rows))


async def flow_chosen(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A flow was picked: offer the languages (not Dutch: its questions are synthesised)."""
    try:
        flow = get_flow(value)
    except UnknownFlow:
        await stop_recording(update, deps, dialogue, value)
        return
    await drop_buttons(update)
    await save_step(update, deps, dialogue, "language", flow=flow.id)
    languages = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
    rows = [
        [(dutch_language_name(code), dialogue_data(dialogue, "language", code)) for code in pair]
        for pair in (languages[i : i + 2] for i in range(0, len(languages), 2))
    ]
    await reply(update, say(staff_texts.RECORD_PICK_LANGUAGE), keyboard(rows))


async def language_chosen(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A language was picked: the first question to record."""
    if value not in LANGUAGES or value == SOURCE_LANGUAGE:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    await drop_buttons(update)
    await save_step(update, deps, dialogue, VOICE_STEP, language=value, index=0, saved=0)
    await ask_next(update, deps, dialogue)


async def skip_question(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Overslaan: this question keeps what it has; the next one."""
    await drop_buttons(update)
    await save_step(update, deps, dialogue, VOICE_STEP, index=int(dialogue.data["index"]) + 1)
    await ask_next(update, deps, dialogue)


async def stop_recording(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Stoppen (or all questions done): what was sent stays, waiting for approval."""
    await deps.store.end_dialogue(dialogue.chat_id, deps.clock(), None)
    await drop_buttons(update)
    await reply(update, say(staff_texts.RECORD_DONE, count=int(dialogue.data.get("saved", 0))))


def _questions(dialogue: Dialogue) -> tuple[Flow, list[Any]]:
    flow = get_flow(str(dialogue.data["flow"]))
    return flow, list(flow.answerable_questions)


def _question_text(flow: Flow, question: Question, language: str) -> str:
    """The question as staff read it beside a recording: a {topic} slot filled as the recording
    fills it (made once for every round: the theme, as `bot.audio.script` reads it without one)."""

    def words(key: str, dutch: str) -> str:
        return flow_text(language, flow.id, key, dutch)

    text = flow_text(language, flow.id, question_key(question.id), question.text)
    return fill_topic(text, flow, None, question, words)


async def ask_next(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    """Show the question at `index`: what to read (as a parent would hear it), and the Dutch."""
    flow, questions = _questions(dialogue)
    index = int(dialogue.data["index"])
    if index >= len(questions):
        await stop_recording(update, deps, dialogue, "-")
        return
    question = questions[index]
    language = str(dialogue.data["language"])
    text = say(
        staff_texts.RECORD_QUESTION,
        number=index + 1,
        total=len(questions),
        language=dutch_language_name(language),
        text=script(flow, question, language).text,
        dutch=_question_text(flow, question, SOURCE_LANGUAGE),
    )
    buttons = keyboard([
        [
            (say(staff_texts.RECORD_SKIP), dialogue_data(dialogue, "skip", index)),
            (say(staff_texts.RECORD_STOP), dialogue_data(dialogue, "stop")),
        ]
    ])  # fmt: skip
    await reply(update, text, buttons)


async def take_voice(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    """A voice note for the question shown: stored as a pending recording, then the next one.
    (`bot.tg.school.dialogue.on_voice` checked the role, the school and the step.)"""
    message = update.effective_message
    if dialogue.step != VOICE_STEP or message is None or message.voice is None:
        return
    voice = message.voice
    if voice.file_size is not None and voice.file_size > MAX_RECORDING_BYTES:
        await reply(update, say(staff_texts.RECORD_TOO_BIG))
        return
    try:
        data = bytes(await (await voice.get_file()).download_as_bytearray())
    except TelegramError as exc:
        log.warning("a recording could not be fetched: %s", type(exc).__name__)
        await reply(update, say(staff_texts.RECORD_NOT_OPUS))
        return
    if len(data) > MAX_RECORDING_BYTES:
        await reply(update, say(staff_texts.RECORD_TOO_BIG))
        return
    if not is_ogg_opus(data):
        await reply(update, say(staff_texts.RECORD_NOT_OPUS))
        return
    flow, questions = _questions(dialogue)
    index = int(dialogue.data["index"])
    if index >= len(questions):
        return
    await deps.store.add_recording(
        int(dialogue.data["school"]),
        flow.id,
        str(dialogue.data["language"]),
        questions[index].id,
        dialogue.member_id,
        data,
        deps.clock(),
        update.update_id,
    )
    log.info("a recording of %s/%s waits for approval", flow.id, questions[index].id)
    dialogue.step = VOICE_STEP
    dialogue.data.update(index=index + 1, saved=int(dialogue.data.get("saved", 0)) + 1)
    await deps.store.save_dialogue(dialogue, deps.clock(), None)  # the update id is claimed
    await reply(update, say(staff_texts.RECORD_SAVED))
    await ask_next(update, deps, dialogue)


RECORD_BUTTONS: dict[str, Step] = {  # and the voice note: `take_voice`
    "flow": flow_chosen,
    "language": language_chosen,
    "skip": skip_question,
    "stop": stop_recording,
}


# ---- /opnames --------------------------------------------------------------------------------


@final
async def on_review(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/opnames: colleagues' recordings waiting for approval, each with Goedkeuren / Afwijzen."""
    access = await access_of(deps, update)
    schools = schools_for(access, Action.RECORD)
    if not schools:
        await permitted(deps, update, Action.RECORD, None)  # the polite refusal
        return
    waiting: list[Recording] = []
    for school_id in schools:
        waiting += [
            r
            for r in await deps.store.pending_recordings(school_id)
            if r.recorded_by != access.member_id
        ]
    if not waiting:
        await reply(update, say(staff_texts.REVIEW_NONE))
        return
    for recording in waiting[:REVIEWS_AT_ONCE]:
        await _offer(update, deps, recording)


async def _offer(update: Update, deps: Deps, recording: Recording) -> None:
    """One recording as a voice message, with what it should say and the two buttons."""
    found = await deps.store.recording_sound(recording.id)
    chat = update.effective_chat
    if found is None or chat is None:
        return
    try:
        flow = get_flow(recording.flow_id)
        ids = [q.id for q in flow.answerable_questions]
        number = ids.index(recording.question_id) + 1
        question = flow.question(recording.question_id)
        text = _question_text(flow, question, recording.language)
    except (UnknownFlow, KeyError, ValueError):
        return  # a flow or question that no longer exists: nothing to approve
    who = await deps.store.member_by_id(recording.recorded_by or 0)
    caption = say(
        staff_texts.REVIEW_ITEM,
        who=who.name if who is not None else "?",
        flow=flow_name(flow.id),
        language=dutch_language_name(recording.language),
        number=number,
        text=text,
    )
    buttons = keyboard([
        [
            (say(staff_texts.REVIEW_APPROVE), RecordingDecision(recording.id, True)),
            (say(staff_texts.REVIEW_REJECT), RecordingDecision(recording.id, False)),
        ]
    ])  # fmt: skip
    await chat.send_voice(voice=found, caption=caption[:1024], reply_markup=buttons)


async def decided(update: Update, deps: Deps, button: RecordingDecision) -> None:
    """Goedkeuren / Afwijzen: by another person with a role at the recording's school."""
    recording = await deps.store.recording(button.recording_id)
    school_id = recording.school_id if recording is not None else None
    if await permitted(deps, update, Action.RECORD, school_id) is None or recording is None:
        return
    access = await access_of(deps, update)
    assert access.member_id is not None
    if access.member_id == recording.recorded_by:
        await reply(update, say(staff_texts.REVIEW_OWN))
        return
    done = await deps.store.decide_recording(
        recording.id, button.approve, access.member_id, deps.clock(), update.update_id
    )
    await drop_buttons(update)
    if not done:
        await reply(update, say(staff_texts.REVIEW_DECIDED))
        return
    approved = staff_texts.REVIEW_APPROVED if button.approve else staff_texts.REVIEW_REJECTED
    await reply(update, say(approved))


on_decision_button = on_button(RecordingDecision, decided)
