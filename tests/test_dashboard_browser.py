"""The dashboard in a real browser: headless Chromium (Debian's package) driven by Playwright,
against the real bot's dashboard served by uvicorn on a free local port, over a seeded year.

It opens the Mini App the way Telegram does (initData and theme in the URL fragment), checks the
views show the report's numbers, that forged or stale initData and another school's round are
refused with a Dutch message, that suppressed cells stay suppressed, and saves screenshots at
360x740 (the path is printed; `pytest -s` shows it).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.reports import labels
from bot.staff import Grant, Role
from bot.web.dashboard import PATH, mount
from tests.conftest import TOKEN
from tests.dashboard_fixtures import (
    HIDDEN_STATEMENT,
    SMALL_CLASS,
    centre_id,
    init_data,
    make_member,
    seed,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f1f1f1",
    "link_color": "#2481cc",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
    "link_color": "#6ab3f3",
}

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "dashboard-screenshots"
    folder.mkdir(exist_ok=True)
    print(f"\ndashboard screenshots: {folder}")
    return folder


@pytest.fixture
async def served(bot: Any) -> AsyncIterator[tuple[str, Any]]:
    import uvicorn
    from starlette.applications import Starlette

    app = Starlette(routes=[mount(bot.application)])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    server.capture_signals = lambda: __import__("contextlib").nullcontext()  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}", bot
    server.should_exit = True
    await task


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


def launch_url(base: str, data: str, theme: dict[str, str] = LIGHT) -> str:
    fragment = f"tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"
    fragment += f"&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}"
    return f"{base}{PATH}/#{fragment}"


async def open_page(browser: Any, base: str, url: str) -> tuple[Any, list[str], list[str]]:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="nl-BE")
    page = await context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    await page.goto(url)
    # (wait_for_function would need 'unsafe-eval', which the page's CSP rightly refuses)
    await page.wait_for_selector("body[data-state^='shown'], body[data-state^='refused']")
    return page, problems, requests


async def rows_of(page: Any, section: str) -> dict[str, list[str]]:
    rows = await page.eval_on_selector_all(
        f"#s-{section} table tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))",
    )
    return {r[0]: r for r in rows}


async def test_the_dashboard_shows_the_reports_numbers_and_keeps_hidden_cells_hidden(
    served: tuple[str, Any], browser: Any, shots: Path
) -> None:
    base, bot = served
    seeded = await seed(bot.store)
    admin = bot.user()
    now = bot.deps.clock()
    await make_member(bot.store, admin.user_id, Grant(Role.ADMIN, school_id=seeded.school.id), now)
    from bot.reports.build import build_round_report
    from bot.tg.report_handlers import options_for

    report = await build_round_report(
        bot.store,
        seeded.current.id,
        options_for(bot.deps, Grant(Role.ADMIN, school_id=seeded.school.id)),
    )

    page, problems, requests = await open_page(
        browser, base, launch_url(base, init_data(admin.user_id, TOKEN, now))
    )
    assert await page.evaluate("document.body.dataset.state") == "shown"
    assert "#" not in page.url  # the launch data left the address bar
    assert await page.input_value("#round") == str(seeded.current.id)
    await page.screenshot(path=shots / "01-report-top-light.png")

    # participation: the small class and its complement are the hidden mark, as in the chat
    participation = await rows_of(page, "participation")
    assert participation[SMALL_CLASS][1:3] == [labels.HIDDEN, labels.HIDDEN]
    for cell in report.participation.by_group.cells:
        expected = labels.count(cell.started)
        assert participation[cell.label][1] == expected
    # themes: the same means as the report model (and so as /rapport)
    themes = await rows_of(page, "themes")
    for theme in report.themes:
        assert themes[theme.title][1] == labels.mean("nl", theme.figure.mean)
    # statements: strongest first; the hidden one hidden
    statements = await rows_of(page, "statements")
    hidden = report.statement(HIDDEN_STATEMENT)
    assert statements[hidden.text][1:] == [labels.HIDDEN] * 3
    order = await page.eval_on_selector_all(
        "#s-statements table:first-of-type tbody tr td:nth-child(2)",
        "c => c.map(x => x.textContent)",
    )
    shown = [m for m in order if m != labels.HIDDEN]
    assert shown == sorted(shown, key=lambda m: -float(m.replace(",", ".")))
    # every chart names itself for screen readers; every select has its label
    charts = await page.eval_on_selector_all("svg", "s => s.map(x => x.getAttribute('aria-label'))")
    assert charts and all(charts)
    assert await page.eval_on_selector("label[for=school]", "l => l.textContent") == "School"
    assert set(await rows_of(page, "team"))  # parents beside the team
    assert set(await rows_of(page, "trend"))  # this round beside the previous
    matrix = await page.query_selector("#s-matrix svg")
    assert matrix is not None

    for section, name in (
        ("themes", "02-themes.png"),
        ("statements", "03-statements.png"),
        ("team", "04-parents-beside-team.png"),
        ("trend", "05-trend.png"),
        ("stars", "06-five-stars.png"),
        ("matrix", "07-matrix-heatmap.png"),
        ("open", "08-open-answers-and-tips.png"),
    ):
        await page.locator(f"#s-{section}").scroll_into_view_if_needed()
        await page.evaluate(f"document.getElementById('s-{section}').scrollIntoView()")
        await page.screenshot(path=shots / name)
    await page.screenshot(path=shots / "00-report-whole-page.png", full_page=True)

    # a download goes into the chat
    admin.replies()
    await page.click("button[data-format=csv]")
    await page.wait_for_selector("#status:not(:empty)")
    assert any("document" in m for m in admin.replies())

    # another school's round, asked for by a tampered page: 403 and a clear Dutch message
    await page.evaluate(
        """id => { const s = document.getElementById('round');
                   s.append(new Option('x', String(id))); s.value = String(id);
                   s.dispatchEvent(new Event('change')); }""",
        seeded.foreign.id,
    )
    await page.wait_for_selector("body[data-state='refused-forbidden']")
    message = await page.text_content("#status")
    assert message is not None and "U mag dit rapport niet bekijken" in message
    assert await page.query_selector("#s-themes") is None  # nothing of the other school shows
    await page.screenshot(path=shots / "10-refused-other-school.png")

    # no script error, no CSP violation: only the refusal just asked for
    assert problems == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    assert all(r.startswith(base) for r in requests), requests  # nothing from elsewhere
    await page.context.close()

    # the same page in Telegram's dark theme
    dark, problems, _ = await open_page(
        browser, base, launch_url(base, init_data(admin.user_id, TOKEN, now), DARK)
    )
    background = await dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    await dark.screenshot(path=shots / "09-report-top-dark.png")
    await dark.locator("#s-matrix").scroll_into_view_if_needed()
    await dark.screenshot(path=shots / "09-matrix-dark.png")
    # Telegram tells the page when the theme changes (the apps call receiveEvent)
    await dark.evaluate(
        "window.Telegram.WebView.receiveEvent('theme_changed', {theme_params: {bg_color: '#ffffff'}})"
    )
    assert (
        await dark.evaluate("getComputedStyle(document.body).backgroundColor")
        == "rgb(255, 255, 255)"
    )
    assert not problems, problems
    await dark.context.close()


@pytest.mark.parametrize("how", ["forged", "expired", "none"])
async def test_forged_expired_or_missing_init_data_shows_a_dutch_refusal(
    served: tuple[str, Any], browser: Any, shots: Path, how: str
) -> None:
    base, bot = served
    seeded = await seed(bot.store)
    admin = bot.user()
    now = bot.deps.clock()
    await make_member(bot.store, admin.user_id, Grant(Role.ADMIN, school_id=seeded.school.id), now)
    good = init_data(admin.user_id, TOKEN, now)
    data = {
        "forged": init_data(admin.user_id, "999:NOT-OUR-BOT", now),
        "expired": init_data(admin.user_id, TOKEN, now - timedelta(hours=1, minutes=5)),
        "none": "",
    }[how]
    assert data != good
    url = launch_url(base, data) if data else f"{base}{PATH}/"
    page, problems, _ = await open_page(browser, base, url)
    state = await page.evaluate("document.body.dataset.state")
    assert state == ("refused-expired" if how == "expired" else "refused-auth")
    message = await page.text_content("#status")
    assert message is not None
    assert (
        ("te lang open" in message) if how == "expired" else ("alleen vanuit Telegram" in message)
    )
    assert await page.get_attribute("#status", "role") == "alert"
    assert await page.query_selector("section") is None
    await page.screenshot(path=shots / f"11-refused-{how}.png")
    assert all("401" in p or "Failed to load resource" in p for p in problems), problems
    await page.context.close()


async def test_a_brugfiguur_sees_their_schools_side_by_side(
    served: tuple[str, Any], browser: Any, shots: Path
) -> None:
    base, bot = served
    seeded = await seed(bot.store)
    bridge = bot.user()
    now = bot.deps.clock()
    for school in (seeded.school, seeded.other):
        await make_member(
            bot.store, bridge.user_id, Grant(Role.BRUGFIGUUR, school_id=school.id), now
        )
    page, problems, _ = await open_page(
        browser, base, launch_url(base, init_data(bridge.user_id, TOKEN, now))
    )
    schools = await page.eval_on_selector_all("#school option", "o => o.map(x => x.textContent)")
    assert schools[:2] == ["Basisschool De Regenboog", "Basisschool Het Anker"]
    await page.select_option("#school", "overview")
    await page.wait_for_selector("#s-schools")
    heads = await page.eval_on_selector_all(
        "#s-schools table thead th", "hs => hs.map(h => h.textContent)"
    )
    assert heads[1:] == ["Basisschool De Regenboog", "Basisschool Het Anker"]  # side by side
    rows = await rows_of(page, "schools")
    assert rows["Welkom en relatie"][1:] == ["4,0", "4,5"]  # each school's mean, as seeded
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a 360-pixel phone
    await page.locator("#s-schools").scroll_into_view_if_needed()
    await page.screenshot(path=shots / "12-brugfiguur-schools-side-by-side.png")
    assert not problems, problems
    await page.context.close()


async def test_a_coordinator_sees_the_centre_overview_and_no_lone_other_school(
    served: tuple[str, Any], browser: Any, shots: Path
) -> None:
    base, bot = served
    seeded = await seed(bot.store)
    coordinator = bot.user()
    now = bot.deps.clock()
    centre = await centre_id(bot.store)
    await make_member(
        bot.store, coordinator.user_id, Grant(Role.COORDINATOR, centre_id=centre), now
    )
    page, problems, _ = await open_page(
        browser, base, launch_url(base, init_data(coordinator.user_id, TOKEN, now))
    )
    options = await page.eval_on_selector_all("#school option", "o => o.map(x => x.value)")
    assert options == [str(seeded.school.id), "overview"]
    await page.select_option("#school", "overview")
    await page.wait_for_selector("#s-centre")
    assert not await page.is_visible("#round")  # no empty round picker for the overview
    centre_text = await page.text_content("#s-centre")
    assert centre_text is not None and "Het centrum samen" in centre_text
    assert await page.locator("#s-centre svg[role=img]").count() == 1
    # naming the one agreed school would single out the other: no schools' section at all
    assert await page.query_selector("#s-schools") is None
    assert "Het Anker" not in await page.content()
    await page.screenshot(path=shots / "15-coordinator-centre-overview.png")
    assert not problems, problems
    await page.context.close()


# ---- accessibility: WCAG 2.1 AA contrast, names for screen readers, never colour alone ----------

TEXT_SAMPLES = """() => {
  const clear = (c) => !c || c === "transparent" || c === "rgba(0, 0, 0, 0)";
  const groundOf = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (!clear(c)) return c;
    }
    return "rgb(255, 255, 255)";
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (el.closest("svg, script, select") || !el.getClientRects().length) continue;
    const s = getComputedStyle(el);
    out.push({text: node.textContent.trim().slice(0, 50), fg: s.color, bg: groundOf(el),
              size: parseFloat(s.fontSize), weight: parseInt(s.fontWeight, 10)});
  }
  for (const el of document.querySelectorAll("select")) {
    const s = getComputedStyle(el);
    out.push({text: "select#" + el.id, fg: s.color, bg: groundOf(el),
              size: parseFloat(s.fontSize), weight: parseInt(s.fontWeight, 10)});
  }
  for (const el of document.querySelectorAll("svg text")) {
    const s = getComputedStyle(el);
    const under = el.previousElementSibling;
    const onMark = [...el.classList].some((c) => c.startsWith("on-"));
    const bg = onMark && under && under.tagName === "rect"
      ? getComputedStyle(under).fill : groundOf(el.closest("svg"));
    out.push({text: "svg: " + el.textContent.slice(0, 40), fg: s.fill, bg,
              size: parseFloat(s.fontSize), weight: parseInt(s.fontWeight, 10)});
  }
  return out;
}"""

BAR_SAMPLES = """() => Array.from(document.querySelectorAll("svg rect.bar, svg rect.side-parents"))
  .map((r) => ({fill: getComputedStyle(r).fill,
                track: getComputedStyle(r.previousElementSibling).fill}))"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(x) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    return parts[0], parts[1], parts[2]


