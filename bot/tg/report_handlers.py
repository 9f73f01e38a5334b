"""/rapport: the report of a round in the chat, for staff with the right role at that school.

Usage, in a private chat with the bot:

    /rapport [round]   choose a school (brugfiguren and coordinators may have several) and a
                       round; get the summary, the charts and a button per detail view and file

Buttons are the `Report*` values of `bot.tg.callbacks` (`rp|<kind>|...` on the wire), each kind
routed to its own handler below. Every press checks the role and the school again (`bot.staff.authorize`), exactly
like the first command; whoever may not gets the same polite sentence as for any staff command.
What a report may show is decided by the report layer (`bot.reports`): small groups are
suppressed there, in every output, so nothing here can leak them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ContextTypes

from bot.reports.model import ReportOptions, RoundReport
from bot.staff import Action, Grant, Role, authorize, named_schools, schools_for, viewer_of
from bot.store.records import Round
from bot.texts import reports as staff_texts_report
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import (
    FileFormat,
    ReportDetail,
    ReportFile,
    ReportOverview,
    ReportRound,
    ReportSchool,
    ReportView,
    ReportVoice,
)
from bot.tg.dashboard_button import open_button, set_menu_button
from bot.tg.deps import Deps
from bot.tg.school.common import (
    ROUNDS_IN_PICKER,
    SCHOOLS_IN_PICKER,
    access_of,
    arg_number,
    on_button,
    permitted,
    refuse,
    round_label,
)
from bot.tg.ui import Rows, final, keyboard, reply

# The report layer's builders, texts, charts and exports are imported inside the functions that
# use them: they load matplotlib and openpyxl (~50 MB), which a bot that is only collecting
# answers does not need (bench P5). `bot.reports.model` is pydantic only.

log = logging.getLogger(__name__)

T = TypeVar("T")
# Report files and charts are drawn in a worker thread (a PDF took 1.3 s: on the event loop it
# stalled every parent); one at a time, so two reports never draw at once (matplotlib, fpdf).
RENDERING = threading.Lock()


async def rendered(render: Callable[[], T]) -> T:
    """Run a renderer (charts, a PDF, an XLSX) off the event loop."""

    def run() -> T:
        with RENDERING:
            return render()

    return await asyncio.to_thread(run)


DETAIL_VIEWS = tuple(ReportView)
VIEW_LABELS = {
    ReportView.THEMES: staff_texts_report.VIEW_THEMES,
    ReportView.TEAM: staff_texts_report.VIEW_TEAM,
    ReportView.LANGUAGES: staff_texts_report.VIEW_LANGUAGES,
    ReportView.GROUPS: staff_texts_report.VIEW_GROUPS,
    ReportView.OPEN: staff_texts_report.VIEW_OPEN,
    ReportView.FRAMEWORKS: staff_texts_report.VIEW_FRAMEWORKS,
    ReportView.TREND: staff_texts_report.VIEW_TREND,
}
VOICE_LABEL = staff_texts_report.VIEW_VOICE
MAX_VOICE_NOTES = 20  # voice answers forwarded to a brugfiguur at one press


def options_for(deps: Deps, grant: Grant, *, voice: bool = False) -> ReportOptions:
    settings = deps.settings
    return ReportOptions(
        min_closed=settings.min_group_closed,
        min_open=settings.min_group_open,
        include_voice=voice,
        viewer=viewer_of(grant),  # type: ignore[arg-type]
    )


async def build_report(
    deps: Deps, round_id: int, grant: Grant, *, voice: bool = False
) -> RoundReport:
    """The round's report as this grant may see it (small groups suppressed by bot.reports)."""
    from bot.reports.build import build_round_report

    return await build_round_report(deps.store, round_id, options_for(deps, grant, voice=voice))


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


async def report_for_round(
    deps: Deps, update: Update, round_id: int
) -> tuple[Round, Grant, RoundReport] | None:
    """The round, the grant and the report this chat may read of it; None after a refusal."""
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return None
    found, grant = allowed
    return found, grant, await build_report(deps, found.id, grant)


def view_buttons(report: RoundReport, round_id: int, grant: Grant) -> Rows:
    views = [(say(VIEW_LABELS[v]), ReportDetail(round_id, v)) for v in DETAIL_VIEWS]
    rows: list[list[tuple[str, ReportDetail | ReportVoice | ReportFile]]] = [
        list(views[i : i + 2]) for i in range(0, len(views), 2)
    ]
    if grant.role == Role.BRUGFIGUUR:
        rows.append([(say(VOICE_LABEL), ReportVoice(round_id))])
    rows.append([(f"📄 {fmt.upper()}", ReportFile(round_id, fmt)) for fmt in FileFormat])
    return rows


def with_dashboard(deps: Deps, rows: Rows) -> InlineKeyboardMarkup:
    """The report's buttons, and above them the dashboard's `web_app` button when it is set up."""
    markup = keyboard(rows)
    button = open_button(deps.settings)
    if button is None:
        return markup
    return InlineKeyboardMarkup([[button], *markup.inline_keyboard])


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
    names = await deps.store.school_names(schools[:SCHOOLS_IN_PICKER])
    rows: list[list[tuple[str, ReportSchool | ReportOverview]]] = [
        [(names.get(s, str(s)), ReportSchool(s))] for s in schools[:SCHOOLS_IN_PICKER]
    ]
    rows.append([(say(staff_texts_report.VIEW_OVERVIEW), ReportOverview())])
    await reply(update, say(staff_texts.PICK_SCHOOL), keyboard(rows))


