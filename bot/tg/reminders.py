"""Reminders, on the parent's side: /geenherinnering, and how a reminder reads and is sent.

    /geenherinnering         a parent asks for no more reminders (feedback still comes);
                             a button turns them on again
    reminder_message(...)    a due reminder (`bot.schedule`) as an outbox message
    housekeeping(context)    the repeating job: one `RoundKeeper` pass (bot.schedule), then
                             processed update ids beyond PROCESSED_UPDATES_KEEP are pruned
                             and, after a /vergeet, PostgreSQL's dead rows vacuumed

Which reminders are due, and to whom, is the policy in `bot.schedule`; this module only words
them and hands them to the outbox.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackContext, ContextTypes

from bot.i18n import t
from bot.limits import PROCESSED_UPDATES_KEEP
from bot.schedule import Reminder
from bot.store.records import NewMessage
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import RemindersOn, RoundAction, RoundButton
from bot.tg.deps import Deps, deps_of
from bot.tg.parent import language_of
from bot.tg.ui import chat_id_of, drop_buttons, final, keyboard, link, long_date, reply

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 60  # how often rounds are closed and reminders planned
HOUSEKEEPING_JOB = "ouderstem-rounds"


@final
async def on_no_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/geenherinnering: no more reminders for this chat (feedback still comes)."""
    chat = await deps.store.save_chat(
        chat_id_of(update), deps.clock(), update_id=update.update_id, no_reminders=1
    )
    language = language_of(chat, update)
    markup = keyboard([[(t(language, school_texts.REMINDERS_ON_BUTTON), RemindersOn())]])
    await reply(update, t(language, school_texts.NO_REMINDERS), markup)


@final
async def on_reminders_on(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """The parent changed their mind: reminders again."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None or update.effective_chat.type != "private":
        return
    chat = await deps.store.save_chat(
        chat_id_of(update), deps.clock(), update_id=update.update_id, no_reminders=0
    )
    await drop_buttons(update)
    await reply(update, t(language_of(chat, update), school_texts.REMINDERS_ON))


def reminder_message(deps: Deps, reminder: Reminder) -> NewMessage:
    """A due reminder, worded: a "Verder" button for who began; the link for a team member
    who did not."""
    round_ = reminder.round
    assert round_.closes_at is not None
    if not reminder.started:
        text = say(
            staff_texts.TEAM_REMINDER,
            school=reminder.school,
            date=long_date(round_.closes_at),
            link=link(deps, round_.start_token),
        )
        return NewMessage(
            reminder.chat_id,
            "reminder",
            reminder.language,
            text,
            round_id=round_.id,
            dedupe_key=reminder.dedupe_key,
        )
    language = reminder.language
    text = t(
        language,
        school_texts.REMINDER,
        school=reminder.school,
        date=long_date(round_.closes_at, language),
    )
    resume = RoundButton(RoundAction.RESUME, round_.id)
    markup = keyboard([[(f"▶️ {t(language, texts.CONTINUE)}", resume)]])
    return NewMessage(
        reminder.chat_id,
        "reminder",
        language,
        text,
        markup=markup.to_json(),
        round_id=round_.id,
        respondent_id=reminder.respondent_id,
        dedupe_key=reminder.dedupe_key,
    )


async def housekeeping(context: CallbackContext) -> None:  # type: ignore[type-arg]
    """The repeating job: one RoundKeeper pass; a failure waits for the next one. With several
    workers only the elected leader keeps house, so each due item is done once."""
    deps = deps_of(context)
    if deps.rounds is None:
        return
    try:
        if not await deps.store.lead():
            return
        await deps.rounds.tick()
        pruned = await deps.store.prune_processed(PROCESSED_UPDATES_KEEP)
        if pruned:
            log.info("housekeeping: %d processed update ids pruned", pruned)
        if await deps.store.scrub_forgotten():  # PostgreSQL: VACUUM after a /vergeet
            log.info("housekeeping: the tables /vergeet deletes from were vacuumed")
    except Exception as exc:
        log.error("housekeeping failed: %s", type(exc).__name__)
