"""`check`: everything that keeps a catalog from being published, one small check per kind.

The bot counts plural forms by each file's own header, as gettext does; `check` only warns when
the installed babel's CLDR rule differs from a header (run `update`, then fill new forms).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural

from bot.errors import OuderstemError
from bot.i18n import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    plural_rule,
)
from bot.i18n_tools.catalogs import (
    LIMIT_COMMENT,
    PARENT_DOMAINS,
    catalog_languages,
    fingerprint,
    po_path,
    read_catalog,
    review_of,
    show,
    singular,
    strings_of,
    template_path,
)
from bot.limits import (
    MAX_MESSAGE_CHARS,
)

ERROR, WARNING = "error", "warning"  # Problem.severity
CLDR_DIFFERS = "catalog header differs from CLDR — run `ouderstem i18n update`"


@dataclass(frozen=True)
class Problem:
    """One thing that keeps a catalog from being published."""

    file: str
    where: str  # msgctxt or the start of the Dutch text
    kind: str  # template | file | header | absent | missing | fuzzy | review | placeholders |
    #            plural | length | source | stale
    message: str
    language: str = field(default="")
    # "error" keeps a catalog from being published; a "warning" (the installed babel's CLDR rule
    # differs from a catalog's plural header) changes nothing a parent sees and fails nothing.
    severity: str = field(default="error")

    def __str__(self) -> str:
        note = "warning: " if self.severity == WARNING else ""
        return f"{self.file}: {self.where}: {self.kind}: {note}{self.message}"


def check(
    templates: dict[str, Catalog], locales_dir: Path, languages: Iterable[str] = LANGUAGES
) -> list[Problem]:
    """Every problem of the catalogs against fresh templates; ready to publish without errors."""
    problems: list[Problem] = []
    languages = list(languages)
    for domain, template in templates.items():
        path = template_path(locales_dir, domain)
        if not path.exists() or fingerprint(read_catalog(path)) != fingerprint(template):
            problems.append(
                Problem(show(path), "-", "template", "out of date: run `ouderstem i18n update`")
            )
        for language in catalog_languages(locales_dir, domain, languages):
            problems += check_catalog(template, locales_dir, language, domain)
    return problems


@dataclass(frozen=True)
class Opened:
    """One catalog under check: where it is, what it must be, and what its header says."""

    path: Path
    language: str
    catalog: Catalog
    required: bool  # parent-facing and not Dutch: every text must be translated
    num_plurals: int  # by the file's own header (the bot's rule), else by CLDR

    def problem(self, where: str, kind: str, message: str, severity: str = ERROR) -> Problem:
        return Problem(show(self.path), where, kind, message, self.language, severity)


Found = list[Problem]


def check_catalog(
    template: Catalog, locales_dir: Path, language: str, domain: str
) -> list[Problem]:
    """Every problem of one catalog: the file, its header, each wanted text, and stale ones."""
    path = po_path(locales_dir, language, domain)
    opened = _open(path, language, required=domain in PARENT_DOMAINS)
    if isinstance(opened, Problem):
        return [opened]
    problems = _header_problems(opened)
    for wanted in template:
        if wanted.id:
            problems += _entry_problems(opened, wanted)
    return problems + _stale_problems(opened, template)


def _open(path: Path, language: str, *, required: bool) -> Opened | Problem:
    """The catalog, or the one problem that it is absent or cannot be read."""
    if not path.exists():
        return Problem(show(path), "-", "file", "no catalog: run `ouderstem i18n update`", language)
    try:
        catalog = read_catalog(path, language)
    except OuderstemError as exc:  # a broken file is one problem, not the end of the check
        message = str(exc).partition(" cannot be read: ")[2] or str(exc)
        return Problem(show(path), "-", "file", message, language)
    # The bot counts forms by the file's own header, as gettext does; babel's CLDR rule is only
    # what `update` would write.
    own = plural_rule(path.read_bytes())
    num_plurals = own.count if own is not None else get_plural(language).num_plurals
    return Opened(path, language, catalog, required and language != SOURCE_LANGUAGE, num_plurals)


def _header_problems(opened: Opened) -> Found:
    """Language must be the catalog's own; Plural-Forms readable, and (a warning) as CLDR's."""
    problems = []
    language = opened.language
    found = dict(opened.catalog.mime_headers).get("Language")
    if found != language:
        problems.append(
            opened.problem("header", "header", f"Language is {found!r}, expected {language!r}")
        )
    own = plural_rule(opened.path.read_bytes())
    cldr = get_plural(language)
    if own is None:
        problems.append(
            opened.problem(
                "header", "header", "no readable Plural-Forms: run `ouderstem i18n update`"
            )
        )
    elif (own.count, own.expression.replace(" ", "")) != (
        cldr.num_plurals,
        cldr.plural_expr.replace(" ", ""),
    ):
        problems.append(
            opened.problem(
                "header",
                "header",
                f"{CLDR_DIFFERS} (this babel says {cldr.plural_forms!r})",
                WARNING,
            )
        )
    return problems


def _entry_problems(opened: Opened, wanted: Message) -> Found:
    """One wanted text: present, translated and reviewed (when required), well formed, short."""
    where = wanted.context or singular(wanted.id)[:50]
    entry = opened.catalog.get(wanted.id, wanted.context)
    if entry is None:
        return [opened.problem(where, "absent", "not in the catalog: run `ouderstem i18n update`")]
    strings = strings_of(entry.string)
    if opened.language == SOURCE_LANGUAGE:
        return _source_problems(opened, wanted, where, strings)
    if "fuzzy" in entry.flags:
        return _unless_optional(
            opened, where, "fuzzy", "needs review (the Dutch changed): check it, then clear fuzzy"
        )
    if not any(strings):
        return _unless_optional(opened, where, "missing", "not translated (parents see the Dutch)")
    problems = []
    if review_of(entry) is None:
        problems.append(
            opened.problem(
                where, "review", "add `# review: machine` or `# review: native <who> <YYYY-MM-DD>`"
            )
        )
    problems += [
        opened.problem(where, kind, text)
        for kind, text in _form_problems(wanted, strings, opened.num_plurals)
    ]
    return problems + _length_problems(opened, wanted, where, strings)


def _source_problems(
    opened: Opened, wanted: Message, where: str, strings: tuple[str, ...]
) -> Found:
    """Dutch is the source: its msgstr stays empty, and the Dutch itself must fit its limit."""
    problems = []
    if any(strings):
        problems.append(
            opened.problem(
                where, "source", "Dutch is the source: change the Dutch text itself, not msgstr"
            )
        )
    source = tuple(wanted.id) if isinstance(wanted.id, (list, tuple)) else (wanted.id,)
    return problems + _length_problems(opened, wanted, where, source)


def _unless_optional(opened: Opened, where: str, kind: str, message: str) -> Found:
    """A fuzzy or missing translation is a problem only where every text is required."""
    return [opened.problem(where, kind, message)] if opened.required else []


def _length_problems(
    opened: Opened, wanted: Message, where: str, strings: tuple[str, ...]
) -> Found:
    """Each form within the text's limit (a button label, a message, ...)."""
    limit, what = _limit(wanted)
    return [
        opened.problem(where, "length", f"{len(text)} characters, over the {limit} of a {what}")
        for text in strings
        if len(text) > limit
    ]


