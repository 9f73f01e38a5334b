"""/rapport: the report of a round in the chat, for staff with the right role at that school.

Usage, in a private chat with the bot:

    /rapport [round]   choose a school (brugfiguren and coordinators may have several) and a
                       round; get the summary, the charts and a button per detail view and file

Buttons carry `rp|<kind>|...` (their own prefix, so the staff dialogue's `x|` handler never
sees them). Every press checks the role and the school again (`bot.staff.authorize`), exactly
like the first command; whoever may not gets the same polite sentence as for any staff command.
What a report may show is decided by the report layer (`bot.reports`): small groups are
suppressed there, in every output, so nothing here can leak them.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import TYPE_CHECKING

from telegram import InputFile, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import staff_report_texts as staff_texts_report
from bot import staff_texts
from bot.staff import Action, Grant, Role, authorize, named_schools, schools_for, viewer_of
from bot.staff_texts import say
from bot.store.records import Round
from bot.tg import callbacks
from bot.tg.app import PRIVATE, STAFF_GROUP
from bot.tg.deps import Deps
from bot.tg.staff import (
    ROUNDS_IN_PICKER,
    SCHOOLS_IN_PICKER,
    access_of,
    arg_number,
    final,
    keyboard,
    on_not_private,
    permitted,
    refuse,
    reply,
    round_label,
    staff_store,
)

if TYPE_CHECKING:
    from bot.reports import ReportOptions, RoundReport

log = logging.getLogger(__name__)

PREFIX = "rp"
DETAIL_VIEWS = ("themes", "team", "languages", "groups", "open", "frameworks", "trend")
FILE_FORMATS = {"pdf": "application/pdf", "xlsx": "application/vnd.ms-excel", "csv": "text/csv"}
VIEW_LABELS = {
    "themes": staff_texts_report.VIEW_THEMES,
    "team": staff_texts_report.VIEW_TEAM,
    "languages": staff_texts_report.VIEW_LANGUAGES,
    "groups": staff_texts_report.VIEW_GROUPS,
    "open": staff_texts_report.VIEW_OPEN,
    "frameworks": staff_texts_report.VIEW_FRAMEWORKS,
    "trend": staff_texts_report.VIEW_TREND,
    "voice": staff_texts_report.VIEW_VOICE,
}
MAX_VOICE_NOTES = 20  # voice answers forwarded to a brugfiguur at one press


def reports() -> ModuleType:
    """The report layer, imported on first use: it loads matplotlib and openpyxl (~50 MB), which a
    bot that is only collecting answers does not need (bench P5)."""
    import bot.reports

    return bot.reports


def options_for(deps: Deps, grant: Grant, *, voice: bool = False) -> ReportOptions:
    settings = deps.settings
    return reports().ReportOptions(
        min_closed=settings.min_group_closed,
        min_open=settings.min_group_open,
        include_voice=voice,
        viewer=viewer_of(grant),  # type: ignore[arg-type]
    )


async def grant_for_round(
    deps: Deps, update: Update, round_id: int | None
) -> tuple[Round, Grant] | None:
    """The round and the grant that lets this chat read its report; refuses otherwise.

    A missing round is refused exactly like a forbidden one (one check, one access read)."""
    found = await deps.store.round(round_id) if round_id is not None else None
    grant = await permitted(deps, update, Action.REPORT, found.school_id if found else None)
    if found is None or grant is None:
        return None
    return found, grant


def view_buttons(report: RoundReport, round_id: int, grant: Grant) -> list[list[tuple[str, str]]]:
    views = [
        (say(VIEW_LABELS[v]), callbacks.encode(PREFIX, "v", round_id, v)) for v in DETAIL_VIEWS
    ]
    rows = [views[i : i + 2] for i in range(0, len(views), 2)]
    if grant.role == Role.BRUGFIGUUR:
        rows.append([(say(VIEW_LABELS["voice"]), callbacks.encode(PREFIX, "vo", round_id))])
    rows.append(
        [
            (f"📄 {fmt.upper()}", callbacks.encode(PREFIX, "f", round_id, fmt))
            for fmt in FILE_FORMATS
        ]
    )
    return rows


# ---- handlers --------------------------------------------------------------------------------


@final
async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/rapport [round]: the summary and charts of a round, or a choice of school and round."""
    if (number := arg_number(context)) is not None:
        await show_report(update, deps, number)
        return
    access = await access_of(deps, update)
    schools = schools_for(access, Action.REPORT)
    if not schools and schools_for(access, Action.OVERVIEW):
        await show_overview(update, deps)  # a coordinator whose schools did not agree to be named
        return
    if not schools:
        await refuse(update, deps)
        return
    if len(schools) == 1:
        await offer_rounds(update, deps, schools[0])
        return
    names = await staff_store(deps).school_names(schools[:SCHOOLS_IN_PICKER])
    rows = [
        [(names.get(s, str(s)), callbacks.encode(PREFIX, "s", s))]
        for s in schools[:SCHOOLS_IN_PICKER]
    ]
    rows.append([(say(staff_texts_report.VIEW_OVERVIEW), callbacks.encode(PREFIX, "o"))])
    await reply(update, say(staff_texts.PICK_SCHOOL), keyboard(rows))


