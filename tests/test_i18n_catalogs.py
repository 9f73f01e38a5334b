"""The real catalogs in bot/locales/, against a fresh extraction of the current sources.

A new N_ text, a reworded question or an empty translation fails here until the catalogs are
updated (`ouderstem i18n update`) and translated. Parents must never meet Dutch by accident: the
`ouderstem` and `flows` domains are complete in all 15 languages. See bot/locales/README.md.
"""

from __future__ import annotations

from functools import cache

import pytest
from babel.messages.plurals import get_plural

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE, STAFF_DOMAIN
from bot.i18n_tools import (
    PARENT_DOMAINS,
    ROOT,
    Problem,
    check_catalog,
    extract,
    fingerprint,
    read_catalog,
    template_path,
)

LOCALES = LOCALES_DIR
CATALOGS = [(language, domain) for domain in PARENT_DOMAINS for language in LANGUAGES]


@cache
def templates() -> dict:
    return extract(ROOT)


@cache
def problems(language: str, domain: str) -> tuple[Problem, ...]:
    return tuple(check_catalog(templates()[domain], LOCALES, language, domain))


def of_kind(language: str, domain: str, *kinds: str) -> list[str]:
    found = [str(p) for p in problems(language, domain) if p.kind in kinds]
    return found[:10] + ([f"... and {len(found) - 10} more"] if len(found) > 10 else [])


@pytest.mark.parametrize("domain", [*PARENT_DOMAINS, STAFF_DOMAIN])
def test_templates_match_the_sources(domain: str) -> None:
    on_disk = read_catalog(template_path(LOCALES, domain))
    assert fingerprint(on_disk) == fingerprint(templates()[domain]), "run `ouderstem i18n update`"


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_every_text_is_translated(language: str, domain: str) -> None:
    assert of_kind(language, domain, "file", "absent", "missing", "stale") == []


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_nothing_waits_for_review(language: str, domain: str) -> None:
    assert of_kind(language, domain, "fuzzy") == []


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_placeholders_are_those_of_the_dutch(language: str, domain: str) -> None:
    assert of_kind(language, domain, "placeholders") == []


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_plural_forms_are_babels(language: str, domain: str) -> None:
    assert of_kind(language, domain, "header", "plural") == []
    catalog = read_catalog(LOCALES / language / "LC_MESSAGES" / f"{domain}.po", language)
    assert catalog.num_plurals == get_plural(language).num_plurals


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_texts_fit_telegram(language: str, domain: str) -> None:
    assert of_kind(language, domain, "length") == []


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_every_translation_records_its_review(language: str, domain: str) -> None:
    assert of_kind(language, domain, "review") == []


@pytest.mark.parametrize("domain", [*PARENT_DOMAINS, STAFF_DOMAIN])
def test_dutch_catalogs_are_the_source_only(domain: str) -> None:
    """Dutch msgstr stay empty: the bot shows the source text, so a Dutch msgstr would be ignored."""
    assert [str(p) for p in problems(SOURCE_LANGUAGE, domain)] == []
