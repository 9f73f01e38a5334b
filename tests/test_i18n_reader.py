"""The lean .po reader (`bot.i18n.read_po_texts`, bench P5) reads what babel's `read_po` reads."""

from __future__ import annotations

import pytest

from bot import i18n

SAMPLE = r"""# Translations
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n>=2 && n<=4 ? 1 : 2);\n"

#: bot/texts/parents.py:10
msgid "Hallo"
msgstr "Ahoj"

#, fuzzy
#| msgid "Oud"
msgid "Nieuw"
msgstr "Staré"

msgctxt "barometer-ouders:q.sfeer"
msgid ""
"Hoe voelt u zich "
"op school?\n"
msgstr ""
"Ako sa cítite "
"v \"škole\"?\n\t\\"

msgctxt ""
msgid "Leeg"
msgstr "Prázdny"

msgid "{n} vraag"
msgid_plural "{n} vragen"
msgstr[0] "{n} otázka"
msgstr[1] "{n} otázky"
msgstr[2] "{n} otázok"

msgid "{n} dag"
msgid_plural "{n} dagen"
msgstr[0] "{n} deň"
msgstr[2] "{n} dní"

msgid "{n} week"
msgid_plural "{n} weken"
msgstr[1] "{n} týždne"
msgstr[0] "{n} týždeň"
msgstr[2] "{n} týždňov"
msgstr[3] "te veel"

msgid "Zonder vertaling"
msgstr ""

msgid "Geen msgstr"

#~ msgid "Weg"
#~ msgstr "Preč"

#~ msgctxt "x"
#~ msgid "Ook weg"
#~ msgstr ""
#~ "Tiež preč"
"""


def test_a_sample_with_every_kind_of_entry_reads_as_babel_reads_it() -> None:
    data = SAMPLE.encode()
    texts = i18n.read_po_texts(data, "sk")
    assert texts == i18n._read_with_babel(data, "sk")
    assert texts[(None, "Hallo")] == ("Ahoj", False)
    assert texts[(None, "Nieuw")] == ("Staré", True)
    assert texts[("barometer-ouders:q.sfeer", "Hoe voelt u zich op school?\n")] == (
        'Ako sa cítite v "škole"?\n\t\\',
        False,
    )
    assert texts[("", "Leeg")] == ("Prázdny", False)
    assert texts[(None, "{n} dag")] == (("{n} deň", "", "{n} dní"), False)
    assert texts[(None, "{n} week")][0] == ("{n} týždeň", "{n} týždne", "{n} týždňov")
    assert (None, "Weg") not in texts and ("x", "Ook weg") not in texts


@pytest.mark.parametrize(
    "path", sorted(i18n.LOCALES_DIR.glob("*/LC_MESSAGES/*.po")), ids=lambda p: str(p)[-30:]
)
def test_every_catalog_reads_as_babel_reads_it(path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    language = path.parent.parent.name
    assert i18n.read_po_texts(data, language) == i18n._read_with_babel(data, language)


def test_a_file_without_a_plural_header_goes_through_babel() -> None:
    data = SAMPLE.replace(
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n>=2 && n<=4 ? 1 : 2);\\n"\n', ""
    ).encode()
    assert i18n.plural_rule(data) is None
    assert i18n.read_po_texts(data, "sk") == i18n._read_with_babel(data, "sk")