@final
async def on_report_button(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Any `rp|` button: choose a school or round, a detail view, a file, the voice answers."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return  # a button on an inline or group message: reports live in private chats only
    parts = tuple((query.data or "").split("|")[1:])
    kind, args = (parts[0], parts[1:]) if parts else ("", ())
    try:
        numbers = [int(a) for a in args[:1]]
    except ValueError:
        numbers = []
    match kind:
        case "s" if numbers:
            await offer_rounds(update, deps, numbers[0])
        case "r" if numbers:
            await show_report(update, deps, numbers[0])
        case "v" if numbers and len(args) == 2 and args[1] in DETAIL_VIEWS:
            await show_detail(update, deps, numbers[0], args[1])
        case "f" if numbers and len(args) == 2 and args[1] in FILE_FORMATS:
            await send_file(update, deps, numbers[0], args[1])
        case "vo" if numbers:
            await send_voice_answers(update, deps, numbers[0])
        case "o":
            await show_overview(update, deps)
        case _:
            await refuse(update, deps)


async def offer_rounds(update: Update, deps: Deps, school_id: int) -> None:
    if await permitted(deps, update, Action.REPORT, school_id) is None:
        return
    rounds = list(reversed(await deps.store.rounds(school_id)))[:ROUNDS_IN_PICKER]
    if not rounds:
        await reply(update, say(staff_texts.NO_ROUNDS))
        return
    rows = [[(round_label(r), callbacks.encode(PREFIX, "r", r.id))] for r in rounds]
    await reply(update, say(staff_texts.PICK_ROUND), keyboard(rows))


async def show_report(update: Update, deps: Deps, round_id: int) -> None:
    """The summary message, the charts as pictures, and the buttons for more."""
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return
    found, grant = allowed
    report = await reports().build_round_report(deps.store, found.id, options_for(deps, grant))
    chat = update.effective_chat
    assert chat is not None
    from bot.reports.charts import charts

    for name, png in charts(report):
        await chat.send_photo(InputFile(png, filename=name))
    await reply(
        update, reports().summary_text(report), keyboard(view_buttons(report, found.id, grant))
    )
    log.info("a report was shown")


async def show_detail(update: Update, deps: Deps, round_id: int, view: str) -> None:
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return
    found, grant = allowed
    report = await reports().build_round_report(deps.store, found.id, options_for(deps, grant))
    await reply(update, reports().detail_text(report, view))


async def send_file(update: Update, deps: Deps, round_id: int, fmt: str) -> None:
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return
    found, grant = allowed
    report = await reports().build_round_report(deps.store, found.id, options_for(deps, grant))
    chat = update.effective_chat
    assert chat is not None
    name = f"ouderstem-ronde-{found.id}.{fmt}"
    await chat.send_document(InputFile(reports().export(report, fmt), filename=name))


async def send_voice_answers(update: Update, deps: Deps, round_id: int) -> None:
    """Voice answers, for a brugfiguur only, and only where open answers may be shown."""
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return
    found, grant = allowed
    if grant.role != Role.BRUGFIGUUR:
        await refuse(update, deps)
        return
    report = await reports().build_round_report(
        deps.store, found.id, options_for(deps, grant, voice=True)
    )
    file_ids = [fid for group in report.open_answers for fid in (group.voice_file_ids or [])]
    chat = update.effective_chat
    assert chat is not None
    if not file_ids:
        await reply(update, say(staff_texts_report.NO_VOICE))
        return
    await reply(update, say(staff_texts_report.VOICE_NOTICE, count=len(file_ids)))
    for file_id in file_ids[:MAX_VOICE_NOTES]:
        await chat.send_voice(file_id)


async def show_overview(update: Update, deps: Deps) -> None:
    """Brugfiguur: their schools side by side. Coordinator: the centre, named only if agreed."""
    access = await access_of(deps, update)
    schools = schools_for(access, Action.OVERVIEW)
    if not schools:
        await refuse(update, deps)
        return
    grant = authorize(access, Action.OVERVIEW, schools[0])
    named = named_schools(access, schools)  # each grant names only its own scope
    overview = await reports().build_overview(
        deps.store, schools, options_for(deps, grant), named=named
    )
    await reply(update, reports().overview_text(overview))


def install(application: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """/rapport and its buttons, in the staff group (before the parent's catch-alls)."""
    private = PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(
        CommandHandler("rapport", on_report, filters=private), group=STAFF_GROUP
    )
    group_chats = ~PRIVATE & filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    application.add_handler(
        CommandHandler("rapport", on_not_private, filters=group_chats), group=STAFF_GROUP
    )
    application.add_handler(
        CallbackQueryHandler(on_report_button, pattern=rf"^{PREFIX}\|"), group=STAFF_GROUP
    )
