"""The catalog tooling on a tiny project in tmp_path: extract, update, status, check, compile.

The project is a few texts and one flow, stated inside the test; the real catalogs are tested in
test_i18n_catalogs.py.
"""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from bot import i18n, i18n_tools
from bot.cli import main
from bot.i18n import LANGUAGES
from bot.i18n_tools import (
    check,
    compile_catalogs,
    extract,
    extract_flow_yaml,
    po_path,
    read_catalog,
    status,
    update,
    write_catalog,
    write_templates,
)

LANGS = ("nl", "fr", "ar")

TEXTS = """\
from bot.i18n import N_, tn

# Translators: the yes button.
YES = N_("Ja")
PROGRESS = N_("Vraag {number} van {total}")
WELCOME = N_("Hallo! {school} vraagt uw mening.")
CMD_HELP = N_("Hulp en uitleg")


def questions_left(language, n):
    return tn(language, "Nog {n} vraag", "Nog {n} vragen", n)
"""

REPORT = """\
from bot.i18n import N_

TITLE = N_("Rapport van de ronde")
"""

FLOW = """\
id: demo
format: 1
version: 1
audience: parents
title: "Demo"
intro: "Welkom bij de demo."
closing: "Bedankt! De school vertelt u {feedback_when} wat ze ermee doet."
questions:
  - id: kind
    type: choice
    text: "Hoe oud is uw kind?"
    options:
      - {id: jong, text: "Jonger dan 6"}
      - {id: oud, text: "6 of ouder"}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny source tree with the real babel.cfg."""
    shutil.copy(i18n_tools.ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "bot" / "reports").mkdir(parents=True)
    (tmp_path / "bot" / "texts.py").write_text(TEXTS, encoding="utf-8")
    (tmp_path / "bot" / "reports" / "labels.py").write_text(REPORT, encoding="utf-8")
    (tmp_path / "bot" / "flows").mkdir()
    (tmp_path / "bot" / "flows" / "demo.yaml").write_text(FLOW, encoding="utf-8")
    return tmp_path


def locales(project: Path) -> Path:
    return project / i18n_tools.LOCALES_SUBDIR


def refresh(project: Path, languages: tuple[str, ...] = LANGS) -> dict:
    """What `ouderstem i18n update` does: extract, write the templates, merge."""
    templates = extract(project)
    write_templates(templates, locales(project))
    update(templates, locales(project), languages)
    return templates


def translate_all(project: Path, languages: tuple[str, ...] = LANGS) -> None:
    """Fill every entry with a valid translation: "<lang> <Dutch>", placeholders kept."""
    for language in languages:
        if language == "nl":
            continue
        for domain in ("ouderstem", "flows"):
            path = po_path(locales(project), language, domain)
            catalog = read_catalog(path, language)
            for message in catalog:
                if not message.id:
                    continue
                if isinstance(message.id, tuple):
                    message.string = tuple(
                        f"{language} {message.id[1]}" for _ in range(catalog.num_plurals)
                    )
                else:
                    message.string = f"{language} {message.id}"
                message.user_comments = ["review: machine"]
            write_catalog(path, catalog)


def edit(
    project: Path, language: str, domain: str, msgid: str, context: str | None = None, **changes
) -> None:
    path = po_path(locales(project), language, domain)
    catalog = read_catalog(path, language)
    message = catalog.get(msgid, context)
    for name, value in changes.items():
        setattr(message, name, value)
    write_catalog(path, catalog)


# ---- extraction ------------------------------------------------------------------------------


def test_flow_extractor_keys_every_text_by_its_id() -> None:
    found = list(extract_flow_yaml(io.BytesIO(FLOW.encode()), {}, [], {}))

    assert [(funcname, messages) for _, funcname, messages, _ in found] == [
        ("pgettext", ["demo:title", "Demo"]),
        ("pgettext", ["demo:intro", "Welkom bij de demo."]),
        ("pgettext", ["demo:q.kind", "Hoe oud is uw kind?"]),
        ("pgettext", ["demo:q.kind.jong", "Jonger dan 6"]),
        ("pgettext", ["demo:q.kind.oud", "6 of ouder"]),
        (
            "pgettext",
            ["demo:closing", "Bedankt! De school vertelt u {feedback_when} wat ze ermee doet."],
        ),
    ]
    lines = {messages[0]: lineno for lineno, _, messages, _ in found}
    assert lines["demo:q.kind"] == 11 and lines["demo:q.kind.jong"] == 13
    comments = {messages[0]: c for _, _, messages, c in found}
    assert comments["demo:q.kind"] == ["question (choice)"]
    assert "limit: 40 characters (answer button)" in comments["demo:q.kind.oud"]


