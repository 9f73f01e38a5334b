"""/uitnodigen: an admin invites an admin, a team member or a brugfiguur with a one-time link.

/uitnodigen                              choose the school (if several), then the role
https://t.me/<bot>?start=inv-<token>     accepts the invite (a /start hook of bot.tg.parent)
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot.staff import INVITE_DAYS, Action, Grant, Role
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import PickFor, RoleChoice
from bot.tg.dashboard_button import help_line, set_menu_button
from bot.tg.deps import Deps
from bot.tg.school.common import access_of, on_button, permitted, pick_school, refuse
from bot.tg.ui import Rows, chat_id_of, drop_buttons, final, keyboard, link, long_date, reply

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv-"
INVITE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@final
async def on_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/uitnodigen: choose the school (if several), then the role."""
    school_id = await pick_school(update, deps, Action.INVITE, PickFor.INVITE)
    if school_id is not None:
        await show_roles(update, deps, school_id)


async def show_roles(update: Update, deps: Deps, school_id: int) -> None:
    """The roles an admin may hand out, as buttons."""
    if await permitted(deps, update, Action.INVITE, school_id) is None:
        return
    names = await deps.store.school_names([school_id])
    rows: Rows = [
        [(say(label), RoleChoice(school_id, key))]
        for key, label in staff_texts.ROLE_BUTTONS.items()
    ]
    await reply(
        update, say(staff_texts.INVITE_PICK_ROLE, school=names.get(school_id, "")), keyboard(rows)
    )


async def make_invite(update: Update, deps: Deps, button: RoleChoice) -> None:
    """A role was chosen: store a one-time invite, show its link once."""
    school_id, role_key = button.school_id, button.role
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
    await deps.store.create_invite(
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
        accepted = await deps.store.accept_invite(
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
    store = deps.store
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
    if Action.REPORT in grant.actions or Action.OVERVIEW in grant.actions:
        lines.append(help_line(deps.settings))
        chat = update.effective_chat
        if chat is not None:
            await set_menu_button(
                chat.get_bot(), chat.id, deps.settings, await store.access(chat.id)
            )
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


on_role_button = on_button(RoleChoice, make_invite)