def _luminance(css: str) -> float:
    def channel(v: float) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def needed(size_px: float, weight: int) -> float:
    """WCAG 2.1 AA: 4.5:1, or 3:1 for large text (18 pt, or 14 pt bold)."""
    large = size_px >= 24 or (size_px >= 18.66 and weight >= 700)
    return 3.0 if large else 4.5


@pytest.mark.parametrize("theme_name", ["light", "dark"])
async def test_every_text_meets_wcag_aa_contrast_in_telegrams_light_and_dark_theme(
    served: tuple[str, Any], browser: Any, shots: Path, theme_name: str
) -> None:
    """Telegram's own default button colours (white on #2481cc, on #5288c1) are about 4:1: the
    page darkens them until every text reaches 4.5:1 (3:1 when large), bars 3:1 on their track."""
    base, bot = served
    seeded = await seed(bot.store)
    admin = bot.user()
    now = bot.deps.clock()
    await make_member(bot.store, admin.user_id, Grant(Role.ADMIN, school_id=seeded.school.id), now)
    theme = LIGHT if theme_name == "light" else DARK
    assert contrast("rgb(255, 255, 255)", "rgb(36, 129, 204)") < 4.5  # Telegram's own default
    page, problems, _ = await open_page(
        browser, base, launch_url(base, init_data(admin.user_id, TOKEN, now), theme)
    )
    await page.click("#toc-label")  # the open table of contents: its links count too
    samples = await page.evaluate(TEXT_SAMPLES)
    assert len(samples) > 100
    assert any(s["text"].startswith("📄 PDF") for s in samples)  # the buttons were measured
    poor = [
        (s["text"], round(contrast(s["fg"], s["bg"]), 2))
        for s in samples
        if contrast(s["fg"], s["bg"]) < needed(s["size"], s["weight"])
    ]
    assert not poor, poor
    bars = await page.evaluate(BAR_SAMPLES)
    assert bars and all(contrast(b["fill"], b["track"]) >= 3.0 for b in bars), bars
    await page.locator("#s-downloads").scroll_into_view_if_needed()
    await page.screenshot(path=shots / f"13-contrast-{theme_name}-downloads.png")
    assert not problems, problems
    await page.context.close()