def test_extract_splits_domains_and_keys_bot_texts_by_constant(project: Path) -> None:
    templates = extract(project)

    bot = {m.id: m for m in templates["ouderstem"] if m.id}
    assert set(bot) == {
        "Ja", "Vraag {number} van {total}", "Hallo! {school} vraagt uw mening.", "Hulp en uitleg",
        ("Nog {n} vraag", "Nog {n} vragen"),
    }  # fmt: skip
    assert bot["Ja"].auto_comments == [
        "Translators: the yes button.",
        "key: texts.YES",
        "limit: 40 characters (button label)",
    ]
    assert "limit: 256 characters (command description)" in bot["Hulp en uitleg"].auto_comments
    assert [m.id for m in templates["staff"] if m.id] == ["Rapport van de ronde"]
    assert [m.context for m in templates["flows"] if m.id][:3] == [
        "demo:title",
        "demo:intro",
        "demo:q.kind",
    ]


def test_plain_pybabel_extract_uses_our_extractors(project: Path) -> None:
    out = project / "all.pot"
    subprocess.run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-o", str(out), "."],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert 'msgctxt "demo:q.kind.jong"' in text
    assert "#. key: texts.WELCOME" in text


# ---- update ----------------------------------------------------------------------------------


def test_update_creates_every_catalog_with_babel_headers(project: Path) -> None:
    refresh(project)

    made = sorted(str(p.relative_to(locales(project))) for p in locales(project).rglob("*.po"))
    assert made == [
        "ar/LC_MESSAGES/flows.po", "ar/LC_MESSAGES/ouderstem.po",
        "fr/LC_MESSAGES/flows.po", "fr/LC_MESSAGES/ouderstem.po",
        "nl/LC_MESSAGES/flows.po", "nl/LC_MESSAGES/ouderstem.po", "nl/LC_MESSAGES/spoken.po",
        "nl/LC_MESSAGES/staff.po",
    ]  # fmt: skip
    spoken = po_path(locales(project), "nl", "spoken").read_text(encoding="utf-8")
    assert 'msgctxt "demo:q.kind:spoken"' in spoken, "every question, again, as spoken only"
    text = po_path(locales(project), "ar", "ouderstem").read_text(encoding="utf-8")
    assert f'"Plural-Forms: {get_plural("ar").plural_forms}\\n"' in text
    assert '"Language: ar\\n"' in text and "charset=utf-8" in text
    assert text.count('msgstr[5] ""') == 1  # Arabic has six plural forms


def test_update_twice_changes_nothing(project: Path) -> None:
    refresh(project)
    before = {p: p.read_bytes() for p in locales(project).rglob("*.po*")}

    assert update(extract(project), locales(project), LANGS) == {}
    assert write_templates(extract(project), locales(project)) == []
    assert {p: p.read_bytes() for p in locales(project).rglob("*.po*")} == before


