"""/uren: a school's admin sees when families get reminders and feedback, and changes it.

    /uren  -> school (if several) -> the hours now: the school's own or the bot-wide ones,
              and never on Sunday; a few common choices as buttons (`HoursChoice`), the
              bot-wide hours again when the school has its own, and "Andere uren typen"
              (`HoursTyping`) -> typed hours ("07:30-19:00"), or Annuleren
    /uren 07:30-19:00
           -> school (if several: its button carries the hours, `HoursChoice`) -> saved, as
              if typed: the same parser, the same kind line for unreadable hours

Only that last button starts a dialogue (state in `staff_dialogues`, kind "uren"), so looking
at the hours neither catches what the admin types next nor ends a /ronde in progress.

Who: the school's admin (`Action.HOURS`), checked again at every step, a button press and typed
hours too. Hours are read the one way (`bot.schedule.school_waking_hours`, as `ouderstem school
set-hours` reads them) and written the one way (`store.set_waking_hours`); the outbox reads them
with every reminder and feedback message of the school (`bot.outbox`), and the messages it
already holds for the morning follow the new hours at once. Unreadable typed hours,
or an end before the start, get one kind line with an example, and nothing changes.
"""

from __future__ import annotations

import logging
from datetime import time

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.outbox import held_until
from bot.schedule import WakingHours, hours_of, school_waking_hours
from bot.staff import Action, schools_for
from bot.store.records import Dialogue
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import Button, DialogueKind, HoursChoice, HoursTyping, PickFor
from bot.tg.deps import Deps
from bot.tg.school.common import (
    Step,
    access_of,
    cancel_only,
    new_dialogue,
    on_button,
    permitted,
    pick_school,
    refuse,
    stop_dialogue,
)
from bot.tg.ui import chat_id_of, drop_buttons, final, keyboard, reply

log = logging.getLogger(__name__)

COMMAND = "uren"
# Common school days, offered as buttons; any other hours can be typed.
CHOICES = ("07:30-19:00", "08:00-18:00", "08:00-20:00")
EXAMPLE = CHOICES[0]  # shown in "type them, for example ..."
TYPE_STEP = "hours"  # the dialogue's one step: it waits for typed hours


