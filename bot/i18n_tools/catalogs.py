"""The translation catalogs as a tool: `ouderstem i18n extract|update|compile|status|check`.

Texts reach the catalogs by extraction, never by hand (STYLE.md, lesson 3). `babel.cfg` says
which file goes to which domain; two extractors are ours:

- `extract_flow_yaml` (entry point `ouderstem_flows`) reads a flow file and gives every text the
  message context ``<flow id>:<item key>`` (`bot.flow_model.translatable_items`).
- `extract_python` is babel's Python extractor plus the constant a text is assigned to
  (``#. key: texts.WELCOME``) and, when tighter than a message, its length limit
  (``#. limit: 40 characters (button label)``). Translators see both in their editor.

The context or the constant is a text's stable key. When the Dutch behind a key changes,
`merge` carries the old translation over marked fuzzy, with the old Dutch as ``#| msgid``, so a
translator reviews it instead of retyping it. Babel alone would drop it, or guess a match by
similarity only.

Review status is a translator comment on each translated entry, read by `status` and `check`::

    # review: machine
    # review: native Amina El Idrissi 2026-03-02

The tools work on a source checkout (they read `babel.cfg` and the sources beside `bot/`); the
installed bot needs none of them. Plural forms: the bot uses each catalog's own `Plural-Forms`
header (`bot.i18n`); `update` writes the header babel's CLDR data gives, and `check` only warns
when the installed babel's CLDR rule differs from a header (run `update`, then fill new forms).

Catalog files are written without line wrapping and without line numbers, in source order, and
only when their content changed: a diff shows what changed in the texts, nothing else.
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from string import Formatter
from typing import IO, Any

import yaml
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.extract import extract_python as _babel_extract_python
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, normalize, read_po, unescape, write_po

from bot.errors import OuderstemError
from bot.flow_model import Flow, translatable_items
from bot.i18n import (
    BOT_DOMAIN,
    DOMAINS,
    FLOWS_DOMAIN,
    LANGUAGES,
    LOCALES_DIR,
    SOURCE_LANGUAGE,
    flow_context,
    plural_rule,
)
from bot.limits import (
    MAX_BOT_DESCRIPTION_CHARS,
    MAX_BOT_SHORT_DESCRIPTION_CHARS,
    MAX_BUTTON_LABEL_CHARS,
    MAX_COMMAND_DESCRIPTION_CHARS,
    MAX_MESSAGE_CHARS,
)

# The source checkout: babel.cfg beside the `bot` package (an installed wheel has no babel.cfg).
ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = "babel.cfg"
# Where the catalogs sit in a source tree (`ROOT`): inside the package, as package data.
LOCALES_SUBDIR = LOCALES_DIR.relative_to(ROOT)
ERROR, WARNING = "error", "warning"  # Problem.severity
CLDR_DIFFERS = "catalog header differs from CLDR — run `ouderstem i18n update`"
# Parents read these: complete in every language. Staff texts are Dutch; other languages optional.
PARENT_DOMAINS = (BOT_DOMAIN, FLOWS_DOMAIN)
PROJECT = "Ouderstem"

# Bot texts with a tighter limit than a message (4096), by the name of their constant; a new
# button label is named *_BUTTON, a command description CMD_*.
BUTTON_LABELS = frozenset({
    "YES", "NO", "BACK", "SKIP", "DONE", "DONT_KNOW", "LISTEN", "CONTINUE", "FORGET_YES",
    "FORGET_NO", "OTHER_LANGUAGE", "OPEN_PRIVATE",
})  # fmt: skip
NAMED_LIMITS = {
    "BOT_DESCRIPTION": (MAX_BOT_DESCRIPTION_CHARS, "bot description"),
    "BOT_SHORT_DESCRIPTION": (MAX_BOT_SHORT_DESCRIPTION_CHARS, "bot short description"),
}
KEY_COMMENT = "key: "
LIMIT_COMMENT = re.compile(r"^limit: (\d+) characters")
# "# review: machine [anything]" or "# review: native <who> <YYYY-MM-DD>"
REVIEW = re.compile(
    r"^review: (?:(?P<machine>machine)\b.*|native (?P<who>\S.*) (?P<date>\d{4}-\d\d-\d\d))$"
)
# Header lines that change on every write; a file differing only in these is not rewritten.
VOLATILE_HEADER = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\\n"$', re.M)


# ---- extractors ------------------------------------------------------------------------------


def extract_flow_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, list[str], list[str]]]:
    """Babel extractor for bot/flows/*.yaml: every text of a flow, its stable key as message context.

    Yields ``(lineno, "pgettext", [context, text], comments)``; babel's `pgettext` keyword spec
    (1c, 2) makes the first the context. A flow that does not load stops the extraction:
    `ouderstem flows check` tells why.
    """
    source = fileobj.read()
    flow = Flow.model_validate(yaml.safe_load(source))
    lines = _scalar_lines(source)
    for key, text in translatable_items(flow):
        found = lines.get(text)
        lineno = found.pop(0) if found else 1
        yield lineno, "pgettext", [flow_context(flow.id, key), text], _flow_comments(flow, key)


def _scalar_lines(source: bytes | str) -> dict[str, list[int]]:
    """The line numbers of every text in a YAML document, for locations in the template."""
    lines: dict[str, list[int]] = defaultdict(list)
    stack = [yaml.compose(source)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            lines[node.value].append(node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return lines


def _flow_comments(flow: Flow, key: str) -> list[str]:
    """What a translator should know about a flow item: where it shows, and its limit."""
    kind, _, rest = key.partition(".")
    if kind == "q" and "." in rest:
        question = rest.split(".")[0]
        return [
            f"answer option of q.{question}",
            _limit_comment(MAX_BUTTON_LABEL_CHARS, "answer button"),
        ]
    described = {
        "title": "title of the questionnaire",
        "intro": "first message, before the questions",
        "closing": "last message; {feedback_when} becomes a date or 'soon'",
        "q": f"question ({flow.question(rest).type})" if kind == "q" else "",
        "topic": "topic a school can give a dialogue round",
        "theme": "tip for the school team in the report"
        if rest.endswith(".tip")
        else "theme title",
    }
    return [described.get(kind, kind)]


def _limit_comment(limit: int, what: str) -> str:
    return f"limit: {limit} characters ({what})"


def extract_python(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel's Python extractor, plus each text's constant as a stable key, and its limit.

    `TEXT = N_("...")` and `TABLE = {"key": N_("...")}` at module level get
    ``key: <module>.TEXT`` / ``key: <module>.TABLE[key]``, which lets `merge` keep a translation
    when the Dutch is reworded.
    """
    source = fileobj.read()
    module = Path(getattr(fileobj, "name", "module.py")).stem
    named = _constant_names(source)
    # babel annotates this function's results wrongly: they are (lineno, funcname, messages, comments).
    named_source = io.BytesIO(source)
    named_source.name = getattr(fileobj, "name", "module.py")  # babel's warnings name the file
    found: Iterator[Any] = _babel_extract_python(named_source, keywords, comment_tags, options)
    for lineno, funcname, messages, comments in found:
        text = messages[0] if isinstance(messages, (list, tuple)) else messages
        # A comment over several source lines is one remark; the writer wraps it again.
        notes: list[str] = [" ".join(comments)] if comments else []
        for start, end, value, name in named:
            if start <= lineno <= end and value == text:
                notes.append(f"{KEY_COMMENT}{module}.{name}")
                limit = _name_limit(name)
                if limit:
                    notes.append(_limit_comment(*limit))
                break
        yield lineno, funcname, messages, notes


def _constant_names(source: bytes) -> list[tuple[int, int, str, str]]:
    """(first line, last line, Dutch text, constant name) of each N_ text bound at module level."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        pairs: list[tuple[str, ast.expr | None]] = [(target.id, value)]
        if isinstance(value, ast.Dict):
            pairs = [
                (f"{target.id}[{k.value}]", v)
                for k, v in zip(value.keys, value.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        for name, call in pairs:
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id in ("N_", "NP_")
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            ):
                found.append(
                    (call.lineno, call.end_lineno or call.lineno, call.args[0].value, name)
                )
    return found


def _name_limit(name: str) -> tuple[int, str] | None:
    if name in BUTTON_LABELS or name.endswith("_BUTTON"):
        return MAX_BUTTON_LABEL_CHARS, "button label"
    if name.startswith("CMD_"):
        return MAX_COMMAND_DESCRIPTION_CHARS, "command description"
    return NAMED_LIMITS.get(name)


# ---- templates -------------------------------------------------------------------------------


def extract(root: Path = ROOT) -> dict[str, Catalog]:
    """Fresh templates of every domain, in memory, from the sources under `root` (babel.cfg)."""
    if not (root / MAPPING_FILE).is_file():
        raise OuderstemError(
            f"{root / MAPPING_FILE} not found: the i18n tools work on a source checkout of "
            "Ouderstem, not on an installed package"
        )
    with (root / MAPPING_FILE).open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(root / MAPPING_FILE))
    templates = {domain: new_catalog(None, domain) for domain in DOMAINS}
    current: dict[str, str] = {}

    def note_domain(filename: str, method: str, options: dict[str, Any]) -> None:
        domain = options.get("domain", BOT_DOMAIN)
        if domain not in templates:
            raise ValueError(f"{MAPPING_FILE}: unknown domain {domain!r} for {filename}")
        current["domain"] = domain

    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=DEFAULT_KEYWORDS, callback=note_domain
    ):
        templates[current["domain"]].add(
            message, None, [(filename, lineno)], auto_comments=comments, context=context
        )
    return templates


def template_path(locales_dir: Path, domain: str) -> Path:
    return locales_dir / f"{domain}.pot"


def po_path(locales_dir: Path, language: str, domain: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{domain}.po"


def write_templates(templates: dict[str, Catalog], locales_dir: Path) -> list[Path]:
    """Write bot/locales/<domain>.pot; returns the files that changed."""
    changed = []
    for domain, template in templates.items():
        path = template_path(locales_dir, domain)
        if write_catalog(path, template):
            changed.append(path)
    return changed


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


# ---- reading and writing catalogs ------------------------------------------------------------


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
        raise OuderstemError(f"{_show(path)} cannot be read: {exc}") from None
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


# ---- update: merge the templates, carrying translations over by stable key -------------------


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
    before = {(m.context, _singular(m.id)): m for m in catalog if m.id}
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    for message in catalog:
        old = before.get((message.context, _singular(message.id)))
        still_fuzzy = "fuzzy" in message.flags
        message.previous_id = old.previous_id if (old is not None and still_fuzzy) else []

    orphans: dict[str, list[Any]] = defaultdict(list)
    for obsolete_key, old in catalog.obsolete.items():
        if any(_strings(old.string)):
            for key in stable_keys(old):
                orphans[key].append(obsolete_key)
    carried = 0
    for message in catalog:
        if not message.id or any(_strings(message.string)):
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


def _singular(msgid: Any) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def _strings(string: Any) -> tuple[str, ...]:
    if isinstance(string, (list, tuple)):
        return tuple(s or "" for s in string)
    return (string or "",)


def _reshape(string: Any, msgid: Any, num_plurals: int) -> Any:
    strings = _strings(string)
    if isinstance(msgid, (list, tuple)):
        return tuple(strings[:num_plurals]) + ("",) * max(0, num_plurals - len(strings))
    return strings[0]


def _set_header(catalog: Catalog, language: str) -> None:
    """Language and Plural-Forms from babel, whatever an editor wrote."""
    plural = get_plural(language)
    headers = [(k, v) for k, v in catalog.mime_headers if k not in ("Language", "Plural-Forms")]
    catalog.mime_headers = [*headers, ("Language", language), ("Plural-Forms", plural.plural_forms)]


def catalog_languages(locales_dir: Path, domain: str, languages: Iterable[str]) -> list[str]:
    """Parent-facing domains: every language. Staff: Dutch, plus languages someone started."""
    if domain in PARENT_DOMAINS:
        return list(languages)
    return [
        lang
        for lang in languages
        if lang == SOURCE_LANGUAGE or po_path(locales_dir, lang, domain).exists()
    ]


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


# ---- status ----------------------------------------------------------------------------------


def review_of(message: Message) -> str | None:
    """ "machine", "native" or None (no review line, or one that is not understood)."""
    for comment in message.user_comments:
        match = REVIEW.match(comment.strip())
        if match:
            return "machine" if match["machine"] else "native"
    return None


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
        elif entry is not None and all(_strings(entry.string)):
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


def audio_coverage() -> dict[str, dict[str, Any]]:
    """From `bot.audio` if it is there: a synthetic voice, and recorded questions of all flows."""
    try:
        from bot import audio
    except ImportError:
        return {}
    from bot.flow_model import flow_library

    voices = set(audio.espeak_languages()) if hasattr(audio, "espeak_languages") else set()
    recorded: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if hasattr(audio, "recorded_coverage"):
        for flow in flow_library().values():
            for language, (done, total) in audio.recorded_coverage(flow).items():
                recorded[language][0] += done
                recorded[language][1] += total
    return {
        lang: {
            "voice": lang in voices,
            "recorded": recorded[lang][0],
            "questions": recorded[lang][1],
        }
        for lang in LANGUAGES
    }


# ---- check -----------------------------------------------------------------------------------


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
                Problem(_show(path), "-", "template", "out of date: run `ouderstem i18n update`")
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
        problems.append(Problem(_show(path), where, kind, message, language, severity))

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
        wanted_keys.add((wanted.context, _singular(wanted.id)))
        where = wanted.context or _singular(wanted.id)[:50]
        entry = catalog.get(wanted.id, wanted.context)
        if entry is None:
            report(where, "absent", "not in the catalog: run `ouderstem i18n update`")
            continue
        strings = _strings(entry.string)
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
                Problem(_show(path), where, kind, text, language)
                for kind, text in _form_problems(wanted, strings, num_plurals)
            ]
        limit, what = _limit(wanted)
        for text in strings:
            if len(text) > limit:
                report(where, "length", f"{len(text)} characters, over the {limit} of a {what}")
    for entry in catalog:
        if entry.id and (entry.context, _singular(entry.id)) not in wanted_keys:
            report(
                entry.context or _singular(entry.id)[:50],
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


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# ---- command line ----------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """`ouderstem i18n ...`: plain synchronous commands, no settings needed."""
    i18n = subparsers.add_parser("i18n", help="translation catalogs (locales/README.md)")
    actions = i18n.add_subparsers(dest="action", required=True)
    actions.add_parser("extract", help="write locales/*.pot from the sources").set_defaults(
        run_plain=cmd_extract
    )
    actions.add_parser("update", help="extract, then merge into every language's .po").set_defaults(
        run_plain=cmd_update
    )
    actions.add_parser("compile", help="write .mo files (not committed)").set_defaults(
        run_plain=cmd_compile
    )
    for name, run, text in (
        ("status", cmd_status, "per language: translated, reviewed, stale, missing, audio"),
        ("check", cmd_check, "exit 1 on any incomplete or inconsistent catalog"),
    ):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        parser.set_defaults(run_plain=run)


def _locales() -> Path:
    return ROOT / LOCALES_SUBDIR


def cmd_extract(args: argparse.Namespace) -> None:
    templates = extract(ROOT)
    changed = write_templates(templates, _locales())
    for domain, template in templates.items():
        print(f"{domain}: {sum(1 for m in template if m.id)} texts")
    print(f"{len(changed)} template(s) changed")


def cmd_update(args: argparse.Namespace) -> None:
    templates = extract(ROOT)
    write_templates(templates, _locales())
    changed = update(templates, _locales())
    for path, carried in changed.items():
        note = f": {carried} translation(s) to review, the Dutch changed" if carried else ""
        print(f"{_show(path)}{note}")
    print(f"{len(changed)} catalog(s) changed")


def cmd_compile(args: argparse.Namespace) -> None:
    print(f"{len(compile_catalogs(_locales()))} .mo file(s) written")


def cmd_status(args: argparse.Namespace) -> None:
    rows = status(extract(ROOT), _locales(), audio=audio_coverage)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    print(
        f"{'language':<20} {'translated':>10} {'native':>7} {'machine':>8} {'stale':>6} {'missing':>8}  audio"
    )
    for row in rows:
        label = f"{row['language']} {row['name']}"
        audio = row["audio"]
        heard = (
            ("voice" if audio["voice"] else "no voice")
            + f", {audio['recorded']}/{audio['questions']} recorded"
            if audio
            else "-"
        )
        if row["source"]:
            print(f"{label:<20} {'source':>10} {'':>7} {'':>8} {'':>6} {'':>8}  {heard}")
            continue
        print(
            f"{label:<20} {row['translated_pct']:>9}% {row['native_pct']:>6}% {row['machine']:>8} "
            f"{row['fuzzy']:>6} {row['missing']:>8}  {heard}"
        )
    print(
        f"{rows[0]['total'] if rows else 0} parent-facing texts per language (bot texts and flows)"
    )


def cmd_check(args: argparse.Namespace) -> None:
    found = check(extract(ROOT), _locales())
    problems = [p for p in found if p.severity == ERROR]
    warnings = [p for p in found if p.severity == WARNING]
    if args.json:
        print(json.dumps([asdict(p) for p in found], ensure_ascii=False))
    else:
        groups: dict[tuple[str, str, str], list[Problem]] = defaultdict(list)
        for problem in found:
            groups[(problem.file, problem.kind, problem.severity)].append(problem)
        for (file, kind, severity), same in groups.items():
            if len(same) == 1:
                print(same[0])
            else:
                note = "warning: " if severity == WARNING else ""
                shown = ", ".join(p.where for p in same[:3])
                print(f"{file}: {len(same)} x {kind}: {note}{same[0].message} ({shown}, ...)")
        note = f", {len(warnings)} warning(s) (they fail nothing)" if warnings else ""
        print(f"{len(problems)} problem(s){note}")
    if problems:
        raise SystemExit(1)