def test_reworded_flow_text_keeps_its_translation_as_fuzzy(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh(project)
    edit(project, "fr", "flows", "Hoe oud is uw kind?", "demo:q.kind",
         string="Quel âge a votre enfant ?", user_comments=["review: native Amina 2026-03-02"])  # fmt: skip

    flow = project / "bot" / "flows" / "demo.yaml"
    flow.write_text(
        FLOW.replace("Hoe oud is uw kind?", "Hoe oud is uw oudste kind?"), encoding="utf-8"
    )
    refresh(project)

    path = po_path(locales(project), "fr", "flows")
    message = read_catalog(path, "fr").get("Hoe oud is uw oudste kind?", "demo:q.kind")
    assert message.string == "Quel âge a votre enfant ?"
    assert "fuzzy" in message.flags
    assert message.previous_id == ["Hoe oud is uw kind?"]
    assert message.user_comments == ["review: needed, was native Amina 2026-03-02"]
    text = path.read_text(encoding="utf-8")
    assert (
        '#| msgctxt "demo:q.kind"\n#| msgid "Hoe oud is uw kind?"\nmsgctxt "demo:q.kind"\n' in text
    )
    assert "#~" not in text  # carried over, so not left behind as obsolete
    # The runtime never shows a stale translation: the parent reads the new Dutch.
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales(project))
    i18n.catalog.cache_clear()
    try:
        shown = i18n.flow_text("fr", "demo", "q.kind", "Hoe oud is uw oudste kind?")
    finally:
        i18n.catalog.cache_clear()
    assert shown == "Hoe oud is uw oudste kind?"

    # Reworded again before anyone reviewed it: still the same translation, still to review.
    flow.write_text(
        FLOW.replace("Hoe oud is uw kind?", "Hoe oud is uw jongste kind?"), encoding="utf-8"
    )
    refresh(project)
    message = read_catalog(path, "fr").get("Hoe oud is uw jongste kind?", "demo:q.kind")
    assert (message.string, message.previous_id) == (
        "Quel âge a votre enfant ?",
        ["Hoe oud is uw kind?"],  # the Dutch it was translated from
    )
    assert message.user_comments == ["review: needed, was native Amina 2026-03-02"]


def test_reworded_bot_text_keeps_its_translation_by_constant_name(project: Path) -> None:
    refresh(project)
    edit(project, "fr", "ouderstem", "Hallo! {school} vraagt uw mening.",
         string="Bonjour ! {school} vous demande votre avis.", user_comments=["review: machine"])  # fmt: skip

    texts = project / "bot" / "texts.py"
    new = TEXTS.replace(
        "Hallo! {school} vraagt uw mening.", "Dag! {school} wil graag uw mening horen."
    )
    texts.write_text(new.replace('CMD_HELP = N_("Hulp en uitleg")', ""), encoding="utf-8")
    refresh(project)

    catalog = read_catalog(po_path(locales(project), "fr", "ouderstem"), "fr")
    message = catalog.get("Dag! {school} wil graag uw mening horen.")
    assert (message.string, "fuzzy" in message.flags) == (
        "Bonjour ! {school} vous demande votre avis.",
        True,
    )
    assert message.user_comments == ["review: needed, was machine"]
    # A text that is gone stays as obsolete; nothing is guessed by similarity.
    assert [m.id for m in catalog.obsolete.values()] == ["Hulp en uitleg"]


# ---- status ----------------------------------------------------------------------------------


def test_status_counts_translated_reviewed_stale_and_missing(project: Path) -> None:
    templates = refresh(project)
    fr = ("fr", "ouderstem")
    edit(project, *fr, "Ja", string="Oui", user_comments=["review: native Amina 2026-03-02"])
    edit(project, *fr, "Hulp en uitleg", string="Aide", user_comments=["review: machine"])
    edit(project, *fr, "Vraag {number} van {total}", string="Question {number} sur {total}")
    edit(
        project,
        *fr,
        "Hallo! {school} vraagt uw mening.",
        string="Bonjour {school}",
        flags={"fuzzy"},
    )
    edit(
        project,
        "fr",
        "flows",
        "Demo",
        "demo:title",
        string="Démo",
        user_comments=["review: machine"],
    )

    rows = {row["language"]: row for row in status(templates, locales(project), LANGS)}

    fr_bot = rows["fr"]["domains"]["ouderstem"]
    assert {k: fr_bot[k] for k in ("total", "translated", "native", "machine", "unmarked", "fuzzy", "missing")} == {
        "total": 5, "translated": 3, "native": 1, "machine": 1, "unmarked": 1, "fuzzy": 1, "missing": 1,
    }  # fmt: skip
    assert (rows["fr"]["total"], rows["fr"]["translated"], rows["fr"]["machine"]) == (11, 4, 2)
    assert (rows["fr"]["translated_pct"], rows["fr"]["native_pct"]) == (36.4, 9.1)
    assert rows["ar"]["missing"] == 11 and rows["ar"]["translated_pct"] == 0.0
    assert rows["nl"]["source"] is True and "staff" in rows["nl"]["domains"]
    assert "staff" not in rows["fr"]["domains"]


