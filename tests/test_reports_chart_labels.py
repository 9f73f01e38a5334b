"""Chart labels never collide: no text over another, none off its bar or off the figure.

Drawn from a report with "weet niet" answers and a statement too long for three lines.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.reports import RoundReport, build_round_report
from bot.reports.charts import figures
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, parents_flow, scale_answers

LONG = (
    "U voelt zich welkom op de school, ook wanneer u onverwacht binnenloopt om iets te vragen "
    "over uw kind, zijn vrienden, het huiswerk en alles wat er verder op school gebeurt."
)


@pytest.fixture
async def report(tmp_path: Path) -> RoundReport:
    flow = parents_flow()
    long = flow.model_copy(
        update={
            "questions": [
                q.model_copy(update={"text": LONG}) if q.id == "w1" else q for q in flow.questions
            ]
        }
    )
    flows = {**library(), long.id: long}
    async with SqliteStore(tmp_path / "charts.db") as store:
        b = Builder(store)
        school = await b.school("Basisschool Zonnebloem")
        rnd, _ = await b.round(school, expected=40)
        for i in range(40):
            faces = [("dontknow" if (i + k) % 9 == 0 else str(1 + (i * k) % 5)) for k in range(5)]
            await b.respond(rnd, scale_answers(*faces))
        rnd = await b.close(rnd)
        return await build_round_report(store, rnd.id, flows=flows)


def _texts(fig: MplFigure) -> list[Text]:
    found = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return list(dict.fromkeys(found))


def test_no_label_overlaps_another_or_leaves_the_figure(report: RoundReport) -> None:
    drawn = figures(report)
    assert {"themas.png", "uitspraken.png"} <= {name for name, _ in drawn}
    for name, fig in drawn:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        page = fig.bbox
        boxes = [(t, t.get_window_extent(renderer)) for t in _texts(fig)]
        for text, box in boxes:
            assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, (name, text.get_text())
            assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, (name, text.get_text())
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), (name, a.get_text(), b.get_text())


def test_percentages_stay_inside_their_segment(report: RoundReport) -> None:
    for name, fig in figures(report):
        if name not in ("themas.png", "uitspraken.png"):
            continue
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        ax = fig.axes[-1]
        bars = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, Rectangle)]
        inside = 0
        for text in _texts(fig):
            if not text.get_text().endswith("%") or text.axes is not ax:
                continue
            box = text.get_window_extent(renderer)
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            home = [bar for bar in bars if bar.x0 <= cx <= bar.x1 and bar.y0 <= cy <= bar.y1]
            if not home:
                continue  # the "weet niet" column right of the bars
            inside += 1
            assert home[0].x0 <= box.x0 and box.x1 <= home[0].x1, (name, text.get_text())
        assert inside > 0


def test_a_long_statement_is_shortened_to_three_lines(report: RoundReport) -> None:
    fig = dict(figures(report))["uitspraken.png"]
    labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    long = [label for label in labels if label.startswith("U voelt zich welkom")]
    assert long and long[0].count("\n") == 2 and long[0].endswith("…")