async def offer_rounds(update: Update, deps: Deps, school_id: int) -> None:
    if await permitted(deps, update, Action.REPORT, school_id) is None:
        return
    rounds = list(reversed(await deps.store.rounds(school_id)))[:ROUNDS_IN_PICKER]
    if not rounds:
        await reply(update, say(staff_texts.NO_ROUNDS))
        return
    rows = [[(round_label(r), ReportRound(r.id))] for r in rounds]
    await reply(update, say(staff_texts.PICK_ROUND), keyboard(rows))


async def show_report(update: Update, deps: Deps, round_id: int) -> None:
    """The summary message, the charts as pictures, and the buttons for more."""
    from bot.reports.charts import charts
    from bot.reports.text import summary_text

    readable = await report_for_round(deps, update, round_id)
    if readable is None:
        return
    found, grant, report = readable
    chat = update.effective_chat
    assert chat is not None
    for name, png in await rendered(lambda: charts(report)):
        await chat.send_photo(InputFile(png, filename=name))
    await reply(
        update, summary_text(report), with_dashboard(deps, view_buttons(report, found.id, grant))
    )
    await set_menu_button(chat.get_bot(), chat.id, deps.settings, await access_of(deps, update))
    log.info("a report was shown")


async def show_detail(update: Update, deps: Deps, round_id: int, view: ReportView) -> None:
    from bot.reports.text import detail_text

    readable = await report_for_round(deps, update, round_id)
    if readable is None:
        return
    _found, _grant, report = readable
    await reply(update, detail_text(report, view))


async def send_file(update: Update, deps: Deps, round_id: int, fmt: FileFormat) -> None:
    from bot.reports.exports import export

    readable = await report_for_round(deps, update, round_id)
    if readable is None:
        return
    found, _grant, report = readable
    chat = update.effective_chat
    assert chat is not None
    name = f"ouderstem-ronde-{found.id}.{fmt}"
    data = await rendered(lambda: export(report, fmt))
    await chat.send_document(InputFile(data, filename=name))


async def send_voice_answers(update: Update, deps: Deps, round_id: int) -> None:
    """Voice answers, for a brugfiguur only, and only where open answers may be shown."""
    allowed = await grant_for_round(deps, update, round_id)
    if allowed is None:
        return
    found, grant = allowed
    if grant.role != Role.BRUGFIGUUR:
        await refuse(update, deps)
        return
    report = await build_report(deps, found.id, grant, voice=True)
    file_ids = [fid for group in report.open_answers for fid in (group.voice_file_ids or [])]
    chat = update.effective_chat
    assert chat is not None
    if not file_ids:
        await reply(update, say(staff_texts_report.NO_VOICE))
        return
    await reply(update, say(staff_texts_report.VOICE_NOTICE, count=len(file_ids)))
    for file_id in file_ids[:MAX_VOICE_NOTES]:
        sent = await chat.send_voice(file_id)
        # Kept so the parent's /vergeet can delete this copy too (docs/privacy.md).
        await deps.store.record_forwarded(file_id, chat.id, sent.message_id, deps.clock())


async def show_overview(update: Update, deps: Deps) -> None:
    """Brugfiguur: their schools side by side. Coordinator: the centre, named only if agreed."""
    from bot.reports.overview import build_overview
    from bot.reports.text import overview_text

    access = await access_of(deps, update)
    schools = schools_for(access, Action.OVERVIEW)
    if not schools:
        await refuse(update, deps)
        return
    grant = authorize(access, Action.OVERVIEW, schools[0])
    named = named_schools(access, schools)  # each grant names only its own scope
    overview = await build_overview(deps.store, schools, options_for(deps, grant), named=named)
    await reply(update, overview_text(overview))


# ---- one handler per kind of button ----------------------------------------------------------


async def school_chosen(update: Update, deps: Deps, button: ReportSchool) -> None:
    """A school: its latest rounds."""
    await offer_rounds(update, deps, button.school_id)


async def round_chosen(update: Update, deps: Deps, button: ReportRound) -> None:
    """A round: its report."""
    await show_report(update, deps, button.round_id)


async def detail_chosen(update: Update, deps: Deps, button: ReportDetail) -> None:
    """A detail view of a round."""
    await show_detail(update, deps, button.round_id, button.view)


async def file_chosen(update: Update, deps: Deps, button: ReportFile) -> None:
    """A file of a round."""
    await send_file(update, deps, button.round_id, button.format)


async def voice_chosen(update: Update, deps: Deps, button: ReportVoice) -> None:
    """A round's voice answers."""
    await send_voice_answers(update, deps, button.round_id)


async def overview_chosen(update: Update, deps: Deps, button: ReportOverview) -> None:
    """The overview of the caller's schools."""
    await show_overview(update, deps)


on_school_button = on_button(ReportSchool, school_chosen)
on_round_button = on_button(ReportRound, round_chosen)
on_detail_button = on_button(ReportDetail, detail_chosen)
on_file_button = on_button(ReportFile, file_chosen)
on_voice_button = on_button(ReportVoice, voice_chosen)
on_overview_button = on_button(ReportOverview, overview_chosen)
