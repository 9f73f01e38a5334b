"""Dispatch: a picked school, a dialogue button or typed text goes to the step that waits for it.

    SchoolChoice      the school a command was for: the command goes on (checked again)
    DialogueButton    a button of /ronde, /terugkoppeling or /opnemen: to that dialogue's step
    typed text        a staff dialogue's answer if one waits for it (/ronde, /terugkoppeling,
                      /uren); otherwise the parent's turn
    a voice note      a recording if /opnemen waits for one; otherwise the parent's turn

Every step checks the role AND the school again (`bot.staff.authorize`), for a button press too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.staff import Action, schools_for
from bot.store.records import Dialogue
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import (
    CloseChoice,
    DialogueButton,
    DialogueKind,
    PickFor,
    SchoolChoice,
    StatusChoice,
)
from bot.tg.deps import Deps, deps_of, guarded
from bot.tg.school import feedback, follow, hours, invites, launch, recordings
from bot.tg.school.common import Step, access_of, on_button, permitted, refuse
from bot.tg.ui import chat_id_of, reply

log = logging.getLogger(__name__)

DIALOGUE_TTL = timedelta(hours=2)  # an abandoned dialogue stops catching typed text after this
DIALOGUE_ACTIONS = {
    DialogueKind.RONDE: Action.LAUNCH,
    DialogueKind.FEEDBACK: Action.FEEDBACK,
    DialogueKind.RECORD: Action.RECORD,
    DialogueKind.HOURS: Action.HOURS,
}
BUTTON_STEPS: dict[DialogueKind, dict[str, Step]] = {
    DialogueKind.RONDE: launch.RONDE_BUTTONS,
    DialogueKind.FEEDBACK: feedback.FEEDBACK_BUTTONS,
    DialogueKind.RECORD: recordings.RECORD_BUTTONS,
    DialogueKind.HOURS: hours.HOURS_BUTTONS,
}
TEXT_STEPS: dict[DialogueKind, dict[str, Step]] = {
    DialogueKind.RONDE: launch.RONDE_TEXT,
    DialogueKind.FEEDBACK: feedback.FEEDBACK_TEXT,
    DialogueKind.HOURS: hours.HOURS_TEXT,
}


async def school_chosen(update: Update, deps: Deps, button: SchoolChoice) -> None:
    """A school was picked for a command; the command goes on (checked again)."""
    school_id = button.school_id
    match button.command:
        case PickFor.INVITE:
            await invites.show_roles(update, deps, school_id)
        case PickFor.LAUNCH:
            await launch.begin_ronde(update, deps, school_id)
        case PickFor.STATUS:
            await follow.offer_rounds(
                update, deps, Action.FOLLOW, school_id, StatusChoice, open_only=False
            )
        case PickFor.CLOSE:
            await follow.offer_rounds(
                update, deps, Action.CLOSE, school_id, CloseChoice, open_only=True
            )
        case PickFor.FEEDBACK:
            await feedback.begin_feedback(update, deps, school_id)
        case PickFor.RECORD:
            await recordings.begin_recording(update, deps, school_id)
        case PickFor.HOURS:
            await hours.show_hours(update, deps, school_id)


async def current_dialogue(update: Update, deps: Deps, kind: DialogueKind) -> Dialogue | None:
    """This chat's dialogue of `kind` if the caller may still run it (else refused)."""
    action = DIALOGUE_ACTIONS[kind]
    dialogue = await deps.store.dialogue(chat_id_of(update))
    if dialogue is None or dialogue.kind != kind:
        # A button of a dialogue that ended: staff who may run one hear so; anyone else is refused.
        if schools_for(await access_of(deps, update), action):
            await reply(update, say(staff_texts.BUTTON_OLD))
        else:
            await refuse(update, deps)
        return None
    if await permitted(deps, update, action, dialogue.data.get("school")) is None:
        return None
    return dialogue


async def dialogue_button(update: Update, deps: Deps, button: DialogueButton) -> None:
    """A button of /ronde or /terugkoppeling: the role and school are checked again first."""
    dialogue = await current_dialogue(update, deps, button.kind)
    if dialogue is None:
        return
    steps = BUTTON_STEPS[button.kind]
    if dialogue.nonce != button.nonce or button.step not in steps:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    await steps[button.step](update, deps, dialogue, button.value)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: a staff dialogue's answer if one waits for it; otherwise the parent's turn."""
    deps = deps_of(context)
    if update.effective_chat is None or update.effective_message is None:
        return
    dialogue = await deps.store.dialogue(update.effective_chat.id)
    if dialogue is None or dialogue.kind not in TEXT_STEPS:
        return
    if dialogue.step not in TEXT_STEPS[DialogueKind(dialogue.kind)]:
        return
    if dialogue.updated_at and deps.clock() - dialogue.updated_at > DIALOGUE_TTL:
        return  # an abandoned dialogue no longer catches what the person types
    await guarded(dialogue_text)(update, context)
    raise ApplicationHandlerStop


async def dialogue_text(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Hand the typed text to the step that waits for it (role and school checked again)."""
    found = await deps.store.dialogue(chat_id_of(update))
    if found is None:
        return
    dialogue = await current_dialogue(update, deps, DialogueKind(found.kind))
    if dialogue is None:
        return
    steps = TEXT_STEPS[DialogueKind(dialogue.kind)]
    text = (update.effective_message.text if update.effective_message else "") or ""
    if dialogue.step in steps:
        await steps[dialogue.step](update, deps, dialogue, text.strip())


on_school_button = on_button(SchoolChoice, school_chosen)
on_dialogue_button = on_button(DialogueButton, dialogue_button)


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice note: a recording if this chat's /opnemen waits for one; else the parent's turn."""
    deps = deps_of(context)
    if update.effective_chat is None or update.effective_message is None:
        return
    dialogue = await deps.store.dialogue(update.effective_chat.id)
    if dialogue is None or dialogue.kind != DialogueKind.RECORD:
        return
    if dialogue.step != recordings.VOICE_STEP:
        return
    if dialogue.updated_at and deps.clock() - dialogue.updated_at > DIALOGUE_TTL:
        return  # an abandoned dialogue no longer catches what the person sends
    await guarded(dialogue_voice)(update, context)
    raise ApplicationHandlerStop


async def dialogue_voice(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Hand the voice note to /opnemen (role and school checked again)."""
    dialogue = await current_dialogue(update, deps, DialogueKind.RECORD)
    if dialogue is not None:
        await recordings.take_voice(update, deps, dialogue)