def _stale_problems(opened: Opened, template: Catalog) -> Found:
    """Entries the template no longer has."""
    wanted = {(m.context, singular(m.id)) for m in template if m.id}
    return [
        opened.problem(
            entry.context or singular(entry.id)[:50],
            "stale",
            "not in the template: run `ouderstem i18n update`",
        )
        for entry in opened.catalog
        if entry.id and (entry.context, singular(entry.id)) not in wanted
    ]


def _form_problems(
    wanted: Message, strings: tuple[str, ...], num_plurals: int
) -> list[tuple[str, str]]:
    """Plural forms and placeholders of one translation against its Dutch source."""
    problems = []
    is_plural = isinstance(wanted.id, (list, tuple))
    if is_plural and (len(strings) != num_plurals or not all(strings)):
        problems.append(
            (
                "plural",
                f"needs {num_plurals} filled-in plural form(s), has {sum(map(bool, strings))}",
            )
        )
    if not is_plural and len(strings) != 1:
        problems.append(("plural", "plural forms for a text that has none"))
    # A plural form may leave out {n} ("one question"), but adds no name and, together, the forms
    # use every name of the Dutch; a singular text has exactly the names of the Dutch.
    sources: tuple[str, ...] = tuple(wanted.id) if is_plural else (str(wanted.id),)
    expected: set[str] = set().union(*(_placeholders(s) or set() for s in sources))
    found = [_placeholders(s) for s in strings if s]
    if any(names is None for names in found):
        problems.append(
            ("placeholders", "braces that cannot be filled in: write {name} as in the Dutch")
        )
        return problems
    used: set[str] = set().union(*(names or set() for names in found))
    extra = any(not (names or set()) <= expected for names in found)
    if found and (used != expected or extra or (not is_plural and found[0] != expected)):
        problems.append(("placeholders", f"placeholders differ from the Dutch {sorted(expected)}"))
    return problems


def _placeholders(text: str) -> set[str] | None:
    """The {names} of a text, or None when str.format cannot read it (the bot would fall back)."""
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _limit(message: Message) -> tuple[int, str]:
    for comment in message.auto_comments:
        match = LIMIT_COMMENT.match(comment)
        if match:
            return int(match[1]), comment.partition("(")[2].rstrip(")") or "text"
    return MAX_MESSAGE_CHARS, "message"