async def test_screen_readers_get_names_and_no_chart_tells_by_colour_alone(
    served: tuple[str, Any], browser: Any, shots: Path
) -> None:
    base, bot = served
    seeded = await seed(bot.store)
    admin = bot.user()
    now = bot.deps.clock()
    await make_member(bot.store, admin.user_id, Grant(Role.ADMIN, school_id=seeded.school.id), now)
    page, problems, _ = await open_page(
        browser, base, launch_url(base, init_data(admin.user_id, TOKEN, now))
    )
    # names: the selects by their labels, the download buttons by what they do, every chart
    # and every table region by its title
    assert await page.get_by_label("School", exact=True).count() == 1
    assert await page.get_by_label("Ronde", exact=True).count() == 1
    for fmt in ("PDF", "XLSX", "CSV"):
        name = f"Het rapport als {fmt} naar de chat met de bot sturen"
        assert await page.get_by_role("button", name=name, exact=True).count() == 1
    named = await page.eval_on_selector_all(
        "svg, .table-wrap",
        "xs => xs.map(x => [x.getAttribute('role'), x.getAttribute('aria-label')])",
    )
    assert all(role in ("img", "region") and label for role, label in named), named

    # never colour alone: every heat-map cell carries words (a mean, the hidden mark, or
    # "niet gevraagd"), every face segment a count or its legend line, every second bar of a pair
    # a dashed edge and its side's name
    cells = await page.eval_on_selector_all(
        "#s-matrix svg rect",
        "rs => rs.map(r => [r.getAttribute('class'), (r.nextElementSibling || {}).textContent])",
    )
    assert len(cells) == 12
    assert all(text for _css, text in cells), cells
    assert any(css == "heat-empty" and text == "niet gevraagd" for css, text in cells), cells
    legends = await page.eval_on_selector_all(
        "#s-themes .legend li", "ls => ls.map(l => l.textContent)"
    )
    assert legends and all(re_count.search(x) for x in legends for re_count in [_COUNTED]), legends
    dashed = await page.eval_on_selector_all(
        "#s-trend rect.bar-before, #s-team rect.side-team",
        "rs => rs.map(r => getComputedStyle(r).strokeDasharray)",
    )
    assert dashed and all(d not in ("", "none") for d in dashed), dashed
    trend_texts = await page.eval_on_selector_all(
        "#s-trend svg text[text-anchor=end]", "ts => ts.map(t => t.textContent)"
    )
    assert trend_texts and all(x.startswith(("Nu ", "Vorige ")) for x in trend_texts)
    await page.locator("#s-matrix").scroll_into_view_if_needed()
    await page.screenshot(path=shots / "14-matrix-words-in-every-cell.png")
    assert not problems, problems
    await page.context.close()


_COUNTED = __import__("re").compile(r": (\d+|–)$")
