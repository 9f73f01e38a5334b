"""The QR code and the printable invitation (A4 PDF and PNG), in Dutch and the school's languages."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import segno
from PIL import Image

from bot.i18n import LANGUAGES, catalog
from bot.invitation import (
    MARGIN,
    PAGE_H,
    PAGE_W,
    Invitation,
    PdfCanvas,
    blocks,
    choose_languages,
    invitation_pdf,
    invitation_png,
    lay_out,
    pdf_page_png,
    plain,
    qr_png,
)
from bot.texts import school as school_texts

URL = "https://t.me/OuderstemBot?start=Abc123DEF456ghi789JKL0"
FAKE = {
    "ar": (
        "رأيك مهم!",
        "تريد {school} أن تعرف كيف يسير التعاون بين المدرسة والأهل.\nامسح رمز QR بهاتفك. يمكنك ذلك حتى {date}.",
    ),
    "tr": (
        "Fikriniz önemli!",
        "{school}, okul ile aileler arasındaki iş birliğini bilmek istiyor.\n{date} tarihine kadar cevap verebilirsiniz.",
    ),
    "uk": (
        "Ваша думка важлива!",
        "{school} хоче знати, як складається співпраця.\nВідповісти можна до {date}",
    ),
    "fa": (
        "نظر شما مهم است!",
        "{school} می‌خواهد بداند همکاری مدرسه و والدین چگونه است.\nتا {date} می‌توانید پاسخ دهید.",
    ),
    "ti": (
        "ርእይቶኹም ኣገዳሲ እዩ!",
        "{school} ብኽመይ ምትሕብባር ቤት ትምህርትን ወለድን ከም ዝኸይድ ክፈልጥ ይደሊ።\nክሳብ {date} ክትምልሱ ትኽእሉ።",
    ),
}


INVITATION_KEYS = [(None, school_texts.INVITATION_TITLE), (None, school_texts.INVITATION_TEXT)]


@pytest.fixture
def untranslated() -> Iterator[None]:
    """No language has the invitation's words (whatever the catalogs hold today)."""
    saved = {lang: dict(catalog(lang).messages) for lang in LANGUAGES}
    for lang in LANGUAGES:
        for key in INVITATION_KEYS:
            catalog(lang).messages.pop(key, None)
    yield
    for lang, messages in saved.items():
        catalog(lang).messages.clear()
        catalog(lang).messages.update(messages)


@pytest.fixture
def translated(untranslated: None) -> None:
    """The invitation's words in exactly these five languages."""
    for lang, (title, text) in FAKE.items():
        catalog(lang).messages[INVITATION_KEYS[0]] = title
        catalog(lang).messages[INVITATION_KEYS[1]] = text


def page(**kwargs: object) -> Invitation:
    values: dict[str, object] = {
        "school": "Basisschool De Regenboog",
        "url": URL,
        "closes": date(2026, 12, 15),
    }
    values.update(kwargs)
    return Invitation(**values)  # type: ignore[arg-type]


def test_the_qr_code_holds_the_link() -> None:
    png = qr_png(URL, scale=10)
    image = Image.open(io.BytesIO(png)).convert("1")
    matrix = segno.make(URL, error="m", micro=False).matrix
    size = len(matrix)
    assert image.size == ((size + 8) * 10, (size + 8) * 10)  # a quiet zone of 4 modules
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            pixel = image.getpixel(((x + 4) * 10 + 5, (y + 4) * 10 + 5))
            assert (pixel == 0) == bool(dark)


def test_only_translated_languages_are_printed(translated: None) -> None:
    found = blocks(page(languages=("tr", "bg", "ar")))
    assert [b.language for b in found] == ["nl", "tr", "ar"]  # no Bulgarian translation yet
    assert found[0].title == "Uw mening telt!"
    assert "Basisschool De Regenboog wil weten" in found[0].body
    assert "15 december 2026" in found[0].body
    assert "15 Aralık 2026" in found[1].body  # the date in Turkish
    assert found[2].rtl and not found[1].rtl


def test_without_translations_only_dutch(untranslated: None) -> None:
    assert [b.language for b in blocks(page(languages=("tr", "ar")))] == ["nl"]
    assert choose_languages({"tr": 9, "ar": 3}) == ()


