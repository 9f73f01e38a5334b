"""What every school-side module shares: the access check, the school picker, round labels,
the button handler factory and the dialogue's small steps."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_percent
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.errors import AccessDenied, UnknownFlow
from bot.flow_model import Flow, get_flow, topic_key
from bot.i18n import SOURCE_LANGUAGE, flow_text, t
from bot.staff import Access, Action, Grant, authorize, local_day, schools_for
from bot.store.records import Dialogue, Round
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg import callbacks
from bot.tg.callbacks import DialogueButton, DialogueKind, PickFor, SchoolChoice, as_id
from bot.tg.deps import Deps
from bot.tg.parent import language_of
from bot.tg.ui import Callback, chat_id_of, drop_buttons, final, keyboard, reply

log = logging.getLogger(__name__)

ROUNDS_IN_PICKER = 8  # the latest rounds offered by /status, /sluit, /terugkoppeling, /rapport
SCHOOLS_IN_PICKER = 24
STAFF_COMMANDS = (
    "uitnodigen",
    "ronde",
    "status",
    "sluit",
    "terugkoppeling",
    "opnemen",
    "opnames",
    "uren",
)

B = TypeVar("B")
Step = Callable[[Update, Deps, Dialogue, str], Awaitable[None]]


# ---- access ----------------------------------------------------------------------------------


async def refuse(update: Update, deps: Deps) -> None:
    """The one answer to anyone who may not: polite, in their language, revealing nothing."""
    log.info("a staff action was refused")
    chat = await deps.store.chat(chat_id_of(update))
    await reply(update, t(language_of(chat, update), school_texts.NOT_FOR_YOU))


async def access_of(deps: Deps, update: Update) -> Access:
    return await deps.store.access(chat_id_of(update))


async def permitted(
    deps: Deps, update: Update, action: Action, school_id: int | None
) -> Grant | None:
    """The role-and-school check every step runs; refuses (and returns None) when it fails."""
    try:
        return authorize(await access_of(deps, update), action, school_id)
    except AccessDenied:
        await refuse(update, deps)
        return None


DIALOGUE_TOKEN_CHARS = 8  # a staff dialogue's token in its buttons (stale buttons are refused)


async def new_dialogue(
    update: Update, deps: Deps, kind: DialogueKind, step: str, school_id: int
) -> Dialogue:
    """A fresh staff dialogue of `kind` for the caller, stored before its first buttons go."""
    access = await access_of(deps, update)
    assert access.member_id is not None  # the caller passed `permitted`
    dialogue = Dialogue(
        chat_id_of(update),
        access.member_id,
        kind.value,
        deps.tokens()[:DIALOGUE_TOKEN_CHARS],
        step,
        {"school": school_id},
    )
    await deps.store.save_dialogue(dialogue, deps.clock(), update.update_id)
    return dialogue


async def round_for(
    deps: Deps, update: Update, action: Action, round_id: int | None
) -> Round | None:
    """A round the caller may act on; a missing round is refused exactly like a forbidden one."""
    found = await deps.store.round(round_id) if round_id is not None else None
    if await permitted(deps, update, action, found.school_id if found else None) is None:
        return None
    return found


async def pick_school(
    update: Update,
    deps: Deps,
    action: Action,
    command: PickFor,
    *,
    choice: Callable[[int], callbacks.Button] | None = None,
) -> int | None:
    """The caller's only school for `action`, or None after offering a choice (or refusing).
    `choice`: the button per school (default `SchoolChoice(command, school)`), for a command
    whose button carries more than the school (/uren with hours)."""
    schools = schools_for(await access_of(deps, update), action)
    if not schools:
        await refuse(update, deps)
        return None
    if len(schools) == 1:
        return schools[0]
    names = await deps.store.school_names(schools[:SCHOOLS_IN_PICKER])
    button = choice or (lambda school: SchoolChoice(command, school))
    rows: list[list[tuple[str, callbacks.Button]]] = [
        [(names.get(s, str(s)), button(s))] for s in schools[:SCHOOLS_IN_PICKER]
    ]
    await reply(update, say(staff_texts.PICK_SCHOOL), keyboard(rows))
    return None


def arg_number(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    return as_id(context.args[0]) if context.args else None


# ---- buttons ---------------------------------------------------------------------------------


def on_button(kind: type[B], step: Callable[[Update, Deps, B], Awaitable[None]]) -> Callback:
    """The handler of one kind of staff or report button: answered at once, private chats only,
    guarded and final; data of another kind (never routed here) is refused."""

    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            return  # a button on an inline or group message: staff work in private chats only
        button = callbacks.decode(query.data)
        if not isinstance(button, kind):
            await refuse(update, deps)
            return
        await step(update, deps, button)

    run.__name__ = run.__qualname__ = getattr(step, "__name__", "on_button")
    run.__doc__ = step.__doc__
    return final(run)


@final
async def on_forged_button(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """`x|` or `rp|` data that is no button of ours (forged, garbled): the polite refusal."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    # The data is whatever the sender made up: logged with %r (one line, escaped), cut short.
    log.info("a forged staff or report button was refused: %r", (query.data or "")[:64])
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return
    await refuse(update, deps)