# ---- check -----------------------------------------------------------------------------------


def test_check_passes_a_complete_consistent_project(project: Path) -> None:
    refresh(project)
    translate_all(project)

    assert check(extract(project), locales(project), LANGS) == []


def test_check_reports_every_empty_entry_of_a_fresh_project(project: Path) -> None:
    refresh(project)

    problems = check(extract(project), locales(project), LANGS)

    # fr and ar: 5 bot texts + 6 flow texts each; Dutch and the staff catalog need no translation.
    assert [p.kind for p in problems] == ["missing"] * 22
    assert {p.language for p in problems} == {"fr", "ar"}


BROKEN = {
    "missing": dict(domain="ouderstem", msgid="Ja", string=""),
    "fuzzy": dict(domain="ouderstem", msgid="Ja", flags={"fuzzy"}),
    "placeholders": dict(
        domain="ouderstem",
        msgid="Vraag {number} van {total}",
        string="Question {numero} sur {total}",
    ),
    "review": dict(domain="ouderstem", msgid="Ja", user_comments=["review: perhaps"]),
    "length": dict(
        domain="ouderstem", msgid="Ja", string="Oui, c'est bien cela, je suis tout à fait d'accord"
    ),
    "plural": dict(domain="ouderstem", msgid="Nog {n} vraag", string=("Encore {n} question", "")),
    "source": dict(language="nl", domain="ouderstem", msgid="Ja", string="Jawel"),
}


@pytest.mark.parametrize("kind", BROKEN)
def test_check_catches(project: Path, kind: str) -> None:
    refresh(project)
    translate_all(project)
    broken = dict(BROKEN[kind])
    language = broken.pop("language", "fr")
    edit(project, language, broken.pop("domain"), broken.pop("msgid"), **broken)

    problems = check(extract(project), locales(project), LANGS)

    assert [(p.language, p.kind) for p in problems] == [(language, kind)]


def test_check_catches_broken_braces_in_a_flow_text(project: Path) -> None:
    refresh(project)
    translate_all(project)
    edit(project, "ar", "flows", "Bedankt! De school vertelt u {feedback_when} wat ze ermee doet.",
         "demo:closing", string="شكرا {feedback_when")  # fmt: skip

    assert [p.kind for p in check(extract(project), locales(project), LANGS)] == ["placeholders"]


TOPIC_FLOW = """\
id: gesprek
format: 1
version: 2
audience: parents
title: "Gesprek"
intro: "Welkom bij het gesprek."
closing: "Bedankt! De school vertelt u {feedback_when} wat ze ermee doet."
topics:
  - {id: huiswerk, text: "Huiswerk"}
questions:
  - id: ervaring_thema
    type: open
    text: "Het thema is: {topic}. Wat is uw ervaring?"
"""


def test_check_wants_the_topic_slot_in_every_translation(project: Path) -> None:
    (project / "bot" / "flows" / "gesprek.yaml").write_text(TOPIC_FLOW, encoding="utf-8")
    refresh(project)
    translate_all(project)
    assert check(extract(project), locales(project), LANGS) == []
    edit(project, "fr", "flows", "Het thema is: {topic}. Wat is uw ervaring?",
         "gesprek:q.ervaring_thema", string="Quelle est votre expérience ?")  # fmt: skip

    problems = check(extract(project), locales(project), LANGS)

    assert [(p.language, p.kind) for p in problems] == [("fr", "placeholders")]


