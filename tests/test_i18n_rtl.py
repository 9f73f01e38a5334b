"""Right-to-left text: exact strings, so a missing or misplaced isolate cannot slip through.

Arabic, Dari and Pashto read right to left. A number or a Latin name dropped into such a sentence
can pull neighbouring words out of order, so every placeholder value is wrapped in FSI ... PDI
(U+2068 ... U+2069), and fixed left-to-right fragments in LRI ... PDI. The translations here are
provisional fixtures of this test, not the real catalogs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import i18n
from bot.i18n import isolate_ltr, language_name, t, tn
from bot.i18n_tools import new_catalog, po_path, write_catalog
from bot.texts import parents as texts

FSI, PDI, LRI = "\u2068", "\u2069", "\u2066"
PROGRESS_AR = "السؤال {number} من {total}"
# CLDR's Arabic plural forms (zero | one | two | few | many | other), written in the fixture's own
# header: the bot takes the form from the catalog, whatever babel is installed.
AR_PLURAL_FORMS = (
    "nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : "
    "n % 100 >= 3 && n % 100 <= 10 ? 3 : n % 100 >= 11 && n % 100 <= 99 ? 4 : 5);"
)
QUESTIONS_LEFT_AR = tuple(f"صيغة{i} {{n}}" for i in range(6))


@pytest.fixture(autouse=True)
def arabic_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An Arabic catalog in tmp_path, with a provisional translation of the progress line."""
    catalog = new_catalog("ar", "ouderstem")
    headers = [(k, v) for k, v in catalog.mime_headers if k != "Plural-Forms"]
    catalog.mime_headers = [*headers, ("Plural-Forms", AR_PLURAL_FORMS)]
    catalog.add(texts.PROGRESS, PROGRESS_AR, user_comments=["review: machine"])
    catalog.add(
        texts.WELCOME, "مرحبا {schol}", user_comments=["review: machine"]
    )  # broken on purpose
    catalog.add(
        ("Nog {n} vraag", "Nog {n} vragen"), QUESTIONS_LEFT_AR, user_comments=["review: machine"]
    )
    write_catalog(po_path(tmp_path, "ar", "ouderstem"), catalog)
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalog.cache_clear()
    yield
    i18n.catalog.cache_clear()


def test_progress_in_arabic_isolates_each_number() -> None:
    assert t("ar", texts.PROGRESS, number=3, total=20) == f"السؤال {FSI}3{PDI} من {FSI}20{PDI}"


def test_untranslated_rtl_text_falls_back_to_dutch_still_isolated() -> None:
    assert t("fa", texts.PROGRESS, number=3, total=20) == f"Vraag {FSI}3{PDI} van {FSI}20{PDI}"


def test_left_to_right_languages_get_no_isolates() -> None:
    assert t("nl", texts.PROGRESS, number=3, total=20) == "Vraag 3 van 20"
    assert t("fr", texts.PROGRESS, number=3, total=20) == "Vraag 3 van 20"


def test_a_broken_placeholder_falls_back_to_the_dutch_source() -> None:
    expected = f"Hallo! Een bericht van {FSI}De Regenboog{PDI}."
    assert t("ar", texts.WELCOME, school="De Regenboog") == expected


def test_isolate_ltr_only_in_rtl_languages() -> None:
    assert isolate_ltr("ar", "3/20") == f"{LRI}3/20{PDI}"
    assert isolate_ltr("ps", "3/20") == f"{LRI}3/20{PDI}"
    assert isolate_ltr("tr", "3/20") == "3/20"


@pytest.mark.parametrize(
    ("n", "form"), [(0, 0), (1, 1), (2, 2), (7, 3), (110, 3), (11, 4), (99, 4), (100, 5), (102, 5)]
)
def test_arabic_plural_forms_follow_the_catalog_header(n: int, form: int) -> None:
    assert tn("ar", "Nog {n} vraag", "Nog {n} vragen", n) == f"صيغة{form} {FSI}{n}{PDI}"


def test_language_names_in_their_own_script() -> None:
    assert language_name("ar") == "العربية"
    assert language_name("ps") == "پښتو"
    assert language_name("fa") == "دری"  # Dari, as Afghan families call it (CLDR's name of fa_AF)