@final
async def on_not_private(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """A staff command in a group: these work only in a private chat."""
    await reply(update, t(language_of(None, update), school_texts.PRIVATE_ONLY))


# ---- labels ----------------------------------------------------------------------------------


def flow_name(flow_id: str) -> str:
    return say(staff_texts.FLOW_NAMES[flow_id]) if flow_id in staff_texts.FLOW_NAMES else flow_id


def topic_text(flow_id: str, topic: str | None, language: str = SOURCE_LANGUAGE) -> str | None:
    if not topic:
        return None
    try:
        flow = get_flow(flow_id)
    except UnknownFlow:
        return topic
    found = next((tp for tp in flow.topics if tp.id == topic), None)
    return flow_text(language, flow.id, topic_key(found.id), found.text) if found else topic


def round_label(round_: Round) -> str:
    """ "Barometer voor ouders · tot 15 dec": how a round is named in buttons and results."""
    name = flow_name(round_.flow_id)
    topic = topic_text(round_.flow_id, round_.topic)
    if topic:
        name = f"{name}: {topic}"
    if round_.status != "open":
        return say(staff_texts.ROUND_LABEL_CLOSED, flow=name)
    if round_.closes_at is None:
        return name
    short = babel_format_date(local_day(round_.closes_at), "d MMM", locale=SOURCE_LANGUAGE)
    return say(staff_texts.ROUND_LABEL_OPEN, flow=name, date=short)


def percent(part: int, whole: int | None) -> str:
    return format_percent(part / whole, locale=SOURCE_LANGUAGE) if whole else "–"


def dutch_language_name(code: str) -> str:
    return str(Locale.parse(SOURCE_LANGUAGE).languages.get(code, code))


# ---- the dialogues' small steps --------------------------------------------------------------


def dialogue_data(dialogue: Dialogue, step: str, value: object = "-") -> DialogueButton:
    """A button of this dialogue: its nonce makes a button of an earlier dialogue an old one."""
    return DialogueButton(DialogueKind(dialogue.kind), dialogue.nonce, step, str(value))


async def save_step(update: Update, deps: Deps, dialogue: Dialogue, step: str, **data: Any) -> None:
    dialogue.step = step
    dialogue.data.update(data)
    await deps.store.save_dialogue(dialogue, deps.clock(), update.update_id)


def flow_of(dialogue: Dialogue) -> Flow:
    return get_flow(str(dialogue.data["flow"]))


def cancel_only(dialogue: Dialogue) -> InlineKeyboardMarkup:
    return keyboard([[(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))]])


async def stop_dialogue(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Cancel: the dialogue is forgotten; nothing was written."""
    await deps.store.end_dialogue(dialogue.chat_id, deps.clock(), update.update_id)
    await drop_buttons(update)
    await reply(update, say(staff_texts.CANCELLED))