@final
async def on_hours(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/uren: when families get reminders and feedback, and buttons to change it;
    /uren 07:30-19:00 sets the hours at once."""
    if context.args:
        await hours_given(update, deps, " ".join(context.args))
        return
    school_id = await pick_school(update, deps, Action.HOURS, PickFor.HOURS)
    if school_id is not None:
        await show_hours(update, deps, school_id)


async def hours_given(update: Update, deps: Deps, text: str) -> None:
    """/uren with hours ("/uren 07:30-19:00"): read as typed hours are; saved for the only
    school, or for the one picked (its button carries the hours). Who may not set hours gets
    the refusal before a word about the hours."""
    try:
        hours = school_waking_hours(text)
    except ValueError:
        if schools_for(await access_of(deps, update), Action.HOURS):
            await reply(update, say(staff_texts.HOURS_BAD, example=EXAMPLE))
        else:
            await refuse(update, deps)
        return
    school_id = await pick_school(
        update, deps, Action.HOURS, PickFor.HOURS, choice=lambda school: HoursChoice(school, hours)
    )
    if school_id is not None:
        await save(update, deps, school_id, hours)


async def show_hours(update: Update, deps: Deps, school_id: int) -> None:
    """The hours now and the choices."""
    if await permitted(deps, update, Action.HOURS, school_id) is None:
        return
    own = await deps.store.waking_hours(school_id)
    lines = [*await describe(deps, school_id, own), "", say(staff_texts.HOURS_CHOOSE)]
    await reply(update, "\n".join(lines), choices(deps, school_id, own))


async def hours_chosen(update: Update, deps: Deps, button: HoursChoice) -> None:
    """A choice was tapped: these hours for the school, or the bot-wide ones again."""
    if await permitted(deps, update, Action.HOURS, button.school_id) is None:
        return
    hours = None
    if button.hours is not None:
        try:
            hours = school_waking_hours(button.hours)
        except ValueError:  # the codec's format, but no hours (forged): nothing to set
            await refuse(update, deps)
            return
    await save(update, deps, button.school_id, hours)


async def ask_typed(update: Update, deps: Deps, button: HoursTyping) -> None:
    """ "Andere uren typen": a dialogue waits for the hours (or Annuleren)."""
    if await permitted(deps, update, Action.HOURS, button.school_id) is None:
        return
    dialogue = await new_dialogue(update, deps, DialogueKind.HOURS, TYPE_STEP, button.school_id)
    await drop_buttons(update)
    await reply(update, say(staff_texts.HOURS_TYPE, example=EXAMPLE), cancel_only(dialogue))


async def typed(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """Typed hours while /uren waits ("07:30-19:00"); unreadable ones get one kind line.
    (`bot.tg.school.dialogue.dialogue_text` checked the role and the school.)"""
    try:
        hours = school_waking_hours(text)
    except ValueError:
        await reply(update, say(staff_texts.HOURS_BAD, example=EXAMPLE))
        return
    await save(update, deps, int(dialogue.data["school"]), hours)


async def save(update: Update, deps: Deps, school_id: int, hours: str | None) -> None:
    """Store the school's hours (None: the bot-wide ones), end the dialogue, say what holds now."""
    if await permitted(deps, update, Action.HOURS, school_id) is None:
        return
    # The school's held reminders and feedback follow the new hours (earlier: they go earlier).
    held = held_until(hours, bot_wide(deps), deps.clock())
    if not await deps.store.set_waking_hours(school_id, hours, held_until=held):
        await refuse(update, deps)  # the school is gone
        return
    log.info("school %d set its waking hours from the chat", school_id)
    deps.wake_outbox()  # held messages may be due now
    waiting = await deps.store.dialogue(chat_id_of(update))
    if waiting is not None and waiting.kind == DialogueKind.HOURS:
        await deps.store.end_dialogue(waiting.chat_id, deps.clock(), update.update_id)
    await drop_buttons(update)
    lines = [say(staff_texts.HOURS_SAVED), *await describe(deps, school_id, hours)]
    await reply(update, "\n".join(lines))


# ---- what the admin reads -------------------------------------------------------------------


def bot_wide(deps: Deps) -> WakingHours:
    """The hours of every school without its own (OUDERSTEM_WAKING_HOURS)."""
    return WakingHours.parse(deps.settings.waking_hours)


def clock_time(moment: time) -> str:
    """ "07:30", as a school reads the hours."""
    return f"{moment:%H:%M}"


async def describe(deps: Deps, school_id: int, own: str | None) -> list[str]:
    """When families of the school get reminders and feedback, whose hours those are, and
    never on Sunday."""
    default = bot_wide(deps)
    hours = hours_of(own, default)  # the default itself when the school has none (or unreadable)
    school = (await deps.store.school_names([school_id])).get(school_id, "")
    if not hours.rest_days and (hours.start, hours.end) == (time.min, time.max):
        lines = [say(staff_texts.HOURS_ALWAYS, school=school)]  # a test bench: "always"
    else:
        start, end = clock_time(hours.start), clock_time(hours.end)
        lines = [say(staff_texts.HOURS_NOW, school=school, start=start, end=end)]
    lines.append(say(staff_texts.HOURS_DEFAULT if hours is default else staff_texts.HOURS_OWN))
    if hours.rest_days:
        lines.append(say(staff_texts.HOURS_SUNDAY))
    return lines


def choices(deps: Deps, school_id: int, own: str | None) -> InlineKeyboardMarkup:
    """The common hours not in force now (nor the bot-wide ones: their own button, shown when
    the school has its own hours)."""
    default = bot_wide(deps)
    hours = hours_of(own, default)
    rows: list[list[tuple[str, Button]]] = [
        [(say(staff_texts.HOURS_BUTTON, **labels(choice)), HoursChoice(school_id, choice))]
        for choice in CHOICES
        if choice not in (hours.text, default.text)
    ]
    if hours is not default:
        label = say(staff_texts.HOURS_BUTTON_DEFAULT, **labels(default.text))
        rows.append([(label, HoursChoice(school_id, None))])
    rows.append([(say(staff_texts.HOURS_TYPE_BUTTON), HoursTyping(school_id))])
    return keyboard(rows)


def labels(text: str) -> dict[str, str]:
    """{start, end} of hours as stored ("07:30-19:00"), for a button."""
    hours = WakingHours.parse(text)
    return {"start": clock_time(hours.start), "end": clock_time(hours.end)}


HOURS_TEXT: dict[str, Step] = {TYPE_STEP: typed}
HOURS_BUTTONS: dict[str, Step] = {"stop": stop_dialogue}

on_choice_button = on_button(HoursChoice, hours_chosen)
on_typing_button = on_button(HoursTyping, ask_typed)
