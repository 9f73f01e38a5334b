"""School staff in the chat: invites, rounds, status, closing, feedback; and /geenherinnering.

Usage, in a private chat with the bot:

    /uitnodigen      an admin invites an admin, a team member or a brugfiguur (one-time link)
    /ronde           an admin launches a round, with buttons: flow, topic, groups, expected
                     numbers, closing date; gets the links, QR codes and printable invitations
    /status          admin, brugfiguur, coordinator (team members if allowed): how a round goes
    /sluit           an admin closes a round now
    /terugkoppeling  an admin tells everyone who took part what came out and what happens next
    /geenherinnering a parent asks for no more reminders

    https://t.me/<bot>?start=inv-<token>   accepts an invite (a /start hook of bot.tg.parent)

Every staff step checks the role AND the school again (`bot.staff.authorize`), for a button
press too; whoever may not gets one polite sentence that reveals nothing. Handlers sit in group
STAFF_GROUP (-1), before the parent's, handle only these commands, `x|...` buttons and the text
a staff dialogue waits for, and stop the update there (ApplicationHandlerStop).

The /ronde and /terugkoppeling dialogues keep their state in `staff_dialogues`, so a restart
halfway loses nothing:

```mermaid
stateDiagram-v2
    [*] --> flow: /ronde
    flow --> topic: dialogue
    flow --> groups: parents, pupils
    flow --> expected: team
    topic --> groups
    groups --> names: per class or grade
    groups --> expected: whole school, as last time
    names --> expected
    expected --> closes
    closes --> date: another date
    closes --> confirm
    date --> confirm
    confirm --> [*]: start (links, QR, PDF, PNG)
```

A repeating job (`RoundKeeper.tick`) closes rounds at their closing date and queues reminders in
the outbox (bot/outbox.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_percent
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import school_texts, staff_texts, texts
from bot.errors import AccessDenied, UnknownFlow
from bot.flow_model import Flow, get_flow, topic_key
from bot.i18n import SOURCE_LANGUAGE, flow_text, format_date, gettext, t
from bot.invitation import Invitation, choose_languages, invitation_pdf, invitation_png, qr_png
from bot.limits import MAX_BUTTON_LABEL_CHARS, MAX_CAPTION_CHARS, MAX_MESSAGE_CHARS
from bot.outbox import result_text
from bot.staff import (
    ACTIVE_QUIET,
    INVITE_DAYS,
    PAUSE_RESPECTED,
    Access,
    Action,
    Grant,
    InputError,
    Role,
    authorize,
    closing_moment,
    days_left,
    local_day,
    parse_day,
    parse_expected,
    parse_group_names,
    reminder_window,
    schools_for,
)
from bot.staff_texts import say
from bot.store.protocols import Store
from bot.store.records import Dialogue, GroupPlan, NewMessage, Round, RoundPlan, StatusCell
from bot.tg import callbacks
from bot.tg.app import PRIVATE, STAFF_GROUP
from bot.tg.deps import DEPS_KEY, Deps, deps_of, guarded
from bot.tg.parent import language_of

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv-"
INVITE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FLOW_CHOICES = ("barometer-ouders", "barometer-team", "barometer-leerlingen", "dialoog")
CLOSING_WEEKS = (1, 2, 3, 4)
ROUNDS_IN_PICKER = 8  # the latest rounds offered by /status, /sluit, /terugkoppeling
SCHOOLS_IN_PICKER = 24
DIALOGUE_TTL = timedelta(hours=2)  # an abandoned dialogue stops catching typed text after this
MAX_FEEDBACK_CHARS = 1200  # own text and each translation: the whole message stays < 4096
HOUSEKEEPING_SECONDS = 60  # how often rounds are closed and reminders planned
TEXT_STEPS = {"ronde": {"names", "expected", "date"}, "terug": {"text", "translation"}}
STAFF_COMMANDS = ("uitnodigen", "ronde", "status", "sluit", "terugkoppeling")

Step = Callable[[Update, Deps, Dialogue, str], Awaitable[None]]


# ---- plumbing --------------------------------------------------------------------------------


def staff_store(deps: Deps) -> Store:
    """The store (one object for every aggregate since the store split; kept for callers)."""
    return deps.store


def wake_outbox(deps: Deps) -> None:
    outbox = deps.services.get("outbox")
    if outbox is not None:
        outbox.wake()


Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def final(handler: Callable[..., Awaitable[None]]) -> Callback:
    """Guarded (chat lock, update dedupe), then stop: group 0 never sees this update."""
    inner = guarded(handler)

    @functools.wraps(handler)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await inner(update, context)
        raise ApplicationHandlerStop

    return run


def chat_id_of(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text[:MAX_MESSAGE_CHARS], reply_markup=markup)


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Buttons from (label, callback data) rows; labels are cut to what a phone shows."""

    def cut(label: str) -> str:
        return (
            label
            if len(label) <= MAX_BUTTON_LABEL_CHARS
            else label[: MAX_BUTTON_LABEL_CHARS - 1] + "…"
        )

    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(cut(label), callback_data=data) for label, data in row]
            for row in rows
        ]
    )


async def refuse(update: Update, deps: Deps) -> None:
    """The one answer to anyone who may not: polite, in their language, revealing nothing."""
    log.info("a staff action was refused")
    chat = await deps.store.chat(chat_id_of(update))
    await reply(update, t(language_of(chat, update), school_texts.NOT_FOR_YOU))


async def access_of(deps: Deps, update: Update) -> Access:
    return await staff_store(deps).access(chat_id_of(update))


async def permitted(
    deps: Deps, update: Update, action: Action, school_id: int | None
) -> Grant | None:
    """The role-and-school check every step runs; refuses (and returns None) when it fails."""
    try:
        return authorize(await access_of(deps, update), action, school_id)
    except AccessDenied:
        await refuse(update, deps)
        return None


async def round_for(
    deps: Deps, update: Update, action: Action, round_id: int | None
) -> Round | None:
    """A round the caller may act on; a missing round is refused exactly like a forbidden one."""
    found = await deps.store.round(round_id) if round_id is not None else None
    if await permitted(deps, update, action, found.school_id if found else None) is None:
        return None
    return found