def test_most_common_languages_first(translated: None) -> None:
    assert choose_languages({"nl": 40, "ar": 12, "uk": 7, "bg": 20}) == ("ar", "uk", "tr", "fa")


def test_team_and_pupils_have_their_own_words() -> None:
    team = blocks(page(audience="team", languages=("tr",)))
    assert [b.title for b in team] == ["Teambevraging"]
    pupils = blocks(page(audience="pupils"))
    assert pupils[0].title == "Jouw mening telt!"


def test_right_to_left_lines_are_shaped_and_reordered(translated: None) -> None:
    canvas = PdfCanvas()
    try:
        canvas.pdf.add_page()
        lay_out(canvas, page(languages=("ar",)))
        glyphs = {g.glyph_name for g, _ in canvas.pdf.fonts[canvas.main].subset.items()}
        pdf = bytes(canvas.pdf.output())
    finally:
        canvas.close()
    assert any(name.startswith("uniFE") for name in glyphs)  # joined Arabic letter forms
    if shutil.which("pdftotext"):  # read back in logical order: drawn right to left
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "رأيك مهم" in re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    assert plain("\u2068School\u2069 wil") == "School wil"  # no isolate marks drawn


class Recorder(PdfCanvas):
    def __init__(self) -> None:
        super().__init__()
        self.spots: list[tuple[float, float, float]] = []

    def text(self, x: float, y: float, text: str, language: str, size: float, bold: bool) -> None:
        self.spots.append((x, x + self.width(text, language, size, bold), y))
        super().text(x, y, text, language, size, bold)


def test_everything_fits_on_the_page_with_four_languages(translated: None) -> None:
    canvas = Recorder()
    canvas.pdf.add_page()
    lay_out(canvas, page(group="2de graad", languages=("ar", "tr", "uk", "ti")))
    assert len(canvas.spots) > 20
    canvas.close()
    for left, right, y in canvas.spots:
        assert left >= MARGIN - 0.5 and right <= PAGE_W - MARGIN + 0.5
        assert y <= PAGE_H - MARGIN


def test_files_for_a_look(tmp_path: Path, translated: None) -> None:
    """Writes the invitation as files (PNG and PDF) the way the admin receives them."""
    invitation = page(group="1A", languages=("ar", "tr", "ti", "uk"))
    (tmp_path / "uitnodiging.png").write_bytes(invitation_png(invitation))
    (tmp_path / "uitnodiging.pdf").write_bytes(invitation_pdf([invitation]))
    assert (tmp_path / "uitnodiging.png").stat().st_size > 50_000
    assert (tmp_path / "uitnodiging.pdf").stat().st_size > 10_000


PASHTO = "ښوونځي"  # letters without Unicode presentation forms: only a shaping engine joins them


def test_right_to_left_lines_are_shaped_by_harfbuzz_when_there() -> None:
    """With HarfBuzz (uharfbuzz, fpdf2's text shaping) a Pashto word is narrower than its
    letters one by one, because they join; without it the letters stand unjoined."""
    pdf = PdfCanvas()
    try:
        assert pdf.shaping  # uharfbuzz is a dependency
        joined = pdf.width(PASHTO, "ps", 12, False)
        pdf.shaping = False
        assert joined < pdf.width(PASHTO, "ps", 12, False)
    finally:
        pdf.close()


def test_the_png_is_the_pdf_page_rendered(translated: None) -> None:
    """One layout: the PNG is the PDF's page, so Turkish (or any language) wraps the same."""
    invitation = page(group="1A", languages=("tr", "ar", "uk"))
    png = invitation_png(invitation)
    assert png == pdf_page_png(invitation_pdf([invitation]))
    with Image.open(io.BytesIO(png)) as image:
        assert image.info["dpi"][0] == pytest.approx(150, abs=0.5)


def test_without_a_shaping_engine_the_page_is_still_made(
    translated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.invitation as invitation

    monkeypatch.setattr(invitation, "harfbuzz_available", lambda: False)
    assert invitation_pdf([page(languages=("ar", "fa"))]).startswith(b"%PDF")
    assert len(invitation_png(page(languages=("ar", "fa")))) > 50_000
