"""/ronde: an admin launches a round, with buttons; gets the links, QR codes and invitations.

The dialogue keeps its state in `staff_dialogues` (a restart halfway loses nothing); typed text
and buttons reach these steps through `bot.tg.school.dialogue`:

```mermaid
stateDiagram-v2
    [*] --> flow: /ronde
    flow --> topic: dialogue
    flow --> groups: parents, pupils
    flow --> expected: team
    topic --> groups: parents' dialogue
    topic --> expected: team's dialogue
    groups --> names: per class or grade
    groups --> expected: whole school, as last time
    names --> expected
    expected --> closes
    closes --> date: another date
    closes --> confirm
    date --> confirm
    confirm --> [*]: start (links, QR, PDF, PNG)
```
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from babel.dates import format_date as babel_format_date
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.flow_model import get_flow
from bot.i18n import format_date
from bot.invitation import Invitation, choose_languages, invitation_pdf, invitation_png, qr_png
from bot.limits import MAX_CAPTION_CHARS
from bot.staff import (
    Action,
    InputError,
    closing_moment,
    local_day,
    parse_day,
    parse_expected,
    parse_group_names,
)
from bot.store.records import Dialogue, GroupPlan, NewMessage, RoundPlan
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import DialogueKind, PickFor, as_id
from bot.tg.deps import Deps
from bot.tg.school.common import (
    Step,
    cancel_only,
    dialogue_data,
    flow_name,
    flow_of,
    new_dialogue,
    permitted,
    pick_school,
    save_step,
    stop_dialogue,
    topic_text,
)
from bot.tg.ui import chat_id_of, drop_buttons, final, keyboard, link, long_date, reply

log = logging.getLogger(__name__)

FLOW_CHOICES = (
    "barometer-ouders",
    "barometer-team",
    "barometer-leerlingen",
    "dialoog",
    "dialoog-team",
)
CLOSING_WEEKS = (1, 2, 3, 4)


@final
async def on_ronde(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/ronde: begin the launch dialogue (after choosing the school, if several)."""
    school_id = await pick_school(update, deps, Action.LAUNCH, PickFor.LAUNCH)
    if school_id is not None:
        await begin_ronde(update, deps, school_id)


async def begin_ronde(update: Update, deps: Deps, school_id: int) -> None:
    """Store a fresh dialogue and ask which flow."""
    if await permitted(deps, update, Action.LAUNCH, school_id) is None:
        return
    dialogue = await new_dialogue(update, deps, DialogueKind.RONDE, "flow", school_id)
    names = await deps.store.school_names([school_id])
    rows = [[(flow_name(f), dialogue_data(dialogue, "flow", f))] for f in FLOW_CHOICES]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(
        update, say(staff_texts.RONDE_FLOW, school=names.get(school_id, "")), keyboard(rows)
    )


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
    topic = None if value == "-" else value
    if flow_of(dialogue).audience.value == "team":  # the team's dialogue: no groups
        await save_step(update, deps, dialogue, "expected", topic=topic, groups=[])
        await ask_expected(update, deps, dialogue)
        return
    await save_step(update, deps, dialogue, "groups", topic=topic)
    await ask_groups(update, deps, dialogue)


async def ask_groups(update: Update, deps: Deps, dialogue: Dialogue) -> None:
    previous = await deps.store.previous_groups(int(dialogue.data["school"]))
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
            name for name, _ in await deps.store.previous_groups(int(dialogue.data["school"]))
        ]
    await save_step(update, deps, dialogue, "expected", groups=groups)
    await ask_expected(update, deps, dialogue)


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
    round_id = await deps.store.launch_round(
        plan, chat_id=dialogue.chat_id, at=now, update_id=update.update_id
    )
    log.info("round %d launched from the chat", round_id)
    await drop_buttons(update)
    await send_round_files(update, deps, dialogue, plan, round_id)


