"""The printed report: pages, measured table headers, shaped Pashto, screenshots for a look.

The PDF is rendered to PNG images with pdftoppm (Debian: poppler-utils); the images go to
`<pytest basetemp>/report-pdf/` (the path is printed) so a reviewer can look at every page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bot.reports import RoundReport, build_round_report
from bot.reports.pdf import RenderedPdf, pdf_blocks, render_pdf
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, library, scale_answers

FLOWS = library()
PASHTO = "زموږ ښوونځی ډېر ښه دی او ښوونکي زموږ ماشومانو ته ځیر دي"
POPPLER = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> RoundReport:
    """A closed round of 30 parents (Dutch, Turkish, Pashto), a team round, an earlier round."""
    import asyncio

    async def build() -> RoundReport:
        path = tmp_path_factory.mktemp("pdf") / "pdf.db"
        async with SqliteStore(path) as store:
            b = Builder(store)
            school = await b.school("Basisschool Zonnebloem")
            earlier, _ = await b.round(school, expected=30)
            for _ in range(10):
                await b.respond(earlier, scale_answers("3", "3", "3", "3", "3"))
            await b.close(earlier)
            team, _ = await b.round(school, "test-team")
            for _ in range(5):
                await b.respond(
                    team, {"w1": "5", "w2": "4", "i1": "4", "i2": "5", "s1": "3", "t1": "2"}
                )
            rnd, groups = await b.round(school, expected=32, groups={"3A": 16, "3B": 16})
            for i in range(30):
                faces = [str(1 + (i + k) % 5) if (i + k) % 7 else "dontknow" for k in range(5)]
                language = "nl" if i < 18 else ("tr" if i < 24 else "ps")
                text = PASHTO if language == "ps" else "Een opmerking. " * (1 + i % 4)
                await b.respond(
                    rnd,
                    scale_answers(*faces, opmerking=text if i % 2 else None),
                    language=language,
                    group=groups["3A" if i % 3 else "3B"],
                )
            rnd = await b.close(rnd)
            return await build_round_report(store, rnd.id, flows=FLOWS)

    return asyncio.run(build())


@pytest.fixture(scope="module")
def rendered(report: RoundReport) -> RenderedPdf:
    return render_pdf(report)


def _pages_text(pdf: bytes) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return text.split("\f")[:-1]


def test_every_table_header_fits_its_column_without_breaking_a_word(rendered: RenderedPdf) -> None:
    assert len(rendered.tables) >= 10
    for table in rendered.tables:
        assert table.header_fits(), (table.title, table.header, table.widths)
        assert abs(sum(table.widths) - 178.0) < 0.01  # the text width, A4 less the margins


@needs_poppler
def test_pages_and_what_each_shows(
    rendered: RenderedPdf, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.getbasetemp() / "report-pdf"
    out.mkdir(exist_ok=True)
    (out / "rapport.pdf").write_bytes(rendered.data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(out / "rapport.pdf"), str(out / "pagina")], check=True
    )
    shots = sorted(out.glob("pagina-*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    print(f"\nreport PDF screenshots: {out}")
    pages = _pages_text(rendered.data)
    assert len(shots) == len(pages) == 9
    assert "Basisschool Zonnebloem" in pages[0] and "30 / 32" in pages[0]
    assert "Rapport van de ronde" in pages[0] and "Ronde " in pages[0]
    meeting = pages[1]  # the team meeting's page, whole on one page
    for heading in ("Voor het teamoverleg", "Sterk", "Om op te letten", "Ouders en team"):
        assert heading in meeting
    assert "Om samen over na te denken" in meeting
    assert "Deelname" in pages[2] and "Voor het teamoverleg" not in pages[2]
    for number, page in enumerate(pages[1:], start=2):
        assert f"pagina {number} van {len(pages)}" in page
    for shot in shots[:-1]:  # no page but the last is nearly empty
        assert _inked_height(shot) > 0.4, shot.name


def _inked_height(png: Path) -> float:
    """How far down the page the content reaches (the footer left out), as a share."""
    with Image.open(png) as img:
        grey = img.convert("L")
        width, height = grey.size
        body = grey.crop((0, 0, width, int(height * 0.9)))
        box = body.point(lambda v: 255 if v < 200 else 0).getbbox()
    return 0.0 if box is None else box[3] / height


@needs_poppler
def test_header_words_come_back_whole_from_the_text(rendered: RenderedPdf) -> None:
    """pdftotext reads every header word whole on the page where its table starts."""
    pages = _pages_text(rendered.data)
    for table in rendered.tables:
        words = set(re.findall(r"[\w'’%-]+", pages[table.page - 1]))
        for head in table.header:
            for word in re.findall(r"[\w'’%-]+", head):
                assert word in words, (table.title, word)


def test_a_pashto_open_answer_is_shaped(report: RoundReport, rendered: RenderedPdf) -> None:
    """HarfBuzz joins Pashto: ښ in its initial form, ځ in its middle form (no hand reshaping)."""
    assert {"uni069A.init", "uni0681.medi"} <= rendered.glyph_names
    cells = [c for b in pdf_blocks(report) if b.table for row in b.table.rows for c in row]
    assert PASHTO in cells


@needs_poppler
def test_pdftotext_gives_the_pashto_answer_back(rendered: RenderedPdf) -> None:
    text = "\n".join(_pages_text(rendered.data))
    clean = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    assert PASHTO in clean
    assert "Pasjtoe" in text


@pytest.fixture(scope="module")
def barometer(tmp_path_factory: pytest.TempPathFactory) -> RoundReport:
    """The shipped parents' barometer (20 statements, 7 themes), 45 parents, a team round."""
    import asyncio
    import random

    from bot.flow_model import flow_library

    flows = flow_library()

    def answers(flow_id: str, rng: random.Random, language: str) -> dict[str, object]:
        out: dict[str, object] = {}
        for q in flows[flow_id].questions:
            if q.type.value == "scale":
                out[q.id] = rng.choice(["1", "2", "3", "4", "4", "5", "5", "dontknow"])
            elif q.type.value == "open" and rng.random() < 0.5:
                out[q.id] = PASHTO if language == "ps" else "Fijne school, soms moeilijke brieven."
        return out

    async def build() -> RoundReport:
        rng = random.Random(3)
        path = tmp_path_factory.mktemp("barometer") / "barometer.db"
        async with SqliteStore(path) as store:
            b = Builder(store, flows=flows)
            school = await b.school("Basisschool De Regenboog")
            team, _ = await b.round(school, "barometer-team")
            for _ in range(8):
                await b.respond(team, answers("barometer-team", rng, "nl"))
            await b.close(team)
            rnd, groups = await b.round(
                school, "barometer-ouders", expected=60, groups={"1A": 20, "2B": 20, "3C": 20}
            )
            for _ in range(45):
                language = rng.choice(["nl", "nl", "nl", "tr", "ar", "ps"])
                await b.respond(
                    rnd,
                    answers("barometer-ouders", rng, language),
                    language=language,
                    group=groups[rng.choice(["1A", "2B", "3C"])],
                )
            rnd = await b.close(rnd)
            return await build_round_report(store, rnd.id, flows=flows)

    return asyncio.run(build())


@needs_poppler
def test_the_shipped_barometer_prints_without_a_cramped_or_empty_page(
    barometer: RoundReport, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rendered = render_pdf(barometer)
    out = tmp_path_factory.getbasetemp() / "report-pdf-barometer"
    out.mkdir(exist_ok=True)
    (out / "rapport.pdf").write_bytes(rendered.data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(out / "rapport.pdf"), str(out / "pagina")], check=True
    )
    shots = sorted(out.glob("pagina-*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    print(f"\nbarometer PDF screenshots: {out}")
    pages = _pages_text(rendered.data)
    assert len(shots) == len(pages) <= 12
    assert all(table.header_fits() for table in rendered.tables)
    assert "Voor het teamoverleg" in pages[1] and "Deelname" in pages[2]
    for shot in shots[:-1]:
        assert _inked_height(shot) > 0.4, shot.name
    pashto = [o for q in barometer.open_answers for o in q.texts if o.language == "ps"]
    if pashto:  # shown only when enough Pashto-speaking parents answered (privacy rule 8)
        assert {"uni069A.init", "uni0681.medi"} <= rendered.glyph_names
