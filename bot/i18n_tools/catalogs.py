"""Reading and writing catalogs: paths, headers, the file format, and the comments we add.

Catalog files are written without line wrapping and without line numbers, in source order, and
only when their content changed: a diff shows what changed in the texts, nothing else.
Review status is a translator comment on each translated entry (`review_of`); a text's stable
key and its length limit are extracted comments (``#. key: texts.WELCOME``,
``#. limit: 40 characters (button label)``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, normalize, read_po, unescape, write_po

from bot.errors import OuderstemError
from bot.i18n import (
    BOT_DOMAIN,
    FLOWS_DOMAIN,
    LOCALES_DIR,
    SOURCE_LANGUAGE,
)

# The source checkout: babel.cfg beside the `bot` package (an installed wheel has no babel.cfg).
ROOT = Path(__file__).resolve().parent.parent.parent
MAPPING_FILE = "babel.cfg"
# Where the catalogs sit in a source tree (`ROOT`): inside the package, as package data.
LOCALES_SUBDIR = LOCALES_DIR.relative_to(ROOT)
# Parents read these: complete in every language. Staff texts are Dutch; other languages optional.
PARENT_DOMAINS = (BOT_DOMAIN, FLOWS_DOMAIN)
PROJECT = "Ouderstem"
KEY_COMMENT = "key: "
LIMIT_COMMENT = re.compile(r"^limit: (\d+) characters")
# "# review: machine [anything]" or "# review: native <who> <YYYY-MM-DD>"
REVIEW = re.compile(
    r"^review: (?:(?P<machine>machine)\b.*|native (?P<who>\S.*) (?P<date>\d{4}-\d\d-\d\d))$"
)
# Header lines that change on every write; a file differing only in these is not rewritten.
VOLATILE_HEADER = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\\n"$', re.M)


def template_path(locales_dir: Path, domain: str) -> Path:
    return locales_dir / f"{domain}.pot"


def po_path(locales_dir: Path, language: str, domain: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{domain}.po"


def fingerprint(catalog: Catalog) -> list[tuple[Any, ...]]:
    """What a template says, without dates or line numbers: equal means up to date."""
    return [
        (
            m.context,
            m.id,
            " ".join(" ".join(m.auto_comments).split()),
            tuple(sorted({f for f, _ in m.locations})),
        )
        for m in catalog
        if m.id
    ]


def new_catalog(language: str | None, domain: str) -> Catalog:
    """An empty template (language None) or catalog, with the header babel derives for it."""
    if language is None:
        header = f"# Ouderstem: template of the {domain!r} texts. Made by `ouderstem i18n extract`."
    else:
        name = Locale.parse(language).english_name
        header = (
            f"# Ouderstem: {name} texts, domain {domain!r}.\n"
            "# How to translate and mark your review: bot/locales/README.md"
        )
    return Catalog(
        locale=language,
        domain=domain,
        project=PROJECT,
        version="1",
        header_comment=header,
        charset="utf-8",
        fuzzy=language is None,
        language_team=None if language is None else Locale.parse(language).english_name,
    )


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    """A .po/.pot file; the ``#| msgid`` lines (babel reads them as comments) become previous_id."""
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=path.stem, abort_invalid=True)
    except PoFileError as exc:
        raise OuderstemError(f"{show(path)} cannot be read: {exc}") from None
    for message in catalog:
        previous = [c for c in message.user_comments if c.startswith("|")]
        if previous:
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
            message.previous_id = _parse_previous(previous)
    return catalog


def _parse_previous(lines: list[str]) -> list[str]:
    fields: dict[str, str] = {}
    keyword = "msgid"
    for line in lines:
        text = line[1:].strip()
        if not text.startswith('"'):
            keyword, _, text = text.partition(" ")
            fields[keyword] = ""
        fields[keyword] = fields.get(keyword, "") + unescape(text.strip())
    return [fields.get("msgid", "")] + (
        [fields["msgid_plural"]] if "msgid_plural" in fields else []
    )


def render(catalog: Catalog) -> str:
    """The file text: no wrapping, no line numbers, source order, ``#| msgid`` on fuzzy entries."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_lineno=False)
    lines = buffer.getvalue().decode("utf-8").split("\n")
    # babel's own include_previous wraps `#|` lines at 76 characters into invalid PO: we write them.
    for message in catalog:
        if message.id and message.previous_id and "fuzzy" in message.flags:
            head = _po_lines("", message.context, message.id)
            for i in range(1, len(lines) - len(head) + 1):
                if lines[i : i + len(head)] == head and (
                    message.context or not lines[i - 1].startswith("msgctxt ")
                ):
                    lines[i:i] = _po_lines("#| ", message.context, message.previous_id)
                    break
    return "\n".join(lines)


def _po_lines(prefix: str, context: str | None, ids: str | Iterable[str]) -> list[str]:
    ids = [ids] if isinstance(ids, str) else list(ids)
    fields = ([("msgctxt", context)] if context else []) + list(
        zip(("msgid", "msgid_plural"), ids, strict=False)
    )
    return [
        prefix + line
        for key, value in fields
        for line in f"{key} {normalize(value, width=0)}".split("\n")
    ]


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write `catalog` to `path` unless only its dates would change; True when written."""
    text = render(catalog)
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if VOLATILE_HEADER.sub("", old) == VOLATILE_HEADER.sub("", text):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def singular(msgid: Any) -> str:
    """The Dutch singular of an entry (a plural entry's id is a pair)."""
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def strings_of(string: Any) -> tuple[str, ...]:
    """An entry's translation(s) as a tuple, empty strings for missing forms."""
    if isinstance(string, (list, tuple)):
        return tuple(s or "" for s in string)
    return (string or "",)


def catalog_languages(locales_dir: Path, domain: str, languages: Iterable[str]) -> list[str]:
    """Parent-facing domains: every language. Staff: Dutch, plus languages someone started."""
    if domain in PARENT_DOMAINS:
        return list(languages)
    return [
        lang
        for lang in languages
        if lang == SOURCE_LANGUAGE or po_path(locales_dir, lang, domain).exists()
    ]


def review_of(message: Message) -> str | None:
    """ "machine", "native" or None (no review line, or one that is not understood)."""
    for comment in message.user_comments:
        match = REVIEW.match(comment.strip())
        if match:
            return "machine" if match["machine"] else "native"
    return None


def limit_comment(limit: int, what: str) -> str:
    """The comment that carries a text's length limit to translators and to `check`."""
    return f"limit: {limit} characters ({what})"


def show(path: Path) -> str:
    """A path as the tools print it: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
