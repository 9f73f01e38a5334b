"""`update`: merge fresh templates into every catalog, carrying translations over by stable key.

The context or the constant is a text's stable key. When the Dutch behind a key changes,
`merge` carries the old translation over marked fuzzy, with the old Dutch as ``#| msgid``, so a
translator reviews it instead of retyping it. Babel alone would drop it, or guess a match by
similarity only. `update` writes the Plural-Forms header babel's CLDR data gives.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural

from bot.i18n import (
    LANGUAGES,
)
from bot.i18n_tools.catalogs import (
    KEY_COMMENT,
    catalog_languages,
    new_catalog,
    po_path,
    read_catalog,
    singular,
    strings_of,
    write_catalog,
)


def stable_keys(message: Message) -> set[str]:
    """The keys that survive a rewording: the flow item context, or the Python constant."""
    keys = {c[len(KEY_COMMENT) :] for c in message.auto_comments if c.startswith(KEY_COMMENT)}
    return keys | ({f"context {message.context}"} if message.context else set())


def merge(catalog: Catalog, template: Catalog) -> int:
    """Bring `catalog` in line with `template`; returns how many translations went fuzzy.

    Exact matches keep their translation. A new Dutch text whose stable key an old entry had gets
    that entry's translation, marked fuzzy, its old Dutch as previous msgid and its review line
    turned into "review: needed, was ...": a stale translation is never shown, never lost and
    never counted as reviewed. What is left of the old entries stays as obsolete (``#~``).
    """
    before = {(m.context, singular(m.id)): m for m in catalog if m.id}
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    for message in catalog:
        old = before.get((message.context, singular(message.id)))
        still_fuzzy = "fuzzy" in message.flags
        message.previous_id = old.previous_id if (old is not None and still_fuzzy) else []

    orphans: dict[str, list[Any]] = defaultdict(list)
    for obsolete_key, old in catalog.obsolete.items():
        if any(strings_of(old.string)):
            for key in stable_keys(old):
                orphans[key].append(obsolete_key)
    carried = 0
    for message in catalog:
        if not message.id or any(strings_of(message.string)):
            continue
        candidates = {
            k for key in stable_keys(message) for k in orphans.get(key, ()) if k in catalog.obsolete
        }
        if len(candidates) != 1:
            continue
        old = catalog.obsolete.pop(candidates.pop())
        message.string = _reshape(old.string, message.id, catalog.num_plurals)
        message.flags.add("fuzzy")
        # The Dutch the translation was made for: if it was stale already, its own previous one.
        translated_from = old.previous_id if "fuzzy" in old.flags and old.previous_id else old.id
        message.previous_id = (
            [translated_from] if isinstance(translated_from, str) else list(translated_from)
        )
        message.user_comments = [_needs_review(c) for c in old.user_comments]
        carried += 1
    return carried


def _needs_review(comment: str) -> str:
    """Turn "review: native Ana 2026-03-02" into "review: needed, was native Ana 2026-03-02"."""
    if comment.startswith("review: ") and not comment.startswith("review: needed"):
        return comment.replace("review: ", "review: needed, was ", 1)
    return comment


def _reshape(string: Any, msgid: Any, num_plurals: int) -> Any:
    strings = strings_of(string)
    if isinstance(msgid, (list, tuple)):
        return tuple(strings[:num_plurals]) + ("",) * max(0, num_plurals - len(strings))
    return strings[0]


def _set_header(catalog: Catalog, language: str) -> None:
    """Language and Plural-Forms from babel, whatever an editor wrote."""
    plural = get_plural(language)
    headers = [(k, v) for k, v in catalog.mime_headers if k not in ("Language", "Plural-Forms")]
    catalog.mime_headers = [*headers, ("Language", language), ("Plural-Forms", plural.plural_forms)]


def update(
    templates: dict[str, Catalog], locales_dir: Path, languages: Iterable[str] = LANGUAGES
) -> dict[Path, int]:
    """Merge the templates into every catalog, creating missing ones; {changed file: fuzzied}."""
    changed = {}
    languages = list(languages)
    for domain, template in templates.items():
        for language in catalog_languages(locales_dir, domain, languages):
            path = po_path(locales_dir, language, domain)
            catalog = (
                read_catalog(path, language) if path.exists() else new_catalog(language, domain)
            )
            _set_header(catalog, language)
            carried = merge(catalog, template)
            if write_catalog(path, catalog):
                changed[path] = carried
    return changed


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Write a .mo beside each .po, for tools that want them (the bot reads the .po files)."""
    written = []
    for path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        catalog = read_catalog(path, path.parent.parent.name)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(path.with_suffix(".mo"))
    return written
