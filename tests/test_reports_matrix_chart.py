"""The printed report's "Kaders" page opens with the 4x3 involvement matrix as a heat map, every
cell with its number or words; /rapport's chat charts stay as they were."""

from __future__ import annotations

import io

from PIL import Image

from bot.reports import RoundReport
from bot.reports.charts import HEAT_COLOURS, charts, heat_colour, matrix_chart
from bot.reports.pdf import pdf_blocks
from tests.test_reports_pdf import report  # noqa: F401  (the module's seeded round)


def test_the_kaders_view_opens_with_the_matrix_heat_map(report: RoundReport) -> None:  # noqa: F811
    png = matrix_chart(report)
    assert png is not None
    with Image.open(io.BytesIO(png)) as image:
        assert image.width > image.height  # a 4x3 grid, landscape on the page
    blocks = pdf_blocks(report)
    at = next(i for i, b in enumerate(blocks) if b.kind == "view" and b.text == "Kaders")
    assert blocks[at].chart and blocks[at + 1].kind == "image" and blocks[at + 1].image == png
    assert blocks[at + 2].kind == "table"  # the same numbers as a table under it


def test_the_chat_charts_do_not_change(report: RoundReport) -> None:  # noqa: F811
    assert "betrokkenheid.png" not in dict(charts(report))


def test_heat_colours_run_from_weak_to_strong() -> None:
    assert [heat_colour(m) for m in (1.0, 2.2, 3.0, 3.9, 5.0)] == list(HEAT_COLOURS)
