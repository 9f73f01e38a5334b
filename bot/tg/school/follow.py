"""Following a round: /status (how it goes) and /sluit (close it now).

/status [round]   admin, brugfiguur, coordinator (team members if allowed): responses per
                  group and language, completion, response rate, days left
/sluit [round]    an admin chooses an open round, confirms, and it closes
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.reports import privacy
from bot.staff import Action, days_left
from bot.store.records import Round, StatusCell
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import (
    CloseCancelled,
    CloseChoice,
    CloseConfirmed,
    PickFor,
    StatusChoice,
)
from bot.tg.deps import Deps
from bot.tg.school.common import (
    ROUNDS_IN_PICKER,
    arg_number,
    dutch_language_name,
    on_button,
    percent,
    permitted,
    pick_school,
    round_for,
    round_label,
)
from bot.tg.ui import drop_buttons, final, keyboard, long_date, reply

log = logging.getLogger(__name__)


@final
async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/status [round]: how a round goes; without a number, choose the round."""
    if (number := arg_number(context)) is not None:
        await show_status(update, deps, number)
        return
    school_id = await pick_school(update, deps, Action.FOLLOW, PickFor.STATUS)
    if school_id is not None:
        await offer_rounds(update, deps, Action.FOLLOW, school_id, StatusChoice, open_only=False)


async def offer_rounds(
    update: Update,
    deps: Deps,
    action: Action,
    school_id: int,
    kind: Callable[[int], StatusChoice | CloseChoice],
    *,
    open_only: bool,
) -> None:
    """The school's latest rounds as buttons of `kind` (status or close)."""
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
    rows = [[(round_label(r), kind(r.id))] for r in rounds[:ROUNDS_IN_PICKER]]
    await reply(update, say(staff_texts.PICK_ROUND), keyboard(rows))


async def show_status(update: Update, deps: Deps, round_id: int) -> None:
    """Responses per group and per language, completion, response rate, days left."""
    round_ = await round_for(deps, update, Action.FOLLOW, round_id)
    if round_ is None:
        return
    store = deps.store
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
    """The /status message. Groups and languages under `minimum` show no numbers; which cells
    show, and in which order, are the rules of `bot.reports.privacy`."""
    lines = status_head(round_, school, cells, now)
    rows: list[tuple[str, bool]] = []  # (line, shown)
    if groups:
        lines += ["", say(staff_texts.STATUS_BY_GROUP)]
        rows = [status_cell(g.name, cells, in_group(g.id), minimum, g.expected) for g in groups]
        if any(c.group_id is None for c in cells):
            rows.append(status_cell(say(staff_texts.NO_GROUP), cells, in_group(None), minimum))
        lines += [line for line, _ in rows]
    sizes = Counter[str]()
    for c in cells:
        sizes[c.language] += c.count
    if sizes:
        by_language = [
            status_cell(dutch_language_name(lang), cells, in_language(lang), minimum)
            for lang in privacy.listing_order(sizes, minimum)
        ]
        lines += ["", say(staff_texts.STATUS_BY_LANGUAGE), *(line for line, _ in by_language)]
        rows += by_language
    if not all(shown for _, shown in rows):
        lines += ["", say(staff_texts.STATUS_PRIVACY, minimum=minimum)]
    return "\n".join(lines)


def status_head(round_: Round, school: str, cells: list[StatusCell], now: datetime) -> list[str]:
    """The round, its closing date or days left, the totals and the response rate."""
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
    return lines


def status_cell(
    name: str,
    cells: list[StatusCell],
    key: Callable[[StatusCell], bool],
    minimum: int,
    expected: int | None = None,
) -> tuple[str, bool]:
    """One group's or language's line, and whether its numbers are shown (privacy rule 1)."""
    n = sum(c.count for c in cells if key(c))
    done = sum(c.count for c in cells if key(c) and c.status == "completed")
    if not privacy.shown(n, minimum):
        return "• " + say(staff_texts.STATUS_SMALL, name=name, minimum=minimum), False
    if expected:
        line = say(
            staff_texts.STATUS_CELL_EXPECTED,
            name=name,
            started=n,
            completed=done,
            expected=expected,
            rate=percent(done, expected),
        )
    else:
        line = say(staff_texts.STATUS_CELL, name=name, started=n, completed=done)
    return "• " + line, True


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
    school_id = await pick_school(update, deps, Action.CLOSE, PickFor.CLOSE)
    if school_id is not None:
        await offer_rounds(update, deps, Action.CLOSE, school_id, CloseChoice, open_only=True)


async def confirm_close(update: Update, deps: Deps, round_id: int) -> None:
    """Ask before closing: nobody can answer afterwards."""
    round_ = await round_for(deps, update, Action.CLOSE, round_id)
    if round_ is None:
        return
    if round_.status != "open":
        await reply(update, say(staff_texts.SLUIT_ALREADY))
        return
    rows: list[list[tuple[str, CloseConfirmed | CloseCancelled]]] = [
        [
            (say(staff_texts.SLUIT_YES), CloseConfirmed(round_.id)),
            (say(staff_texts.SLUIT_NO), CloseCancelled(round_.id)),
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


async def status_chosen(update: Update, deps: Deps, button: StatusChoice) -> None:
    """A round was picked for /status."""
    await show_status(update, deps, button.round_id)


async def close_chosen(update: Update, deps: Deps, button: CloseChoice) -> None:
    """A round was picked for /sluit: confirm first."""
    await confirm_close(update, deps, button.round_id)


async def close_confirmed(update: Update, deps: Deps, button: CloseConfirmed) -> None:
    """ "Ja, sluiten"."""
    await close_now(update, deps, button.round_id)


async def close_cancelled(update: Update, deps: Deps, button: CloseCancelled) -> None:
    """ "Nee": nothing happens."""
    await drop_buttons(update)
    await reply(update, say(staff_texts.CANCELLED))


on_status_button = on_button(StatusChoice, status_chosen)
on_close_button = on_button(CloseChoice, close_chosen)
on_close_yes_button = on_button(CloseConfirmed, close_confirmed)
on_close_no_button = on_button(CloseCancelled, close_cancelled)
