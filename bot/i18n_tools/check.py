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


def check_catalog(
    template: Catalog, locales_dir: Path, language: str, domain: str
) -> list[Problem]:
    path = po_path(locales_dir, language, domain)
    required = domain in PARENT_DOMAINS and language != SOURCE_LANGUAGE
    problems: list[Problem] = []

    def report(where: str, kind: str, message: str, severity: str = ERROR) -> None:
        problems.append(Problem(show(path), where, kind, message, language, severity))

    if not path.exists():
        report("-", "file", "no catalog: run `ouderstem i18n update`")
        return problems
    try:
        catalog = read_catalog(path, language)
    except OuderstemError as exc:  # a broken file is one problem, not the end of the check
        report("-", "file", str(exc).partition(" cannot be read: ")[2] or str(exc))
        return problems
    headers = dict(catalog.mime_headers)
    if headers.get("Language") != language:
        report(
            "header", "header", f"Language is {headers.get('Language')!r}, expected {language!r}"
        )
    # The bot counts forms by the file's own header, as gettext does; babel's CLDR rule is only
    # what `update` would write.
    own = plural_rule(path.read_bytes())
    cldr = get_plural(language)
    if own is None:
        report("header", "header", "no readable Plural-Forms: run `ouderstem i18n update`")
        num_plurals = cldr.num_plurals
    else:
        num_plurals = own.count
        if (own.count, own.expression.replace(" ", "")) != (
            cldr.num_plurals,
            cldr.plural_expr.replace(" ", ""),
        ):
            report(
                "header",
                "header",
                f"{CLDR_DIFFERS} (this babel says {cldr.plural_forms!r})",
                WARNING,
            )

    wanted_keys = set()
    for wanted in template:
        if not wanted.id:
            continue
        wanted_keys.add((wanted.context, singular(wanted.id)))
        where = wanted.context or singular(wanted.id)[:50]
        entry = catalog.get(wanted.id, wanted.context)
        if entry is None:
            report(where, "absent", "not in the catalog: run `ouderstem i18n update`")
            continue
        strings = strings_of(entry.string)
        if language == SOURCE_LANGUAGE:
            if any(strings):
                report(
                    where, "source", "Dutch is the source: change the Dutch text itself, not msgstr"
                )
            strings = tuple(wanted.id) if isinstance(wanted.id, (list, tuple)) else (wanted.id,)
        elif "fuzzy" in entry.flags:
            if required:
                report(
                    where, "fuzzy", "needs review (the Dutch changed): check it, then clear fuzzy"
                )
            continue
        elif not any(strings):
            if required:
                report(where, "missing", "not translated (parents see the Dutch)")
            continue
        else:
            if review_of(entry) is None:
                report(
                    where,
                    "review",
                    "add `# review: machine` or `# review: native <who> <YYYY-MM-DD>`",
                )
            problems += [
                Problem(show(path), where, kind, text, language)
                for kind, text in _form_problems(wanted, strings, num_plurals)
            ]
        limit, what = _limit(wanted)
        for text in strings:
            if len(text) > limit:
                report(where, "length", f"{len(text)} characters, over the {limit} of a {what}")
    for entry in catalog:
        if entry.id and (entry.context, singular(entry.id)) not in wanted_keys:
            report(
                entry.context or singular(entry.id)[:50],
                "stale",
                "not in the template: run `ouderstem i18n update`",
            )
    return problems


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
