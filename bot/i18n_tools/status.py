"""`status`: per language, how much is translated, reviewed, stale or missing, and audio."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog

from bot.i18n import (
    LANGUAGES,
    SOURCE_LANGUAGE,
)
from bot.i18n_tools.catalogs import (
    PARENT_DOMAINS,
    po_path,
    read_catalog,
    review_of,
    strings_of,
)


@dataclass
class Counts:
    """How far one catalog (or several) is, against the current templates."""

    total: int = 0
    translated: int = 0  # usable: not fuzzy, every form filled in
    native: int = 0  # of translated: "review: native ..."
    machine: int = 0  # of translated: "review: machine"
    unmarked: int = 0  # of translated: no review line
    fuzzy: int = 0  # stale: the Dutch changed, or an editor marked it
    missing: int = 0  # no translation (parents see Dutch)

    def add(self, other: Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def percent(self, part: int) -> float:
        return round(100 * part / self.total, 1) if self.total else 100.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "translated_pct": self.percent(self.translated),
            "native_pct": self.percent(self.native),
        }


def count(catalog: Catalog | None, template: Catalog) -> Counts:
    counts = Counts()
    for wanted in template:
        if not wanted.id:
            continue
        counts.total += 1
        entry = catalog.get(wanted.id, wanted.context) if catalog is not None else None
        if entry is not None and "fuzzy" in entry.flags:
            counts.fuzzy += 1
        elif entry is not None and all(strings_of(entry.string)):
            counts.translated += 1
            review = review_of(entry)
            counts.native += review == "native"
            counts.machine += review == "machine"
            counts.unmarked += review is None
        else:
            counts.missing += 1
    return counts


def status(
    templates: dict[str, Catalog],
    locales_dir: Path,
    languages: Iterable[str] = LANGUAGES,
    audio: Callable[[], dict[str, dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Per language: the parent-facing totals, each domain, and audio coverage when known."""
    audio_by_language = audio() if audio else {}
    rows = []
    for language in languages:
        domains: dict[str, Any] = {}
        total = Counts()
        for domain, template in templates.items():
            path = po_path(locales_dir, language, domain)
            if domain not in PARENT_DOMAINS and not path.exists():
                continue
            counts = count(read_catalog(path, language) if path.exists() else None, template)
            domains[domain] = counts.as_dict()
            if domain in PARENT_DOMAINS:
                total.add(counts)
        rows.append({
            "language": language,
            "name": Locale.parse(language).english_name,
            "source": language == SOURCE_LANGUAGE,
            **total.as_dict(),
            "domains": domains,
            "audio": audio_by_language.get(language),
        })  # fmt: skip
    return rows


def audio_kind(voice: bool, recorded: int, questions: int) -> str:
    """How a language is heard: "recorded" (every question), "synthetic" (a voice), or "none"."""
    if questions and recorded == questions:
        return "recorded"
    return "synthetic" if voice else "none"


def audio_coverage(
    recordings: dict[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """From `bot.audio` if it is there: a synthetic voice (the system's espeak-ng or the bundled
    one), and recorded questions of all flows: files in bot/locales/<lang>/audio/ plus
    `recordings` (language -> approved recordings in the database, when the caller has them)."""
    try:
        from bot import audio
    except ImportError:
        return {}
    from bot.flow_model import flow_library

    system = set(audio.espeak_languages())
    bundled = audio.bundled_languages()
    recorded: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for flow in flow_library().values():
        for language, (done, total) in audio.recorded_coverage(flow).items():
            recorded[language][0] += done
            recorded[language][1] += total
    for language, done in (recordings or {}).items():
        recorded[language][0] = min(recorded[language][0] + done, recorded[language][1])
    rows: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        voice = lang in system or lang in bundled
        done, total = recorded[lang]
        rows[lang] = {
            "voice": voice,
            "engine": "espeak-ng"
            if lang in system
            else "espeak-ng (bundled)"
            if lang in bundled
            else None,
            "recorded": done,
            "questions": total,
            "kind": audio_kind(voice, done, total),
        }
    return rows