async def pick_school(update: Update, deps: Deps, action: Action, command: str) -> int | None:
    """The caller's only school for `action`, or None after offering a choice (or refusing)."""
    schools = schools_for(await access_of(deps, update), action)
    if not schools:
        await refuse(update, deps)
        return None
    if len(schools) == 1:
        return schools[0]
    names = await staff_store(deps).school_names(schools[:SCHOOLS_IN_PICKER])
    rows = [
        [(names.get(s, str(s)), callbacks.encode("x", "sc", command, s))]
        for s in schools[:SCHOOLS_IN_PICKER]
    ]
    await reply(update, say(staff_texts.PICK_SCHOOL), keyboard(rows))
    return None


MAX_ID_DIGITS = 18  # an id that SQLite's 64-bit integers hold; longer ones exist nowhere


def as_id(text: str) -> int | None:
    """A database id typed or carried by a button: ASCII digits only; too long is id 0 (none)."""
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= MAX_ID_DIGITS else 0


def arg_number(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    return as_id(context.args[0]) if context.args else None


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the message that was tapped (a harmless failure if it cannot)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        log.info("edit skipped: %s", exc.message)


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


def long_date(moment: datetime, language: str = SOURCE_LANGUAGE) -> str:
    return format_date(language, local_day(moment))


def link(deps: Deps, payload: str) -> str:
    return f"https://t.me/{deps.settings.bot_username}?start={payload}"


def percent(part: int, whole: int | None) -> str:
    return format_percent(part / whole, locale=SOURCE_LANGUAGE) if whole else "–"


def dutch_language_name(code: str) -> str:
    return str(Locale.parse(SOURCE_LANGUAGE).languages.get(code, code))


# ---- invites ---------------------------------------------------------------------------------


@final
async def on_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/uitnodigen: choose the school (if several), then the role."""
    school_id = await pick_school(update, deps, Action.INVITE, "inv")
    if school_id is not None:
        await show_roles(update, deps, school_id)


async def show_roles(update: Update, deps: Deps, school_id: int) -> None:
    """The roles an admin may hand out, as buttons."""
    if await permitted(deps, update, Action.INVITE, school_id) is None:
        return
    names = await staff_store(deps).school_names([school_id])
    rows = [
        [(say(label), callbacks.encode("x", "iv", school_id, key))]
        for key, label in staff_texts.ROLE_BUTTONS.items()
    ]
    await reply(
        update, say(staff_texts.INVITE_PICK_ROLE, school=names.get(school_id, "")), keyboard(rows)
    )


async def make_invite(update: Update, deps: Deps, school_id: int, role_key: str) -> None:
    """A role was chosen: store a one-time invite, show its link once."""
    if role_key not in staff_texts.ROLE_BUTTONS:
        await refuse(update, deps)
        return
    if await permitted(deps, update, Action.INVITE, school_id) is None:
        return
    access = await access_of(deps, update)
    role = Role(role_key.rstrip("+"))
    grant = Grant(role, school_id=school_id, reports=role_key.endswith("+"))
    now, token = deps.clock(), deps.tokens()
    expires = now + timedelta(days=INVITE_DAYS)
    await staff_store(deps).create_invite(
        token,
        grant,
        created_by=access.member_id,
        at=now,
        expires_at=expires,
        update_id=update.update_id,
    )
    log.info("an invite was made")
    await drop_buttons(update)
    role_name = say(staff_texts.ROLE_NAMES[role.value])
    text = say(
        staff_texts.INVITE_READY,
        role=role_name,
        link=link(deps, INVITE_PREFIX + token),
        date=long_date(expires),
    )
    await reply(update, text)


async def on_invite_link(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps, payload: str
) -> None:
    """/start inv-<token> (a start hook, already under the chat's guard): accept the invite."""
    token = payload[len(INVITE_PREFIX) :]
    user = update.effective_user
    accepted = None
    if INVITE_TOKEN.match(token):
        accepted = await staff_store(deps).accept_invite(
            token,
            chat_id=chat_id_of(update),
            name=(user.first_name if user else "")[:64],
            at=deps.clock(),
            update_id=update.update_id,
        )
    if accepted is None:
        log.info("an invite link was refused")
        await reply(update, say(staff_texts.INVITE_INVALID))
        return
    log.info("an invite was accepted")
    await welcome(update, deps, accepted.grant)


async def welcome(update: Update, deps: Deps, grant: Grant) -> None:
    """Say what the new role is and what it can do; a team member gets open team rounds."""
    store = staff_store(deps)
    if grant.school_id is not None:
        place = (await store.school_names([grant.school_id])).get(grant.school_id, "")
    else:
        place = next((name for cid, name, _ in await store.centres() if cid == grant.centre_id), "")
    lines = [
        say(staff_texts.WELCOME, role=say(staff_texts.ROLE_NAMES[grant.role.value]), place=place),
        "",
    ]
    if grant.role == Role.ADMIN:
        lines.append(say(staff_texts.WHAT_ADMIN))
    elif grant.role == Role.TEAM:
        lines.append(say(staff_texts.WHAT_TEAM))
    if Action.FOLLOW in grant.actions and grant.role != Role.ADMIN:
        lines.append(say(staff_texts.WHAT_FOLLOW))
    if Action.ANSWER_TEAM in grant.actions and grant.school_id is not None:
        now = deps.clock()
        for round_ in await deps.store.rounds(grant.school_id):
            if round_.audience == "team" and round_.is_open(now) and round_.closes_at is not None:
                lines += [
                    "",
                    say(
                        staff_texts.OPEN_TEAM_ROUND,
                        date=long_date(round_.closes_at),
                        link=link(deps, round_.start_token),
                    ),
                ]
    await reply(update, "\n".join(lines))


# ---- /ronde ----------------------------------------------------------------------------------


@final
async def on_ronde(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/ronde: begin the launch dialogue (after choosing the school, if several)."""
    school_id = await pick_school(update, deps, Action.LAUNCH, "ron")
    if school_id is not None:
        await begin_ronde(update, deps, school_id)


async def begin_ronde(update: Update, deps: Deps, school_id: int) -> None:
    """Store a fresh dialogue and ask which flow."""
    if await permitted(deps, update, Action.LAUNCH, school_id) is None:
        return
    access = await access_of(deps, update)
    assert access.member_id is not None
    dialogue = Dialogue(
        chat_id_of(update),
        access.member_id,
        "ronde",
        deps.tokens()[:8],
        "flow",
        {"school": school_id},
    )
    await staff_store(deps).save_dialogue(dialogue, deps.clock(), update.update_id)
    names = await staff_store(deps).school_names([school_id])
    rows = [[(flow_name(f), dialogue_data(dialogue, "flow", f))] for f in FLOW_CHOICES]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(
        update, say(staff_texts.RONDE_FLOW, school=names.get(school_id, "")), keyboard(rows)
    )


def dialogue_data(dialogue: Dialogue, step: str, value: object = "-") -> str:
    kind = "r" if dialogue.kind == "ronde" else "f"
    return callbacks.encode("x", kind, dialogue.nonce, step, value)


async def save_step(update: Update, deps: Deps, dialogue: Dialogue, step: str, **data: Any) -> None:
    dialogue.step = step
    dialogue.data.update(data)
    await staff_store(deps).save_dialogue(dialogue, deps.clock(), update.update_id)


def flow_of(dialogue: Dialogue) -> Flow:
    return get_flow(str(dialogue.data["flow"]))


async def ronde_flow(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A flow was chosen: a topic next (dialogue), groups (parents, pupils) or the number (team)."""
    if value not in FLOW_CHOICES:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    flow = get_flow(value)
    if flow.topics:
        await save_step(update, deps, dialogue, "topic", flow=value)
        rows = [
            [(topic_text(flow.id, tp.id) or tp.id, dialogue_data(dialogue, "topic", tp.id))]
            for tp in flow.topics
        ]
        rows.append([(say(staff_texts.NO_TOPIC), dialogue_data(dialogue, "topic", "-"))])
        await reply(update, say(staff_texts.RONDE_TOPIC), keyboard(rows))
    elif flow.audience.value == "team":
        await save_step(update, deps, dialogue, "expected", flow=value, groups=[])
        await ask_expected(update, deps, dialogue)
    else:
        await save_step(update, deps, dialogue, "groups", flow=value)
        await ask_groups(update, deps, dialogue)


async def ronde_topic(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A topic (or none) was chosen for a dialogue round."""
    topics = {tp.id for tp in flow_of(dialogue).topics}
    if value != "-" and value not in topics:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    await save_step(update, deps, dialogue, "groups", topic=None if value == "-" else value)
    await ask_groups(update, deps, dialogue)


async def ask_groups(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    previous = await staff_store(deps).previous_groups(int(dialogue.data["school"]))
    rows = [
        [(say(staff_texts.GROUPS_ALL), dialogue_data(dialogue, "groups", "all"))],
        [(say(staff_texts.GROUPS_TYPE), dialogue_data(dialogue, "groups", "type"))],
    ]
    if previous:
        names = ", ".join(name for name, _ in previous)
        rows.append(
            [
                (
                    say(staff_texts.GROUPS_PREVIOUS, groups=names),
                    dialogue_data(dialogue, "groups", "prev"),
                )
            ]
        )
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(update, say(staff_texts.RONDE_GROUPS), keyboard(rows))


async def ronde_groups(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Whole school, type the groups, or the groups of last time."""
    if value == "type":
        await save_step(update, deps, dialogue, "names")
        await reply(update, say(staff_texts.RONDE_GROUP_NAMES), cancel_only(dialogue))
        return
    groups: list[str] = []
    if value == "prev":
        groups = [
            name
            for name, _ in await staff_store(deps).previous_groups(int(dialogue.data["school"]))
        ]
    await save_step(update, deps, dialogue, "expected", groups=groups)
    await ask_expected(update, deps, dialogue)


def cancel_only(dialogue: Dialogue) -> InlineKeyboardMarkup:
    return keyboard([[(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))]])


async def ronde_names(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """Typed group names."""
    try:
        groups = parse_group_names(text)
    except InputError as exc:
        await reply(update, say(staff_texts.INPUT_ERRORS[exc.reason]), cancel_only(dialogue))
        return
    await save_step(update, deps, dialogue, "expected", groups=groups)
    await ask_expected(update, deps, dialogue)


async def ask_expected(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    groups = dialogue.data.get("groups") or []
    if groups:
        question = say(staff_texts.RONDE_EXPECTED_GROUPS, groups=", ".join(groups))
    else:
        question = say(staff_texts.RONDE_EXPECTED[flow_of(dialogue).audience.value])
    rows = [
        [(say(staff_texts.SKIP_EXPECTED), dialogue_data(dialogue, "expected", "skip"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    await reply(update, question, keyboard(rows))


async def ronde_expected(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """Typed expected numbers (one, or one per group); the button skips them."""
    expected: list[int] | None = None
    if text != "skip":
        try:
            expected = parse_expected(text, max(1, len(dialogue.data.get("groups") or [])))
        except InputError as exc:
            await reply(update, say(staff_texts.INPUT_ERRORS[exc.reason]), cancel_only(dialogue))
            return
    await save_step(update, deps, dialogue, "closes", expected=expected)
    await ask_closes(update, deps, dialogue)


async def ask_closes(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    today = local_day(deps.clock())
    rows = []
    for weeks in CLOSING_WEEKS:
        day = today + timedelta(weeks=weeks)
        label = say(
            staff_texts.CLOSES_WEEKS, weeks=weeks, date=babel_format_date(day, "d MMM", locale="nl")
        )
        rows.append([(label, dialogue_data(dialogue, "closes", weeks))])
    rows.append([(say(staff_texts.CLOSES_TYPE), dialogue_data(dialogue, "closes", "type"))])
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(update, say(staff_texts.RONDE_CLOSES), keyboard(rows))


async def ronde_closes(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A number of weeks, or "type a date"."""
    if value == "type":
        await save_step(update, deps, dialogue, "date")
        example = local_day(deps.clock()) + timedelta(weeks=2)
        await reply(
            update,
            say(staff_texts.RONDE_CLOSES_TYPE, example=example.strftime("%d-%m-%Y")),
            cancel_only(dialogue),
        )
        return
    if as_id(value) not in CLOSING_WEEKS:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    day = local_day(deps.clock()) + timedelta(weeks=int(value))
    await save_step(update, deps, dialogue, "confirm", closes=day.isoformat())
    await ask_confirm(update, deps, dialogue)


async def ronde_date(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """A typed closing date."""
    try:
        day = parse_day(text, local_day(deps.clock()))
    except InputError as exc:
        await reply(update, say(staff_texts.INPUT_ERRORS[exc.reason]), cancel_only(dialogue))
        return
    await save_step(update, deps, dialogue, "confirm", closes=day.isoformat())
    await ask_confirm(update, deps, dialogue)


def expected_summary(dialogue: Dialogue) -> str:
    expected = dialogue.data.get("expected")
    groups = dialogue.data.get("groups") or []
    if not expected:
        return say(staff_texts.UNKNOWN_VALUE)
    if groups:
        return ", ".join(f"{g} {n}" for g, n in zip(groups, expected, strict=True))
    return str(expected[0])


async def ask_confirm(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    data = dialogue.data
    lines = [say(staff_texts.SUMMARY_FLOW, flow=flow_name(data["flow"]))]
    if topic := topic_text(data["flow"], data.get("topic")):
        lines.append(say(staff_texts.SUMMARY_TOPIC, topic=topic))
    groups = ", ".join(data.get("groups") or []) or say(staff_texts.WHOLE_SCHOOL)
    lines += [
        say(staff_texts.SUMMARY_GROUPS, groups=groups),
        say(staff_texts.SUMMARY_EXPECTED, expected=expected_summary(dialogue)),
        say(staff_texts.SUMMARY_CLOSES, date=format_date("nl", date.fromisoformat(data["closes"]))),
    ]
    rows = [
        [(f"✅ {say(staff_texts.START)}", dialogue_data(dialogue, "go"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    await reply(update, say(staff_texts.RONDE_CONFIRM, summary="\n".join(lines)), keyboard(rows))


async def ronde_go(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Write the round and its groups in one transaction, then send links, QR codes, invitations."""
    if dialogue.step != "confirm":
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    data = dialogue.data
    flow = get_flow(data["flow"])
    groups = data.get("groups") or []
    expected = data.get("expected") or []
    closes_at = closing_moment(date.fromisoformat(data["closes"]))
    plan = RoundPlan(
        school_id=int(data["school"]),
        flow_id=flow.id,
        flow_version=flow.version,
        audience=flow.audience.value,
        topic=data.get("topic"),
        token=deps.tokens(),
        closes_at=closes_at,
        expected=sum(expected) if expected else None,
        groups=tuple(
            GroupPlan(name, deps.tokens(), expected[i] if expected else None)
            for i, name in enumerate(groups)
        ),
    )
    now = deps.clock()
    round_id = await staff_store(deps).launch_round(
        plan, chat_id=dialogue.chat_id, at=now, update_id=update.update_id
    )
    log.info("round %d launched from the chat", round_id)
    await drop_buttons(update)
    if plan.audience == "team":
        await team_launched(update, deps, plan, round_id)
    else:
        await send_invitations(update, deps, plan)


async def send_invitations(update: Update, deps: Deps, plan: RoundPlan) -> None:
    """The links as text, then per link its QR code, one PDF with a page per link, the PNGs."""
    school = (await staff_store(deps).school_names([plan.school_id])).get(plan.school_id, "")
    links = (
        [(None, link(deps, plan.token))]
        if not plan.groups
        else [(g.name, link(deps, g.token)) for g in plan.groups]
    )
    listing = "\n".join(f"{name}: {url}" if name else url for name, url in links)
    await reply(
        update, say(staff_texts.RONDE_STARTED, date=long_date(plan.closes_at), links=listing)
    )
    languages = choose_languages(
        await staff_store(deps).language_counts(plan.school_id), plan.audience
    )
    pages = [
        Invitation(school, url, local_day(plan.closes_at), plan.audience, name, languages)
        for name, url in links
    ]
    chat = update.effective_chat
    assert chat is not None
    for page in pages:
        caption = f"{page.group}: {page.url}" if page.group else page.url
        await chat.send_photo(
            qr_png(page.url), caption=caption[:MAX_CAPTION_CHARS], filename="qr.png"
        )
    pdf = await asyncio.to_thread(invitation_pdf, pages)
    await chat.send_document(pdf, filename="uitnodiging.pdf")
    for index, page in enumerate(pages, start=1):
        png = await asyncio.to_thread(invitation_png, page)
        suffix = f"-{index}" if len(pages) > 1 else ""
        await chat.send_document(
            png, filename=f"uitnodiging{suffix}.png", caption=page.group or None
        )


async def team_launched(update: Update, deps: Deps, plan: RoundPlan, round_id: int) -> None:
    """A team round: the staff link and its QR code here; the team gets it through the outbox."""
    store = staff_store(deps)
    school = (await store.school_names([plan.school_id])).get(plan.school_id, "")
    url = link(deps, plan.token)
    when = long_date(plan.closes_at)
    others = [c for c in await store.team_chats(plan.school_id) if c != chat_id_of(update)]
    text = say(staff_texts.TEAM_LINK, school=school, date=when, link=url)
    messages = [
        NewMessage(
            c, "team_link", "nl", text, round_id=round_id, dedupe_key=f"team_link:{round_id}:{c}"
        )
        for c in others
    ]
    if messages:
        await store.enqueue(messages, at=deps.clock())
        wake_outbox(deps)
    await reply(update, say(staff_texts.TEAM_STARTED, date=when, link=url, count=len(others)))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(qr_png(url), caption=url, filename="qr.png")
    page = Invitation(school, url, local_day(plan.closes_at), "team")
    await chat.send_document(
        await asyncio.to_thread(invitation_pdf, [page]), filename="teambevraging.pdf"
    )


async def stop_dialogue(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Cancel: the dialogue is forgotten; nothing was written."""
    await staff_store(deps).end_dialogue(dialogue.chat_id, deps.clock(), update.update_id)
    await drop_buttons(update)
    await reply(update, say(staff_texts.CANCELLED))


RONDE_BUTTONS: dict[str, Step] = {
    "flow": ronde_flow,
    "topic": ronde_topic,
    "groups": ronde_groups,
    "expected": ronde_expected,
    "closes": ronde_closes,
    "go": ronde_go,
    "stop": stop_dialogue,
}
RONDE_TEXT: dict[str, Step] = {"names": ronde_names, "expected": ronde_expected, "date": ronde_date}


# ---- /status ---------------------------------------------------------------------------------


@final
async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/status [round]: how a round goes; without a number, choose the round."""
    if (number := arg_number(context)) is not None:
        await show_status(update, deps, number)
        return
    school_id = await pick_school(update, deps, Action.FOLLOW, "sta")
    if school_id is not None:
        await offer_rounds(update, deps, Action.FOLLOW, school_id, "st", open_only=False)


async def offer_rounds(
    update: Update, deps: Deps, action: Action, school_id: int, kind: str, *, open_only: bool
) -> None:
    """The school's latest rounds as buttons `x|<kind>|<round>`."""
    if await permitted(deps, update, action, school_id) is None:
        return
    rounds = [
        r
        for r in reversed(await deps.store.rounds(school_id))
        if r.status == "open" or not open_only
    ]
    if not rounds:
        await reply(update, say(staff_texts.NO_OPEN_ROUNDS if open_only else staff_texts.NO_ROUNDS))
        return
    rows = [
        [(round_label(r), callbacks.encode("x", kind, r.id))] for r in rounds[:ROUNDS_IN_PICKER]
    ]
    await reply(update, say(staff_texts.PICK_ROUND), keyboard(rows))


async def show_status(update: Update, deps: Deps, round_id: int) -> None:
    """Responses per group and per language, completion, response rate, days left."""
    round_ = await round_for(deps, update, Action.FOLLOW, round_id)
    if round_ is None:
        return
    store = staff_store(deps)
    school = (await store.school_names([round_.school_id])).get(round_.school_id, "")
    cells = await store.status_cells(round_.id)
    groups = await deps.store.round_groups(round_.id)
    await reply(
        update,
        status_text(round_, school, cells, groups, deps.clock(), deps.settings.min_group_closed),
    )


def status_text(
    round_: Round,
    school: str,
    cells: list[StatusCell],
    groups: list[Any],
    now: datetime,
    minimum: int,
) -> str:
    """The /status message. Groups and languages under `minimum` show no numbers."""
    started = sum(c.count for c in cells)
    completed = sum(c.count for c in cells if c.status == "completed")
    lines = [say(staff_texts.STATUS_HEAD, flow=round_label(round_).split(" · ")[0], school=school)]
    if round_.status != "open":
        lines.append(say(staff_texts.STATUS_CLOSED, date=long_date(round_.closed_at or now)))
    elif round_.closes_at is not None:
        left = days_left(now, round_.closes_at)
        lines.append(
            say(staff_texts.STATUS_OPEN, date=long_date(round_.closes_at), days=left)
            if left
            else say(staff_texts.STATUS_LAST_DAY)
        )
    lines.append(
        say(
            staff_texts.STATUS_TOTAL,
            started=started,
            completed=completed,
            rate=percent(completed, started),
        )
    )
    if round_.expected:
        lines.append(
            say(
                staff_texts.STATUS_RESPONSE,
                expected=round_.expected,
                rate=percent(completed, round_.expected),
            )
        )
    hidden = False

    def cell(name: str, key: Callable[[StatusCell], bool], expected: int | None = None) -> str:
        nonlocal hidden
        n = sum(c.count for c in cells if key(c))
        done = sum(c.count for c in cells if key(c) and c.status == "completed")
        if n < minimum:
            hidden = True
            return "• " + say(staff_texts.STATUS_SMALL, name=name, minimum=minimum)
        if expected:
            return "• " + say(
                staff_texts.STATUS_CELL_EXPECTED,
                name=name,
                started=n,
                completed=done,
                expected=expected,
                rate=percent(done, expected),
            )
        return "• " + say(staff_texts.STATUS_CELL, name=name, started=n, completed=done)

    if groups:
        lines += ["", say(staff_texts.STATUS_BY_GROUP)]
        lines += [cell(g.name, in_group(g.id), g.expected) for g in groups]
        if any(c.group_id is None for c in cells):
            lines.append(cell(say(staff_texts.NO_GROUP), in_group(None)))
    sizes = Counter[str]()
    for c in cells:
        sizes[c.language] += c.count
    if sizes:
        shown = sorted(
            (lang for lang in sizes if sizes[lang] >= minimum),
            key=lambda lang: (-sizes[lang], lang),
        )
        small = sorted(lang for lang in sizes if sizes[lang] < minimum)  # no order by size: no hint
        lines += ["", say(staff_texts.STATUS_BY_LANGUAGE)]
        lines += [cell(dutch_language_name(lang), in_language(lang)) for lang in shown + small]
    if hidden:
        lines += ["", say(staff_texts.STATUS_PRIVACY, minimum=minimum)]
    return "\n".join(lines)


def in_group(group_id: int | None) -> Callable[[StatusCell], bool]:
    return lambda cell: cell.group_id == group_id


def in_language(language: str) -> Callable[[StatusCell], bool]:
    return lambda cell: cell.language == language


# ---- /sluit ----------------------------------------------------------------------------------


@final
async def on_close(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/sluit [round]: choose an open round, confirm, close."""
    if (number := arg_number(context)) is not None:
        await confirm_close(update, deps, number)
        return
    school_id = await pick_school(update, deps, Action.CLOSE, "slu")
    if school_id is not None:
        await offer_rounds(update, deps, Action.CLOSE, school_id, "sl", open_only=True)


async def confirm_close(update: Update, deps: Deps, round_id: int) -> None:
    """Ask before closing: nobody can answer afterwards."""
    round_ = await round_for(deps, update, Action.CLOSE, round_id)
    if round_ is None:
        return
    if round_.status != "open":
        await reply(update, say(staff_texts.SLUIT_ALREADY))
        return
    rows = [
        [
            (say(staff_texts.SLUIT_YES), callbacks.encode("x", "sly", round_.id)),
            (say(staff_texts.SLUIT_NO), callbacks.encode("x", "sln", round_.id)),
        ]
    ]
    await reply(update, say(staff_texts.SLUIT_CONFIRM, label=round_label(round_)), keyboard(rows))


async def close_now(update: Update, deps: Deps, round_id: int) -> None:
    """Close the round; say how many took part."""
    round_ = await round_for(deps, update, Action.CLOSE, round_id)
    if round_ is None:
        return
    await drop_buttons(update)
    if not await deps.store.close_round(round_.id, deps.clock()):
        await reply(update, say(staff_texts.SLUIT_ALREADY))
        return
    log.info("round %d closed from the chat", round_.id)
    counts = await deps.store.count_respondents(round_.id)
    started, completed = sum(counts.values()), counts.get("completed", 0)
    await reply(update, say(staff_texts.SLUIT_DONE, started=started, completed=completed))


# ---- /terugkoppeling -------------------------------------------------------------------------


@final
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/terugkoppeling: choose the round, write, add sentences or translations, send."""
    school_id = await pick_school(update, deps, Action.FEEDBACK, "ter")
    if school_id is not None:
        await begin_feedback(update, deps, school_id)


async def begin_feedback(update: Update, deps: Deps, school_id: int) -> None:
    """Store a fresh feedback dialogue and offer the school's rounds."""
    if await permitted(deps, update, Action.FEEDBACK, school_id) is None:
        return
    rounds = list(reversed(await deps.store.rounds(school_id)))[:ROUNDS_IN_PICKER]
    if not rounds:
        await reply(update, say(staff_texts.NO_ROUNDS))
        return
    access = await access_of(deps, update)
    assert access.member_id is not None
    dialogue = Dialogue(
        chat_id_of(update),
        access.member_id,
        "terug",
        deps.tokens()[:8],
        "round",
        {"school": school_id},
    )
    await staff_store(deps).save_dialogue(dialogue, deps.clock(), update.update_id)
    rows = [[(round_label(r), dialogue_data(dialogue, "round", r.id))] for r in rounds]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(update, say(staff_texts.FEEDBACK_PICK_ROUND), keyboard(rows))


async def feedback_round(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A round was chosen: is there anyone to tell? Then ask for the text."""
    round_id = as_id(value)
    round_ = await deps.store.round(round_id) if round_id is not None else None
    if round_ is None or round_.school_id != dialogue.data["school"]:
        await refuse(update, deps)
        return
    if not await staff_store(deps).participants(round_.id):
        await staff_store(deps).end_dialogue(dialogue.chat_id, deps.clock(), update.update_id)
        await reply(update, say(staff_texts.FEEDBACK_NOBODY))
        return
    await save_step(
        update, deps, dialogue, "text", round=round_.id, text="", sentences=[], translations={}
    )
    rows = [
        [(say(staff_texts.ADD_SENTENCES), dialogue_data(dialogue, "sent"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    await reply(update, say(staff_texts.FEEDBACK_WRITE), keyboard(rows))


async def feedback_text(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """The school's own words (Dutch)."""
    if len(text) > MAX_FEEDBACK_CHARS:
        await reply(
            update,
            say(staff_texts.FEEDBACK_TOO_LONG, limit=MAX_FEEDBACK_CHARS),
            cancel_only(dialogue),
        )
        return
    await save_step(update, deps, dialogue, "menu", text=text.strip())
    await feedback_menu(update, deps, dialogue)


async def feedback_menu(update: Update, deps: Deps, dialogue: Dialogue, value: str = "-") -> None:
    """The preview (as a Dutch-speaking parent sees it) and what can be added."""
    if dialogue.step != "menu":
        await save_step(update, deps, dialogue, "menu")
    school = (await staff_store(deps).school_names([dialogue.data["school"]])).get(
        dialogue.data["school"], ""
    )
    recipients = await staff_store(deps).participants(int(dialogue.data["round"]))
    translations = dialogue.data.get("translations") or {}
    listed = ", ".join(dutch_language_name(lang) for lang in translations) or say(
        staff_texts.FEEDBACK_NO_TRANSLATIONS
    )
    preview = compose_feedback(SOURCE_LANGUAGE, school, dialogue.data)
    rows = [
        [(say(staff_texts.ADD_SENTENCES), dialogue_data(dialogue, "sent"))],
        [(say(staff_texts.ADD_TRANSLATION), dialogue_data(dialogue, "tr"))],
        [(f"📨 {say(staff_texts.SEND)}", dialogue_data(dialogue, "send"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    text = say(
        staff_texts.FEEDBACK_MENU, preview=preview, count=len(recipients), translations=listed
    )
    await reply(update, text, keyboard(rows))


def sentence_themes(dialogue: Dialogue, round_: Round | None) -> list[str]:
    """The standard sentences that fit the round's flow (by its themes)."""
    try:
        themes = {th.id for th in get_flow(round_.flow_id).themes} if round_ else set()
    except UnknownFlow:
        themes = set()
    return [theme for theme in school_texts.SENTENCES if theme in themes]


async def feedback_sentences(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Show the standard sentences as toggles."""
    await save_step(update, deps, dialogue, "sentences")
    text, markup = await sentence_menu(deps, dialogue)
    await reply(update, text, markup)


async def sentence_menu(deps: Deps, dialogue: Dialogue) -> tuple[str, InlineKeyboardMarkup]:
    round_ = await deps.store.round(int(dialogue.data["round"]))
    chosen = set(dialogue.data.get("sentences") or [])
    themes = sentence_themes(dialogue, round_)
    lines = [say(staff_texts.FEEDBACK_SENTENCES), ""]
    rows = []
    for number, theme in enumerate(themes, start=1):
        mark = "☑️" if theme in chosen else "⬜"
        lines.append(f"{number}. {school_texts.SENTENCES[theme]}")
        rows.append([(f"{mark} {number}", dialogue_data(dialogue, "tog", theme))])
    rows.append([(f"✅ {say(staff_texts.DONE)}", dialogue_data(dialogue, "menu"))])
    return "\n".join(lines), keyboard(rows)


async def feedback_toggle(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Add or remove one standard sentence; redraw the toggles."""
    chosen = list(dialogue.data.get("sentences") or [])
    if value not in school_texts.SENTENCES:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    chosen = [s for s in chosen if s != value] if value in chosen else [*chosen, value]
    await save_step(update, deps, dialogue, "sentences", sentences=chosen)
    _, markup = await sentence_menu(deps, dialogue)
    query = update.callback_query
    try:
        if query is not None:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        log.info("edit skipped: %s", exc.message)


async def feedback_languages(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Which language the school has a translation for (the participants' languages)."""
    recipients = await staff_store(deps).participants(int(dialogue.data["round"]))
    languages = sorted({r.language for r in recipients} - {SOURCE_LANGUAGE})
    if not languages:
        await feedback_menu(update, deps, dialogue)
        return
    await save_step(update, deps, dialogue, "lang")
    rows = [
        [(dutch_language_name(lang), dialogue_data(dialogue, "lang", lang))] for lang in languages
    ]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "menu"))])
    await reply(update, say(staff_texts.FEEDBACK_PICK_LANGUAGE), keyboard(rows))


async def feedback_language(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A language was chosen: wait for its translation."""
    await save_step(update, deps, dialogue, "translation", lang=value)
    await reply(
        update,
        say(staff_texts.FEEDBACK_TYPE_TRANSLATION, language=dutch_language_name(value)),
        cancel_only(dialogue),
    )


async def feedback_translation(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """A typed translation of the school's text."""
    if len(text) > MAX_FEEDBACK_CHARS:
        await reply(
            update,
            say(staff_texts.FEEDBACK_TOO_LONG, limit=MAX_FEEDBACK_CHARS),
            cancel_only(dialogue),
        )
        return
    translations = dict(dialogue.data.get("translations") or {})
    translations[str(dialogue.data.get("lang"))] = text.strip()
    await save_step(update, deps, dialogue, "menu", translations=translations)
    await feedback_menu(update, deps, dialogue)


async def feedback_send(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Ask once more before a message goes to every participant."""
    if not dialogue.data.get("text") and not dialogue.data.get("sentences"):
        await reply(update, say(staff_texts.FEEDBACK_NEED_TEXT))
        return
    await save_step(update, deps, dialogue, "confirm")
    count = len(await staff_store(deps).participants(int(dialogue.data["round"])))
    rows = [
        [
            (f"📨 {say(staff_texts.FEEDBACK_YES)}", dialogue_data(dialogue, "yes")),
            (say(staff_texts.CANCEL), dialogue_data(dialogue, "stop")),
        ]
    ]
    await reply(update, say(staff_texts.FEEDBACK_CONFIRM, count=count), keyboard(rows))


async def feedback_yes(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Queue one message per participant in the outbox (one transaction, one batch)."""
    if dialogue.step != "confirm":
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    school_id = int(dialogue.data["school"])
    round_ = await deps.store.round(int(dialogue.data["round"]))
    assert round_ is not None
    store = staff_store(deps)
    school = (await store.school_names([school_id])).get(school_id, "")
    recipients = await store.participants(round_.id)
    messages = [
        NewMessage(
            r.chat_id,
            "feedback",
            r.language,
            compose_feedback(r.language, school, dialogue.data),
            round_id=round_.id,
        )
        for r in recipients
    ]
    batch_id, added = await store.enqueue(
        messages,
        at=deps.clock(),
        batch_kind="feedback",
        school_id=school_id,
        round_id=round_.id,
        title=round_label(round_),
        created_by=dialogue.member_id,
        update_id=update.update_id,
        end_dialogue_of=dialogue.chat_id,
    )
    log.info("feedback batch %s queued: %d messages", batch_id, added)
    wake_outbox(deps)
    await drop_buttons(update)
    rows = [[(say(staff_texts.FEEDBACK_RESULT_BUTTON), callbacks.encode("x", "fr", batch_id))]]
    await reply(update, say(staff_texts.FEEDBACK_QUEUED, count=added), keyboard(rows))


def compose_feedback(language: str, school: str, data: dict[str, Any]) -> str:
    """A parent's feedback message: their language where there is one, then the Dutch."""
    own = str(data.get("text") or "")
    sentences = [
        school_texts.SENTENCES[s]
        for s in data.get("sentences") or []
        if s in school_texts.SENTENCES
    ]
    dutch = [p for p in [own, *sentences] if p]
    parts = [t(language, school_texts.FEEDBACK_HEADER, school=school)]
    if language == SOURCE_LANGUAGE:
        return "\n\n".join([*parts, *dutch])[:MAX_MESSAGE_CHARS]
    translation = (data.get("translations") or {}).get(language)
    local = [translation] if translation else []
    local += [gettext(language, s) for s in sentences if gettext(language, s) != s]
    parts += local
    if dutch:
        parts.append(t(language, school_texts.FEEDBACK_IN_DUTCH) + "\n" + "\n\n".join(dutch))
    return "\n\n".join(parts)[:MAX_MESSAGE_CHARS]


async def feedback_result(update: Update, deps: Deps, batch_id: int) -> None:
    """How far a feedback broadcast got: sent, waiting, blocked, failed, unknown."""
    batch = await staff_store(deps).batch(batch_id)
    if await permitted(deps, update, Action.FEEDBACK, batch.school_id if batch else None) is None:
        return
    assert batch is not None
    await reply(update, result_text(batch.title, await staff_store(deps).batch_counts(batch.id)))


FEEDBACK_BUTTONS: dict[str, Step] = {
    "round": feedback_round,
    "sent": feedback_sentences,
    "tog": feedback_toggle,
    "menu": feedback_menu,
    "tr": feedback_languages,
    "lang": feedback_language,
    "send": feedback_send,
    "yes": feedback_yes,
    "stop": stop_dialogue,
}
FEEDBACK_TEXT: dict[str, Step] = {"text": feedback_text, "translation": feedback_translation}


# ---- buttons and typed text of the dialogues -------------------------------------------------


@final
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Any `x|...` button: staff steps (checked again) and the parent's "reminders on"."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    button = callbacks.decode(query.data)
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return
    parts = button.parts if isinstance(button, callbacks.StaffButton) else ()
    match parts:
        case ("nr", "on"):
            await reminders_on(update, deps)
        case ("sc", command, school) if (school_id := as_id(school)) is not None:
            await school_chosen(update, deps, command, school_id)
        case ("iv", school, role) if (school_id := as_id(school)) is not None:
            await make_invite(update, deps, school_id, role)
        case ("st", number) if (round_id := as_id(number)) is not None:
            await show_status(update, deps, round_id)
        case ("sl", number) if (round_id := as_id(number)) is not None:
            await confirm_close(update, deps, round_id)
        case ("sly", number) if (round_id := as_id(number)) is not None:
            await close_now(update, deps, round_id)
        case ("sln", _):
            await drop_buttons(update)
            await reply(update, say(staff_texts.CANCELLED))
        case ("fr", number) if (batch_id := as_id(number)) is not None:
            await feedback_result(update, deps, batch_id)
        case (("r" | "f") as kind, nonce, step, value):
            await dialogue_button(
                update, deps, "ronde" if kind == "r" else "terug", nonce, step, value
            )
        case _:
            await refuse(update, deps)


async def school_chosen(update: Update, deps: Deps, command: str, school_id: int) -> None:
    """A school was picked for a command; the command goes on (checked again)."""
    match command:
        case "inv":
            await show_roles(update, deps, school_id)
        case "ron":
            await begin_ronde(update, deps, school_id)
        case "sta":
            await offer_rounds(update, deps, Action.FOLLOW, school_id, "st", open_only=False)
        case "slu":
            await offer_rounds(update, deps, Action.CLOSE, school_id, "sl", open_only=True)
        case "ter":
            await begin_feedback(update, deps, school_id)
        case _:
            await refuse(update, deps)


DIALOGUE_ACTIONS = {"ronde": Action.LAUNCH, "terug": Action.FEEDBACK}


async def current_dialogue(update: Update, deps: Deps, kind: str) -> Dialogue | None:
    """This chat's dialogue of `kind` if the caller may still run it (else refused)."""
    action = DIALOGUE_ACTIONS[kind]
    dialogue = await staff_store(deps).dialogue(chat_id_of(update))
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


async def dialogue_button(
    update: Update, deps: Deps, kind: str, nonce: str, step: str, value: str
) -> None:
    """A button of /ronde or /terugkoppeling: the role and school are checked again first."""
    dialogue = await current_dialogue(update, deps, kind)
    if dialogue is None:
        return
    steps = RONDE_BUTTONS if kind == "ronde" else FEEDBACK_BUTTONS
    if dialogue.nonce != nonce or step not in steps:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    await steps[step](update, deps, dialogue, value)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: a staff dialogue's answer if one waits for it; otherwise the parent's turn."""
    deps = deps_of(context)
    if update.effective_chat is None or update.effective_message is None:
        return
    dialogue = await staff_store(deps).dialogue(update.effective_chat.id)
    if dialogue is None or dialogue.step not in TEXT_STEPS.get(dialogue.kind, set()):
        return
    if dialogue.updated_at and deps.clock() - dialogue.updated_at > DIALOGUE_TTL:
        return  # an abandoned dialogue no longer catches what the person types
    await guarded(dialogue_text)(update, context)
    raise ApplicationHandlerStop


async def dialogue_text(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Hand the typed text to the step that waits for it (role and school checked again)."""
    found = await staff_store(deps).dialogue(chat_id_of(update))
    if found is None:
        return
    dialogue = await current_dialogue(update, deps, found.kind)
    if dialogue is None:
        return
    steps = RONDE_TEXT if dialogue.kind == "ronde" else FEEDBACK_TEXT
    text = (update.effective_message.text if update.effective_message else "") or ""
    if dialogue.step in steps:
        await steps[dialogue.step](update, deps, dialogue, text.strip())


# ---- parents: no reminders -------------------------------------------------------------------


@final
async def on_no_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/geenherinnering: no more reminders for this chat (feedback still comes)."""
    chat = await deps.store.save_chat(
        chat_id_of(update), deps.clock(), update_id=update.update_id, no_reminders=1
    )
    language = language_of(chat, update)
    markup = keyboard(
        [[(t(language, school_texts.REMINDERS_ON_BUTTON), callbacks.encode("x", "nr", "on"))]]
    )
    await reply(update, t(language, school_texts.NO_REMINDERS), markup)


async def reminders_on(update: Update, deps: Deps) -> None:
    """The parent changed their mind: reminders again."""
    chat = await deps.store.save_chat(
        chat_id_of(update), deps.clock(), update_id=update.update_id, no_reminders=0
    )
    await drop_buttons(update)
    await reply(update, t(language_of(chat, update), school_texts.REMINDERS_ON))


@final
async def on_not_private(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """A staff command in a group: these work only in a private chat."""
    await reply(update, t(language_of(None, update), school_texts.PRIVATE_ONLY))


# ---- rounds that close themselves, reminders -------------------------------------------------


class RoundKeeper:
    """Closes rounds at their closing date and queues reminders; `tick()` does one pass."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def tick(self) -> dict[str, int]:
        deps = self.deps
        now = deps.clock()
        closed = await deps.store.close_due_rounds(now)
        messages: list[NewMessage] = []
        for round_id in await staff_store(deps).open_rounds():
            round_ = await deps.store.round(round_id)
            if round_ is not None and reminder_window(
                now, round_.closes_at, deps.settings.reminder_days
            ):
                messages += await self.reminders(round_, now)
        if messages:
            await staff_store(deps).enqueue(messages, at=now)
            wake_outbox(deps)
        if closed or messages:
            log.info(
                "housekeeping: %d rounds closed, %d reminders queued", len(closed), len(messages)
            )
        return {"closed": len(closed), "reminders": len(messages)}

    async def reminders(self, round_: Round, now: datetime) -> list[NewMessage]:
        """Who started and did not finish (team rounds: also who did not start), in their language."""
        store = staff_store(self.deps)
        assert round_.closes_at is not None
        school = (await store.school_names([round_.school_id])).get(round_.school_id, "")
        found = []
        for person in await store.reminder_candidates(
            round_.id, paused_since=now - PAUSE_RESPECTED, active_since=now - ACTIVE_QUIET
        ):
            language = person.language
            text = t(
                language,
                school_texts.REMINDER,
                school=school,
                date=long_date(round_.closes_at, language),
            )
            markup = keyboard(
                [[(f"▶️ {t(language, texts.CONTINUE)}", callbacks.encode("r", round_.id))]]
            )
            found.append(
                NewMessage(
                    person.chat_id,
                    "reminder",
                    language,
                    text,
                    markup=markup.to_json(),
                    round_id=round_.id,
                    respondent_id=person.respondent_id,
                    dedupe_key=f"reminder:{round_.id}:{person.chat_id}",
                )
            )
        if round_.audience == "team":
            url = link(self.deps, round_.start_token)
            text = say(
                staff_texts.TEAM_REMINDER, school=school, date=long_date(round_.closes_at), link=url
            )
            for person in await store.team_not_started(round_.id, round_.school_id):
                found.append(
                    NewMessage(
                        person.chat_id,
                        "reminder",
                        "nl",
                        text,
                        round_id=round_.id,
                        dedupe_key=f"reminder:{round_.id}:{person.chat_id}",
                    )
                )
        return found


async def housekeeping(context: CallbackContext) -> None:  # type: ignore[type-arg]
    """The repeating job: one RoundKeeper pass; a failure waits for the next one."""
    deps: Deps = context.application.bot_data[DEPS_KEY]
    try:
        await deps.services["rounds"].tick()
    except Exception as exc:
        log.error("housekeeping failed: %s", type(exc).__name__)


# ---- wiring ----------------------------------------------------------------------------------


def install(application: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Add the staff handlers (group -1), the invite start hook and the housekeeping job."""
    deps.services["rounds"] = RoundKeeper(deps)
    deps.start_hooks[INVITE_PREFIX] = on_invite_link
    private = PRIVATE & filters.UpdateType.MESSAGE
    commands: list[tuple[str, Callback]] = [
        ("uitnodigen", on_invite),
        ("ronde", on_ronde),
        ("status", on_status),
        ("sluit", on_close),
        ("terugkoppeling", on_feedback),
        ("geenherinnering", on_no_reminders),
    ]
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=private), group=STAFF_GROUP)
    group_chats = ~PRIVATE & filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    application.add_handler(
        CommandHandler([*STAFF_COMMANDS, "geenherinnering"], on_not_private, filters=group_chats),
        group=STAFF_GROUP,
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^x\|"), group=STAFF_GROUP)
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=STAFF_GROUP
    )
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            housekeeping,
            interval=HOUSEKEEPING_SECONDS,
            first=HOUSEKEEPING_SECONDS,
            name="ouderstem-rounds",
        )
