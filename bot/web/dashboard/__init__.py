"""The brugfiguur's dashboard: a Telegram Mini App served beside the webhook (issue 14).

    api.py      the page, its static files and the JSON API; initData checked on every call,
                then the same role and school check as the chat (`bot.staff.authorize`)
    auth.py     Telegram's initData: HMAC-SHA256 signature, at most an hour old
    views.py    a round (or an overview) as sections of charts, tables and text, from the report
                model only: what `bot.reports` hides, the page and its JSON cannot show
    svg.py      the charts, drawn on the server as SVG
    static/     index.html, app.js, app.css: our own code only, no CDN

`mount(application)` gives the `Mount` that `bot.web.app.create_app` adds under `PATH`, reading
the token, settings, store and clock from the application's `Deps`; the Mini App's public URL is
`OUDERSTEM_PUBLIC_URL` + `PATH` (`bot.tg.dashboard_button`).

Charts: server-side SVG, not Chart.js. The numbers already live in Python, formatted by
`bot.reports.labels` exactly as the chat shows them, and a hidden figure is drawn as the hidden
mark by the same code that writes the tables, so there is one path from the privacy module to
the screen. An SVG carries its numbers as text (screen readers read them, nothing is told by
colour alone, `<title>` and `aria-label` name the chart), takes Telegram's theme colours through
CSS classes, needs no script beyond our own ~200 lines (a strict CSP: `script-src 'self'`, no
'unsafe-inline' or 'unsafe-eval'), no vendored library to keep patched, and draws the 4x3 heat
map, stacked face bars and paired bars in a few lines each, where Chart.js needs a plugin for a
heat map and a canvas that screen readers cannot read. The page is a few kilobytes on a phone.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Mount

PATH = "/app"  # the Mini App: https://<public host>/app/


def mount(application: Any) -> Mount:
    """The dashboard for a built PTB application (its Deps and its bot send the files)."""
    from telegram import InputFile

    from bot.tg.deps import DEPS_KEY, Deps
    from bot.tg.report_handlers import options_for
    from bot.web.dashboard.api import Dashboard, dashboard_app

    deps: Deps = application.bot_data[DEPS_KEY]

    async def send_document(chat_id: int, data: bytes, name: str) -> None:
        await application.bot.send_document(chat_id, InputFile(data, filename=name))

    dashboard = Dashboard(
        deps.store,
        deps.settings.require_token(),
        lambda grant: options_for(deps, grant),
        deps.clock,
        send_document,
    )
    return Mount(PATH, app=dashboard_app(dashboard))