def test_an_archived_version_keeps_the_texts_the_new_one_dropped(project: Path) -> None:
    """A running round reads its own version: its texts stay in the template (babel.cfg)."""
    archive = project / "bot" / "flows" / "archive"
    archive.mkdir()
    old = (
        TOPIC_FLOW.replace("version: 2", "version: 1")
        .replace("ervaring_thema", "ervaring")
        .replace("Het thema is: {topic}. Wat is uw ervaring?", "Vertel over uw ervaringen.")
    )
    (archive / "gesprek@1.yaml").write_text(old, encoding="utf-8")
    (project / "bot" / "flows" / "gesprek.yaml").write_text(TOPIC_FLOW, encoding="utf-8")

    flows = extract(project)["flows"]

    assert flows.get("Vertel over uw ervaringen.", "gesprek:q.ervaring") is not None
    assert flows.get("Het thema is: {topic}. Wat is uw ervaring?", "gesprek:q.ervaring_thema")
    assert len([m for m in flows if m.context == "gesprek:intro"]) == 1  # shared: one entry


def test_check_catches_a_wrong_plural_header_and_a_stale_template(project: Path) -> None:
    refresh(project)
    translate_all(project)
    path = po_path(locales(project), "ar", "ouderstem")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(get_plural("ar").plural_forms, "nplurals=6; plural=(n != 1);"),
        encoding="utf-8",
    )
    flows = po_path(locales(project), "ar", "flows")
    text = flows.read_text(encoding="utf-8")
    flows.write_text(
        text.replace(get_plural("ar").plural_forms, "nplurals=2; plural=(n != 1);"),
        encoding="utf-8",
    )
    (project / "bot" / "texts.py").write_text(TEXTS + 'NEW = N_("Nieuw")\n', encoding="utf-8")

    kinds = {
        (p.file.split("locales/")[-1], p.kind)
        for p in check(extract(project), locales(project), LANGS)
    }

    assert ("ar/LC_MESSAGES/ouderstem.po", "header") in kinds
    assert ("ar/LC_MESSAGES/flows.po", "file") not in kinds  # no plural texts there: still readable
    assert ("ouderstem.pot", "template") in kinds
    assert ("fr/LC_MESSAGES/ouderstem.po", "absent") in kinds  # a new N_ text, not merged yet


def test_check_command_exits_1_on_problems(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    refresh(project, LANGUAGES)
    monkeypatch.setattr(i18n_tools.catalogs, "ROOT", project)
    with pytest.raises(SystemExit) as exited:
        main(["i18n", "check"])
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert (
        "locales/ar/LC_MESSAGES/flows.po: 6 x missing: not translated (parents see the Dutch)"
        in out
    )
    assert out.endswith(f"{14 * 11} problem(s)\n")

    translate_all(project, LANGUAGES)
    assert main(["i18n", "check"]) == 0


# ---- compile and the runtime -----------------------------------------------------------------


def test_compile_writes_mo_files_gettext_reads(project: Path) -> None:
    refresh(project)
    edit(project, "fr", "ouderstem", "Ja", string="Oui", user_comments=["review: machine"])

    written = compile_catalogs(locales(project))

    assert len(written) == 8  # with nl/spoken.po (spoken-only variants, audio)
    with po_path(locales(project), "fr", "ouderstem").with_suffix(".mo").open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Ja") == "Oui"


def test_runtime_reads_all_three_domains(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh(project)
    staff = po_path(locales(project), "fr", "staff")
    shutil.copy(po_path(locales(project), "nl", "staff"), staff)
    update(extract(project), locales(project), LANGS)  # a staff catalog someone started for fr
    edit(
        project,
        "fr",
        "staff",
        "Rapport van de ronde",
        string="Rapport du tour",
        user_comments=["review: machine"],
    )
    edit(
        project,
        "fr",
        "flows",
        "Demo",
        "demo:title",
        string="Démo",
        user_comments=["review: machine"],
    )
    edit(project, "fr", "ouderstem", "Ja", string="Oui", user_comments=["review: machine"])
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales(project))
    i18n.catalog.cache_clear()
    try:
        assert i18n.gettext("fr", "Rapport van de ronde") == "Rapport du tour"
        assert i18n.flow_text("fr", "demo", "title", "Demo") == "Démo"
        assert i18n.gettext("fr", "Ja") == "Oui"
    finally:
        i18n.catalog.cache_clear()
