"""The dashboard's API (bot/web/dashboard/) through httpx, over the real bot and a seeded year.

initData is checked on every call (forged, stale or missing: 401), then the role and school like
the chat (another school's round: 403, a missing round alike); the JSON is the report model's,
so every number equals what /rapport shows, and what the chat hides is null here too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.reports import labels
from bot.staff import Grant, Role
from bot.tg.stub_api import button_labels
from bot.web.dashboard import PATH, auth, mount
from bot.web.dashboard.api import CSP
from tests.conftest import TOKEN
from tests.dashboard_fixtures import (
    HIDDEN_STATEMENT,
    SMALL_CLASS,
    Seeded,
    centre_id,
    init_data,
    make_member,
    seed,
)


class Client:
    def __init__(self, bot: Any) -> None:
        from starlette.applications import Starlette

        self.bot = bot
        self.app = Starlette(routes=[mount(bot.application)])
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://dashboard"
        )

    async def call(
        self,
        path: str,
        user_id: int | None,
        body: dict[str, Any] | None = None,
        *,
        data: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if data is None and user_id is not None:
            data = init_data(user_id, TOKEN, self.bot.deps.clock())
        if data is not None:
            headers["Authorization"] = f"tma {data}"
        return await self.http.post(f"{PATH}/api/{path}", json=body or {}, headers=headers)


@pytest.fixture
async def world(bot: Any) -> tuple[Client, Seeded, Any]:
    seeded = await seed(bot.store)
    admin = bot.user()
    await make_member(
        bot.store, admin.user_id, Grant(Role.ADMIN, school_id=seeded.school.id), bot.deps.clock()
    )
    client = Client(bot)
    yield client, seeded, admin
    await client.http.aclose()


# ---- initData ---------------------------------------------------------------------------------


def test_init_data_made_with_the_token_is_accepted_and_names_the_user() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    user = auth.validate(init_data(4242, TOKEN, now), TOKEN, now + timedelta(minutes=5))
    assert user.id == 4242


@pytest.mark.parametrize(
    "tamper",
    ["other token", "changed user", "no hash", "twice", "expired", "future", "garbage"],
)
def test_forged_or_stale_init_data_is_refused(tamper: str) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    good = init_data(4242, TOKEN, now)
    data, at = good, now
    if tamper == "other token":
        data = init_data(4242, "999:OTHER", now)
    elif tamper == "changed user":
        data = good.replace("4242", "4243")
    elif tamper == "no hash":
        data = re.sub(r"&?hash=[0-9a-f]+", "", good)
    elif tamper == "twice":
        data = good + "&auth_date=1"
    elif tamper == "expired":
        at = now + auth.MAX_AGE + timedelta(seconds=1)
    elif tamper == "future":
        at = now - auth.CLOCK_SKEW - timedelta(seconds=1)
    elif tamper == "garbage":
        data = "%%%"
    with pytest.raises(auth.InitDataError):
        auth.validate(data, TOKEN, at)


# ---- the API ----------------------------------------------------------------------------------


async def test_the_page_carries_security_headers_and_no_cookie(world) -> None:
    client, _, _ = world
    page = await client.http.get(f"{PATH}/")
    assert page.status_code == 200 and "Ouderstem" in page.text
    assert page.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in page.headers
    script = await client.http.get(f"{PATH}/static/app.js")
    assert script.status_code == 200 and script.headers["cache-control"] == "no-store"
    for found in re.finditer("http", script.text):  # no CDN: only Telegram's own origin named
        assert "telegram" in script.text[found.start() : found.start() + 60]


async def test_session_lists_only_the_schools_and_rounds_the_person_may_read(world) -> None:
    client, seeded, admin = world
    answer = await client.call("session", admin.user_id)
    assert answer.status_code == 200
    data = answer.json()
    assert [s["name"] for s in data["schools"]] == ["Basisschool De Regenboog"]
    rounds = [r["id"] for r in data["schools"][0]["rounds"]]
    assert seeded.current.id in rounds and seeded.foreign.id not in rounds
    assert data["overview"] is False


@pytest.mark.parametrize("how", ["missing", "forged", "expired", "other bot"])
async def test_every_call_without_genuine_fresh_init_data_is_401(world, how: str) -> None:
    client, seeded, admin = world
    now = client.bot.deps.clock()
    data = {
        "missing": None,
        "forged": init_data(admin.user_id, TOKEN, now).replace("Staff", "Chef"),
        "expired": init_data(admin.user_id, TOKEN, now - timedelta(hours=2)),
        "other bot": init_data(admin.user_id, "999:OTHER", now),
    }[how]
    for path in ("session", "report", "overview", "send"):
        answer = await client.call(
            path, None, {"round_id": seeded.current.id, "format": "csv"}, data=data
        )
        assert answer.status_code == 401, path
        body = answer.json()
        assert body["error"] == ("expired" if how == "expired" else "auth")
        assert "report" not in body and "page" not in body
        assert "Telegram" in body["message"] or "opnieuw" in body["message"]


async def test_another_schools_round_and_a_missing_round_are_refused_alike(world) -> None:
    client, seeded, admin = world
    foreign = await client.call("report", admin.user_id, {"round_id": seeded.foreign.id})
    missing = await client.call("report", admin.user_id, {"round_id": 999_999})
    assert foreign.status_code == missing.status_code == 403
    assert foreign.json() == missing.json()
    assert "Het Anker" not in foreign.text and "mag dit rapport niet" in foreign.json()["message"]
    sent = await client.call(
        "send", admin.user_id, {"round_id": seeded.foreign.id, "format": "pdf"}
    )
    assert sent.status_code == 403


async def test_a_stranger_and_a_team_member_without_reports_see_nothing(world) -> None:
    client, seeded, _ = world
    stranger = client.bot.user()
    team = client.bot.user()
    await make_member(
        client.bot.store,
        team.user_id,
        Grant(Role.TEAM, school_id=seeded.school.id),
        client.bot.deps.clock(),
    )
    for person in (stranger, team):
        assert (await client.call("session", person.user_id)).status_code == 403
        answer = await client.call("report", person.user_id, {"round_id": seeded.current.id})
        assert answer.status_code == 403 and "page" not in answer.json()


async def test_a_large_or_malformed_body_is_refused_before_any_report(world) -> None:
    client, _seeded, admin = world
    headers = {"Authorization": f"tma {init_data(admin.user_id, TOKEN, client.bot.deps.clock())}"}
    large = await client.http.post(
        f"{PATH}/api/report",
        content=b'{"round_id": 1, "x": "' + b"a" * 4000 + b'"}',
        headers=headers,
    )
    assert large.status_code == 413 and "page" not in large.json()
    for body in (b"[1]", b"not json", b'{"round_id": "2"}'):
        answer = await client.http.post(f"{PATH}/api/report", content=body, headers=headers)
        assert answer.status_code in (400, 403) and "page" not in answer.json()


async def test_a_file_goes_into_the_persons_own_chat(world) -> None:
    client, seeded, admin = world
    answer = await client.call(
        "send", admin.user_id, {"round_id": seeded.current.id, "format": "csv"}
    )
    assert answer.status_code == 200 and answer.json()["sent"] is True
    documents = [m for m in admin.replies() if "document" in m]
    assert (
        documents
        and documents[-1]["upload"]["filename"] == f"ouderstem-ronde-{seeded.current.id}.csv"
    )
    bad = await client.call("send", admin.user_id, {"round_id": seeded.current.id, "format": "exe"})
    assert bad.status_code == 400


def _blocks(page: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return next(s["blocks"] for s in page["sections"] if s["id"] == section)


def _table_rows(page: dict[str, Any], section: str) -> list[list[str]]:
    for s in page["sections"]:
        if s["id"] == section:
            return [row for b in s["blocks"] if b["kind"] == "table" for row in b["rows"]]
    raise KeyError(section)


async def test_json_and_page_match_what_rapport_shows_in_the_chat_hidden_cells_included(
    world,
) -> None:
    client, seeded, admin = world
    answer = await client.call("report", admin.user_id, {"round_id": seeded.current.id})
    assert answer.status_code == 200
    report, page = answer.json()["report"], answer.json()["page"]

    admin.replies()
    shown = await admin.command("/rapport", str(seeded.current.id))
    summary = shown[-1]["text"]
    themes_view = (await admin.press("Thema's"))[-1]["text"]
    groups_view_replies = await admin.press_data(f"rp|d|{seeded.current.id}|groups")
    assert groups_view_replies

    # participation: the same counts, and the small class hidden in both
    p = report["participation"]
    assert f"{p['started']} " in summary and str(p["completed"]) in summary
    small = next(c for c in p["by_group"]["cells"] if c["label"] == SMALL_CLASS)
    assert small["shown"] is False and small["started"] is None and small["completed"] is None
    rows = {r[0]: r for r in _table_rows(page, "participation")}
    assert rows[SMALL_CLASS][1:3] == [labels.HIDDEN, labels.HIDDEN]
    hidden_cells = [c for c in p["by_group"]["cells"] if not c["shown"]]
    assert len(hidden_cells) >= 2  # suppressed with its complement (privacy rule 4)
    for cell in hidden_cells:
        assert rows[cell["label"]][1] == labels.HIDDEN
    languages = {c["key"]: c for c in p["by_language"]["cells"]}
    assert "tr" not in languages  # two Turkish-speaking parents: never named

    # every theme mean: the summary, the themes view and the page say the same
    theme_rows = {r[0]: r for r in _table_rows(page, "themes")}
    for theme in report["themes"]:
        mean = labels.mean("nl", theme["figure"]["mean"])
        assert f"{theme['title']}: {mean}" in summary
        assert f"🧭 {theme['title']}: {mean}" in themes_view
        assert theme_rows[theme["title"]][1] == mean

    # the hidden statement: null in the JSON, the hidden mark in the chat and on the page
    statement = next(s for s in report["statements"] if s["question_id"] == HIDDEN_STATEMENT)
    assert statement["figure"] == {
        "shown": False,
        "n": None,
        "counts": None,
        "mean": None,
        "dontknow_share": None,
        "positive_share": None,
    }
    assert f"• {statement['text']} {labels.HIDDEN}" in themes_view
    statement_rows = {r[0]: r for r in _table_rows(page, "statements")}
    assert statement_rows[statement["text"]][1:] == [labels.HIDDEN] * 3
    # every shown statement: the same mean, strongest first
    means = [s["figure"]["mean"] for s in report["statements"] if s["type"] == "scale"]
    page_means = [r[1] for r in _table_rows(page, "statements")]
    expected = [
        labels.mean("nl", m) for m in sorted((m for m in means if m is not None), reverse=True)
    ]
    assert page_means[: len(expected)] == expected
    for s in report["statements"]:
        if s["figure"]["shown"]:
            assert f"• {s['text']} {labels.mean('nl', s['figure']['mean'])}" in themes_view

    # no hidden number anywhere in the JSON
    def figures(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            found = [node] if "shown" in node and "counts" in node else []
            return found + [f for v in node.values() for f in figures(v)]
        if isinstance(node, list):
            return [f for v in node for f in figures(v)]
        return []

    for figure in figures(report):
        if not figure["shown"]:
            assert all(figure[k] is None for k in figure if k != "shown")


async def test_views_hold_every_section_the_issue_asks_for(world) -> None:
    client, seeded, admin = world
    page = (await client.call("report", admin.user_id, {"round_id": seeded.current.id})).json()[
        "page"
    ]
    ids = [s["id"] for s in page["sections"]]
    for needed in (
        "participation",
        "themes",
        "statements",
        "team",
        "trend",
        "stars",
        "goals",
        "matrix",
        "open",
        "tips",
        "downloads",
    ):
        assert needed in ids, needed
    matrix = next(s for s in page["sections"] if s["id"] == "matrix")
    svg = matrix["blocks"][0]["svg"]
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-label" in svg
    assert "<script" not in svg and "style=" not in svg


async def test_rapport_offers_the_dashboard_button_and_menu_only_with_a_public_url(world) -> None:
    client, seeded, admin = world
    admin.replies()
    shown = await admin.command("/rapport", str(seeded.current.id))
    assert all("web_app" not in b for b in shown[-1]["reply_markup"]["inline_keyboard"][0])
    bot = client.bot
    bot.deps.settings = bot.deps.settings.model_copy(
        update={"public_url": "https://ouderstem.example.org"}
    )
    shown = await admin.command("/rapport", str(seeded.current.id))
    first = shown[-1]["reply_markup"]["inline_keyboard"][0][0]
    assert first["web_app"] == {"url": "https://ouderstem.example.org/app/"}
    assert "Open het dashboard" in first["text"] and "📄 PDF" in button_labels(shown[-1])
    menus = [p for m, p in bot.api.calls if m == "setChatMenuButton"]
    assert menus and str(admin.user_id) in str(menus[-1]) and "web_app" in str(menus[-1])


async def test_a_brugfiguur_sees_their_schools_side_by_side(world) -> None:
    client, seeded, _ = world
    bridge = client.bot.user()
    now = client.bot.deps.clock()
    for school in (seeded.school, seeded.other):
        await make_member(
            client.bot.store, bridge.user_id, Grant(Role.BRUGFIGUUR, school_id=school.id), now
        )
    session = (await client.call("session", bridge.user_id)).json()
    assert [s["name"] for s in session["schools"]] == [
        "Basisschool De Regenboog",
        "Basisschool Het Anker",
    ]
    assert session["overview"] is True
    answer = (await client.call("overview", bridge.user_id)).json()
    names = [s["name"] for s in answer["overview"]["schools"]]
    assert names == sorted(names) == ["Basisschool De Regenboog", "Basisschool Het Anker"]
    # a column per school, alphabetical, never ranked; a row per theme with each school's mean
    (table,) = [
        b
        for sec in answer["page"]["sections"]
        if sec["id"] == "schools"
        for b in sec["blocks"]
        if b["kind"] == "table"
    ]
    assert table["head"][1:] == names
    by_theme = {r[0]: r[1:] for r in table["rows"]}
    for theme in answer["overview"]["total"]["themes"]:
        assert by_theme[theme["title"]] == [
            labels.mean("nl", s["themes"][theme["theme_id"]]["mean"])
            if theme["theme_id"] in s["themes"]
            else labels.HIDDEN
            for s in answer["overview"]["schools"]
        ]
    chart = next(b for b in _blocks(answer["page"], "schools") if b["kind"] == "chart")
    assert all(name in chart["svg"] for name in names)  # every bar named by its school
    assert (
        await client.call("report", bridge.user_id, {"round_id": seeded.foreign.id})
    ).status_code == 200


async def test_a_coordinator_sees_the_centre_and_no_school_that_would_single_out_another(
    world,
) -> None:
    client, seeded, _ = world
    coordinator = client.bot.user()
    centre = await centre_id(client.bot.store)
    await make_member(
        client.bot.store,
        coordinator.user_id,
        Grant(Role.COORDINATOR, centre_id=centre),
        client.bot.deps.clock(),
    )
    session = (await client.call("session", coordinator.user_id)).json()
    assert [s["name"] for s in session["schools"]] == ["Basisschool De Regenboog"]  # agreed
    answer = await client.call("overview", coordinator.user_id)
    assert answer.status_code == 200
    overview = answer.json()["overview"]
    assert overview["total"]["schools"] == 2
    # listing the one named school would leave exactly one other: none is listed (rule 7)
    assert overview["schools"] == [] and "Het Anker" not in answer.text
    refused = await client.call("report", coordinator.user_id, {"round_id": seeded.foreign.id})
    assert refused.status_code == 403


# ---- where it is served -----------------------------------------------------------------------


def test_the_webhook_app_mounts_the_dashboard(bot: Any) -> None:
    from bot.web.app import create_app

    app = create_app(bot.application, bot.store, "s3cret")
    assert any(getattr(route, "path", None) == PATH for route in app.routes)


async def test_run_serves_the_dashboard_beside_polling_when_a_port_is_set(bot: Any) -> None:
    import socket

    from bot.web.dashboard.beside import Beside

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert await Beside(bot.deps.settings).start(bot.application) is None  # no port: nothing
    settings = bot.deps.settings.model_copy(update={"web_port": port})
    beside = Beside(settings)
    await beside.start(bot.application)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(100):
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.ConnectError:
                    import asyncio

                    await asyncio.sleep(0.05)
            assert health.text == "ok"
            page = await http.get(f"{PATH}/")
            assert page.status_code == 200 and "content-security-policy" in page.headers
            refused = await http.post(f"{PATH}/api/session")
            assert refused.status_code == 401
    finally:
        await beside.stop()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://ouderstem.example.org/", "https://ouderstem.example.org"),
        ("", None),
    ],
)
def test_the_public_url_is_an_https_root(given: str, kept: str | None) -> None:
    from bot.config import Settings

    assert Settings.model_validate({"OUDERSTEM_PUBLIC_URL": given}).public_url == kept


@pytest.mark.parametrize(
    "given", ["http://ouderstem.example.org", "https://x.example/?a=1", "ouderstem.example.org"]
)
def test_a_public_url_that_telegram_cannot_open_stops_with_a_message(given: str) -> None:
    from pydantic import ValidationError

    from bot.config import Settings

    with pytest.raises(ValidationError, match="https://"):
        Settings.model_validate({"OUDERSTEM_PUBLIC_URL": given})


@pytest.mark.parametrize("public_url", [None, "https://ouderstem.example.org"])
async def test_the_staff_help_says_where_the_dashboard_is_or_that_it_is_not_set_up(
    bot: Any, public_url: str | None
) -> None:
    from bot.clock import new_token

    school, _ = await bot.school_and_round()
    bot.deps.settings = bot.deps.settings.model_copy(update={"public_url": public_url})
    token = new_token()
    now = bot.deps.clock()
    grant = Grant(Role.BRUGFIGUUR, school_id=school.id)
    await bot.store.create_invite(
        token, grant, created_by=None, at=now, expires_at=now + timedelta(days=1)
    )
    person = bot.user()
    welcome = " ".join(m.get("text") or "" for m in await person.command("/start", f"inv-{token}"))
    menus = [p for m, p in bot.api.calls if m == "setChatMenuButton"]
    if public_url is None:
        assert "niet ingesteld" in welcome and "OUDERSTEM_PUBLIC_URL" in welcome
        assert menus == []
    else:
        assert "menuknop" in welcome
        assert menus and "https://ouderstem.example.org/app/" in str(menus[-1])
