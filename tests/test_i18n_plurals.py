"""Plural forms come from each catalog's own `Plural-Forms` header, never from the installed babel.

Issue 9: with a newer babel (other CLDR plural rules) a Turkish, French or Dari parent saw the
Dutch "⏱️ 6 minuten" in the welcome, because the form was picked by babel's rule while the catalog
had fewer forms. Here babel's rules for those languages are replaced by something else entirely;
what the parent reads must not change, and `ouderstem i18n check` only warns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages import plurals

from bot import i18n
from bot.cli import main
from bot.flow_model import get_flow
from bot.i18n import FSI, PDI, PluralRule, plural_rule, tn
from bot.i18n_tools import CLDR_DIFFERS, ROOT, WARNING, check, extract
from bot.texts import parents as texts
from bot.tg.parent import expected_minutes

PARENTS = get_flow("barometer-ouders")
MINUTES = expected_minutes(PARENTS)
# Written out here, not read from the catalogs: what each parent must read, for any babel.
DURATION = {
    "fr": lambda n: f"{n} minute" if n in (0, 1) else f"{n} minutes",
    "tr": lambda n: f"{n} dakika",
    "fa": lambda n: f"{FSI}{n}{PDI} دقیقه",
}
# A rule no real language has: four forms, the last for 20 and more.
STRANGE_RULE = (4, "(n == 1 ? 0 : n < 5 ? 1 : n < 20 ? 2 : 3)")


@pytest.fixture
def fresh_catalogs() -> Iterator[None]:
    i18n.catalog.cache_clear()
    yield
    i18n.catalog.cache_clear()


@pytest.fixture
def other_babel(monkeypatch: pytest.MonkeyPatch, fresh_catalogs: None) -> None:
    """babel's plural rules for fr, tr and fa replaced, as a newer babel might change them."""
    for language in DURATION:
        monkeypatch.setitem(plurals.PLURALS, language, STRANGE_RULE)
    assert plurals.get_plural("tr").num_plurals == 4


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


async def welcome_duration(bot: Any, language: str) -> str:
    """The last line of the welcome a parent with `language` gets after taking that language."""
    _, opened = await bot.school_and_round(PARENTS.id)
    parent = bot.user(language_code=language)
    await parent.command("/start", opened.start_token)
    replies = await parent.press(f"✅ {i18n.language_name(language)}")
    return texts_of(replies)[1].split("\n")[-1]


def test_the_rule_is_read_from_the_header() -> None:
    po = b'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
    rule = plural_rule(po)
    assert rule == PluralRule(2, "(n > 1)", index=lambda n: 0)  # the function is not compared
    assert rule is not None and [rule.index(n) for n in (0, 1, 2)] == [0, 0, 1]


@pytest.mark.parametrize(
    "header",
    [b"", b'"Plural-Forms: nplurals=2; plural=import os;\\n"', b'"Plural-Forms: nonsense\\n"'],
)
def test_a_missing_or_unreadable_header_gives_no_rule(header: bytes) -> None:
    assert plural_rule(b'msgid ""\nmsgstr ""\n' + header + b"\n") is None


@pytest.mark.parametrize("language", sorted(DURATION))
@pytest.mark.parametrize("n", [0, 1, 2, 6, 21, 1_000_000])
def test_the_form_does_not_depend_on_babel(other_babel: None, language: str, n: int) -> None:
    expected = DURATION[language](n)
    if language == "fr" and n == 1_000_000:
        expected = f"{n} de minutes"  # CLDR's French "many"
    assert tn(language, *texts.DURATION, n) == expected


@pytest.mark.parametrize("patched", [False, True], ids=["locked babel", "other babel"])
@pytest.mark.parametrize("language", sorted(DURATION))
async def test_the_welcome_duration_is_the_same_with_any_babel(
    request: pytest.FixtureRequest,
    store: Any,
    bot_factory: Any,
    fresh_catalogs: None,
    language: str,
    patched: bool,
) -> None:
    if patched:
        request.getfixturevalue("other_babel")
    assert MINUTES > 1
    bot = await bot_factory(store)
    assert await welcome_duration(bot, language) == f"⏱️ {DURATION[language](MINUTES)}"


def test_check_warns_when_babel_disagrees_and_fails_nothing(
    other_babel: None, capsys: pytest.CaptureFixture[str]
) -> None:
    problems = check(extract(ROOT), i18n.LOCALES_DIR)
    warned = {(p.language, p.severity) for p in problems if CLDR_DIFFERS in p.message}
    assert warned == {(language, WARNING) for language in DURATION}
    assert [p for p in problems if p.severity != WARNING] == []

    assert main(["i18n", "check"]) == 0
    out = capsys.readouterr().out
    assert f"warning: {CLDR_DIFFERS}" in out
    assert out.endswith("0 problem(s), 6 warning(s) (they fail nothing)\n")
