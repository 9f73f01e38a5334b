"""What a crash may have swallowed: a reply committed as owed (`session.owed_chat`) and never
confirmed is delivered again: at start-up (polling), when a worker takes the lead (`ouderstem
serve`), or after the chat's next update. Above the session, whose current question it re-sends.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import engine
from bot.engine import Status
from bot.outbox import LEAD_RETRY_SECONDS
from bot.store.records import Owed
from bot.tg import render
from bot.tg.deps import DEPS_KEY, WEBHOOK_REPLY, Deps
from bot.tg.parent.session import active_of, closing_text, render_context, settle

log = logging.getLogger(__name__)

OWED_SENDS_AT_ONCE = 8  # owed questions sent in parallel at start-up (the rate limiter paces them)


def delivered_since(update: Update, owed: Owed) -> bool:
    """The parent tapped a message the bot sent after the owed note was written: what was owed
    reached them. For a reply held in a webhook response whose note outlived it (the worker
    died between writing the response and settling it). Telegram's dates are whole seconds, so
    only a later second proves it: a message of the note's own second may be the one tapped to
    cause it, and taking it for proof would leave a parent whose reply was lost in silence. (Held
    replies used to keep their notes until such a tap, and the same second then counted.)"""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return False
    return message.date.timestamp() > int(owed.since.timestamp())


async def deliver_owed(bot: Bot, deps: Deps, owed: Owed) -> None:
    """Send again what a chat is owed: its current question (harmless if it came twice), or the
    closing of a flow just completed; then settle. Never a broadcast: those are the outbox's."""
    chat = await deps.store.chat(owed.chat_id)
    active = await active_of(deps, chat)
    if active is not None and active.respondent.id == owed.respondent_id:
        language = (chat.language if chat else None) or active.respondent.language
        ctx = await render_context(deps, language, active, chat)
        asked = engine.current(active.flow, active.state)
        if active.state.status == Status.WAITING and asked is not None:
            view = render.ask(ctx, asked, active.state.selection)
            await bot.send_message(owed.chat_id, view.text, reply_markup=view.keyboard)
        elif active.state.status == Status.COMPLETED:
            await bot.send_message(owed.chat_id, closing_text(language, active))
    await deps.store.settle_owed(owed.chat_id)


async def deliver_owed_after(update: Update, deps: Deps) -> None:
    """An update from a chat still owed a reply (its delivery at start-up failed) that its
    handler did not answer with the question: deliver it, so the parent has a question on
    screen whatever they sent."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    owed = await deps.store.owed(chat.id)
    if owed is None:
        return
    # A reply held in a webhook response got there and its worker died before settling. Only
    # where replies are held: elsewhere an owed note outlives a reply only when the reply was
    # not confirmed (issue 13).
    if WEBHOOK_REPLY.get() is not None and delivered_since(update, owed):
        await settle(deps, chat.id)
        return
    try:
        await deliver_owed(update.get_bot(), deps, owed)
    except TelegramError as exc:
        log.info("an owed question is still not delivered: %s", type(exc).__name__)


async def deliver_owed_at_start(application: Application) -> None:  # type: ignore[type-arg]
    """After a restart, before polling (or on taking the lead, `deliver_owed_when_leading`): every
    chat owed a reply gets its current question.

    Each chat is served under the turn its updates are handled in, taken in the same order as
    `ChatOrderedProcessor`: this process's chat lock (its `turns`, the one `guarded` holds) and
    then the store's `chat_turn` (its `shared_turn`, across workers); the other order could
    leave this delivery and an update of the same chat each waiting for the other's lock. Under
    it the owed note is read again, so a chat whose note was settled meanwhile (by its own
    update, a reply in a webhook answer included: `bot.web.app` settles it before the turn is
    let go; or by another worker delivering it) gets nothing twice."""
    deps: Deps = application.bot_data[DEPS_KEY]
    owed = await deps.store.all_owed()
    if not owed:
        return
    gate = asyncio.Semaphore(OWED_SENDS_AT_ONCE)
    delivered = 0

    async def one(chat_id: int) -> None:
        nonlocal delivered
        async with gate, deps.locks.hold(chat_id), deps.store.chat_turn(chat_id):
            item = await deps.store.owed(chat_id)
            if item is None:  # settled meanwhile: delivered already
                return
            try:
                await deliver_owed(application.bot, deps, item)
                delivered += 1
            except Forbidden:  # blocked the bot: nothing can reach them
                await deps.store.settle_owed(item.chat_id)
            except TelegramError as exc:
                log.warning(
                    "an owed question could not be sent (%s); it goes with the chat's next update",
                    type(exc).__name__,
                )

    await asyncio.gather(*(one(item.chat_id) for item in owed))
    log.info("after a restart: %d of %d owed questions delivered", delivered, len(owed))


async def deliver_owed_when_leading(
    application: Application,  # type: ignore[type-arg]
    every: float = LEAD_RETRY_SECONDS,
) -> None:
    """`ouderstem serve` (several workers): whenever this worker takes the lead (at once on
    SQLite, always its own leader), it delivers what is owed, as polling does at start-up; the
    others leave it to the leader. Runs until cancelled. A delivery that failed (the database
    away) is tried again at the next look."""
    deps: Deps = application.bot_data[DEPS_KEY]
    me = asyncio.current_task()
    leading = False
    while True:
        try:
            was_leading, leading = leading, await deps.store.lead()
            if leading and not was_leading:
                await deliver_owed_at_start(application)
        except Exception as exc:  # keep watching: the owed notes stay in the table
            log.error("delivering owed questions failed: %s", type(exc).__name__)
            leading = False
        if me is not None and me.cancelling():
            # Cancelled while the database was busy, and the cancellation came back as an error
            # (caught above) or not at all: stop, or the lifespan waiting for us hangs.
            raise asyncio.CancelledError
        await asyncio.sleep(every)