async def send_round_files(
    update: Update, deps: Deps, dialogue: Dialogue, plan: RoundPlan, round_id: int
) -> None:
    """The links and files of a round just opened. If the Bot API fails on the way, the round
    is open all the same: say so with the links, and offer to send the files again (a second
    /ronde would open a second round)."""
    try:
        if plan.audience == "team":
            await team_launched(update, deps, plan, round_id)
        else:
            await send_invitations(update, deps, plan)
    except TelegramError as exc:
        log.warning(
            "round %d is open but its files did not go out: %s", round_id, type(exc).__name__
        )
        dialogue.step = "resend"
        dialogue.data["round"] = round_id
        await deps.store.save_dialogue(dialogue, deps.clock())
        listing = "\n".join(url for _, url in round_links(deps, plan))
        markup = keyboard([[(say(staff_texts.RESEND_FILES), dialogue_data(dialogue, "resend"))]])
        await reply(
            update,
            say(staff_texts.RONDE_FILES_FAILED, date=long_date(plan.closes_at), links=listing),
            markup,
        )


async def ronde_resend(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """ "Send the files again" after they failed: the same round, its links and files."""
    if dialogue.step != "resend":
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    round_ = await deps.store.round(int(dialogue.data["round"]))
    if round_ is None or round_.closes_at is None:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    groups = await deps.store.round_groups(round_.id)
    plan = RoundPlan(
        school_id=round_.school_id,
        flow_id=round_.flow_id,
        flow_version=round_.flow_version,
        audience=round_.audience,
        topic=round_.topic,
        token=round_.start_token,
        closes_at=round_.closes_at,
        expected=round_.expected,
        groups=tuple(GroupPlan(g.name, g.token, g.expected) for g in groups),
    )
    await deps.store.end_dialogue(dialogue.chat_id, deps.clock(), update.update_id)
    await drop_buttons(update)
    await send_round_files(update, deps, dialogue, plan, round_.id)


def round_links(deps: Deps, plan: RoundPlan) -> list[tuple[str | None, str]]:
    """(group name or None, link) for each way into the round."""
    if not plan.groups:
        return [(None, link(deps, plan.token))]
    return [(g.name, link(deps, g.token)) for g in plan.groups]


async def send_invitations(update: Update, deps: Deps, plan: RoundPlan) -> None:
    """The links as text, then per link its QR code, one PDF with a page per link, the PNGs."""
    school = (await deps.store.school_names([plan.school_id])).get(plan.school_id, "")
    links = round_links(deps, plan)
    listing = "\n".join(f"{name}: {url}" if name else url for name, url in links)
    await reply(
        update, say(staff_texts.RONDE_STARTED, date=long_date(plan.closes_at), links=listing)
    )
    languages = choose_languages(await deps.store.language_counts(plan.school_id), plan.audience)
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
    store = deps.store
    school = (await store.school_names([plan.school_id])).get(plan.school_id, "")
    url = link(deps, plan.token)
    when = long_date(plan.closes_at)
    others = [c for c in await store.team_chats(plan.school_id) if c != chat_id_of(update)]
    wording = staff_texts.TEAM_LINKS.get(plan.flow_id, staff_texts.TEAM_LINK)
    text = say(wording, school=school, date=when, link=url)
    messages = [
        NewMessage(
            c, "team_link", "nl", text, round_id=round_id, dedupe_key=f"team_link:{round_id}:{c}"
        )
        for c in others
    ]
    if messages:
        await store.enqueue(messages, at=deps.clock())
        deps.wake_outbox()
    await reply(update, say(staff_texts.TEAM_STARTED, date=when, link=url, count=len(others)))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(qr_png(url), caption=url, filename="qr.png")
    page = Invitation(school, url, local_day(plan.closes_at), "team", flow_id=plan.flow_id)
    await chat.send_document(
        await asyncio.to_thread(invitation_pdf, [page]), filename="teambevraging.pdf"
    )


RONDE_BUTTONS: dict[str, Step] = {
    "flow": ronde_flow,
    "topic": ronde_topic,
    "groups": ronde_groups,
    "expected": ronde_expected,
    "closes": ronde_closes,
    "go": ronde_go,
    "resend": ronde_resend,
    "stop": stop_dialogue,
}
RONDE_TEXT: dict[str, Step] = {"names": ronde_names, "expected": ronde_expected, "date": ronde_date}
