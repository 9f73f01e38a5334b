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
from bot.staff import Action, days_left, schools_for
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
    access_of,
    arg_number,
    dutch_language_name,
    on_button,
    percent,
    permitted,
    pick_school,
    refuse,
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
    """The /status message. Which cells show numbers follows `bot.reports.privacy`: a group
    under `minimum` is hidden, and so are as many others as it takes for no hidden cell to
    follow from the total (rule 4); languages under `minimum` are one cell "andere talen"
    (rule 5), suppressed the same way."""
    lines = status_head(round_, school, cells, now)
    rows: list[tuple[str, bool]] = []  # (line, shown)
    if groups:
        lines += ["", say(staff_texts.STATUS_BY_GROUP)]
        keyed: list[tuple[int | None, str, int | None]] = [
            (g.id, g.name, g.expected) for g in groups
        ]
        if any(c.group_id is None for c in cells):
            keyed.append((None, say(staff_texts.NO_GROUP), None))
        sizes = {key: sum(c.count for c in cells if c.group_id == key) for key, _, _ in keyed}
        hidden = privacy.suppress(sizes, minimum)
        rows = [
            status_cell(name, cells, in_group(key), minimum, expected, hidden=key in hidden)
            for key, name, expected in keyed
        ]
        lines += [line for line, _ in rows]
    by_code = Counter[str]()
    for c in cells:
        by_code[c.language] += c.count
    if by_code:
        named = privacy.nameable_languages(by_code, minimum)
        by_language = [
            status_cell(
                language_name(code),
                cells,
                in_language(code, named),
                minimum,
                hidden=count is None,
            )
            for code, count in privacy.language_cells(by_code, minimum)
        ]
        lines += ["", say(staff_texts.STATUS_BY_LANGUAGE), *(line for line, _ in by_language)]
        rows += by_language
    if not all(shown for _, shown in rows):
        lines += ["", say(staff_texts.STATUS_PRIVACY, minimum=minimum)]
    return "\n".join(lines)


def language_name(code: str) -> str:
    """A language cell's name: the language in Dutch, or "andere talen" for the merged cell."""
    if code == privacy.OTHER_LANGUAGES:
        return say(staff_texts.STATUS_OTHER_LANGUAGES)
    return dutch_language_name(code)


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
    *,
    hidden: bool = False,
) -> tuple[str, bool]:
    """One group's or language's line, and whether its numbers are shown (privacy rules 1, 4):
    "minder dan N" under the minimum, "niet getoond" when hidden so no small cell follows."""
    n = sum(c.count for c in cells if key(c))
    done = sum(c.count for c in cells if key(c) and c.status == "completed")
    if not privacy.shown(n, minimum):
        return "• " + say(staff_texts.STATUS_SMALL, name=name, minimum=minimum), False
    if hidden:
        return "• " + say(staff_texts.STATUS_HIDDEN, name=name), False
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


def in_language(code: str, named: set[str]) -> Callable[[StatusCell], bool]:
    """The cells of one named language, or (OTHER_LANGUAGES) of every language not named."""
    if code == privacy.OTHER_LANGUAGES:
        return lambda cell: cell.language not in named
    return lambda cell: cell.language == code


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
    """ "Nee": nothing happens (to someone who may close the round; anyone else is refused)."""
    if button.round_id is not None:
        if await round_for(deps, update, Action.CLOSE, button.round_id) is None:
            return
    elif not schools_for(await access_of(deps, update), Action.CLOSE):
        await refuse(update, deps)
        return
    await drop_buttons(update)
    await reply(update, say(staff_texts.CANCELLED))


on_status_button = on_button(StatusChoice, status_chosen)
on_close_button = on_button(CloseChoice, close_chosen)
on_close_yes_button = on_button(CloseConfirmed, close_confirmed)
on_close_no_button = on_button(CloseCancelled, close_cancelled)
