"""Extraction: babel.cfg, our two extractors, and fresh templates (`bot/locales/<domain>.pot`).

- `extract_flow_yaml` (entry point `ouderstem_flows`) reads a flow file and gives every text the
  message context ``<flow id>:<item key>`` (`bot.flow_model.translatable_items`).
- `extract_python` is babel's Python extractor plus the constant a text is assigned to
  (``#. key: texts.WELCOME``) and, when tighter than a message, its length limit
  (``#. limit: 40 characters (button label)``). Translators see both in their editor. A module
  may name its key prefix with ``CATALOG_KEY = "..."`` (bot/texts/); else its file name is used.
"""

from __future__ import annotations

import ast
import io
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.extract import extract_python as _babel_extract_python
from babel.messages.frontend import parse_mapping_cfg

from bot.errors import OuderstemError
from bot.flow_model import Flow, translatable_items
from bot.i18n import (
    BOT_DOMAIN,
    DOMAINS,
    FLOWS_DOMAIN,
    SPOKEN_DOMAIN,
    SPOKEN_SUFFIX,
    flow_context,
)
from bot.i18n_tools.catalogs import (
    KEY_COMMENT,
    MAPPING_FILE,
    ROOT,
    limit_comment,
    new_catalog,
    template_path,
    write_catalog,
)
from bot.limits import (
    MAX_BOT_DESCRIPTION_CHARS,
    MAX_BOT_SHORT_DESCRIPTION_CHARS,
    MAX_BUTTON_LABEL_CHARS,
    MAX_COMMAND_DESCRIPTION_CHARS,
)

SPOKEN_NOTE = "spoken only: read aloud, never shown (Arabic: with full vowel marks)"
QUESTION_PREFIX, TOPIC_PREFIX = "q.", "topic."
SLOT_FILLERS = (QUESTION_PREFIX, TOPIC_PREFIX, "theme.")  # a {topic} slot: a topic, else a theme
CATALOG_KEY_NAME = "CATALOG_KEY"  # a module-level constant naming the key prefix (bot/texts/)

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
            limit_comment(MAX_BUTTON_LABEL_CHARS, "answer button"),
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


def extract_python(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel's Python extractor, plus each text's constant as a stable key, and its limit.

    `TEXT = N_("...")` and `TABLE = {"key": N_("...")}` at module level get
    ``key: <module>.TEXT`` / ``key: <module>.TABLE[key]``, which lets `merge` keep a translation
    when the Dutch is reworded.
    """
    source = fileobj.read()
    module = _key_prefix(source) or Path(getattr(fileobj, "name", "module.py")).stem
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
                    notes.append(limit_comment(*limit))
                break
        yield lineno, funcname, messages, notes


def _key_prefix(source: bytes) -> str | None:
    """A module's own ``CATALOG_KEY = "..."``: its texts' key prefix, whatever the file is called."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == [CATALOG_KEY_NAME]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


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


def extract(root: Path = ROOT) -> dict[str, Catalog]:
    """Fresh templates of every domain, in memory, from the sources under `root` (babel.cfg).

    Texts come in the order of babel.cfg's sections, then of the files and lines within each.
    """
    if not (root / MAPPING_FILE).is_file():
        raise OuderstemError(
            f"{root / MAPPING_FILE} not found: the i18n tools work on a source checkout of "
            "Ouderstem, not on an installed package"
        )
    with (root / MAPPING_FILE).open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(root / MAPPING_FILE))
    templates = {domain: new_catalog(None, domain) for domain in DOMAINS}
    sections = [id(options) for options in options_map.values()]
    found: list[list[tuple[str, str, int, Any, list[str], str | None]]] = [[] for _ in sections]
    current: dict[str, Any] = {}

    def note_file(filename: str, method: str, options: dict[str, Any]) -> None:
        domain = options.get("domain", BOT_DOMAIN)
        if domain not in templates:
            raise ValueError(f"{MAPPING_FILE}: unknown domain {domain!r} for {filename}")
        current["domain"], current["section"] = domain, sections.index(id(options))

    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=DEFAULT_KEYWORDS, callback=note_file
    ):
        found[current["section"]].append(
            (current["domain"], filename, lineno, message, comments, context)
        )
    # Section by section as babel.cfg lists them, each in the order of the files and their lines:
    # a template's order does not depend on where a module sits in the tree.
    for section in found:
        for domain, filename, lineno, message, comments, context in section:
            templates[domain].add(
                message, None, [(filename, lineno)], auto_comments=comments, context=context
            )
    _add_spoken(templates)
    return templates


def _add_spoken(templates: dict[str, Catalog]) -> None:
    """Every question of every flow again, as its spoken-only variant (``<context>:spoken``);
    in a flow with topics also the topics and theme titles, which fill a question's {topic}
    slot when it is read aloud (`bot.flow_model.topic_item`).

    Optional per language (like staff texts): a language that needs it, Arabic, keeps a
    spoken.po; the audio falls back to the chat text elsewhere (`bot.audio.script`)."""
    spoken = templates[SPOKEN_DOMAIN]
    with_topics = {
        (m.context or "").partition(":")[0]
        for m in templates[FLOWS_DOMAIN]
        if (m.context or "").partition(":")[2].startswith(TOPIC_PREFIX)
    }
    for message in templates[FLOWS_DOMAIN]:
        context = message.context or ""
        flow_id, _, key = context.partition(":")
        kinds = SLOT_FILLERS if flow_id in with_topics else (QUESTION_PREFIX,)
        if not message.id or not key.startswith(kinds) or key.count(".") != 1:
            continue  # questions (and what fills their slot), not options or tips
        spoken.add(
            message.id,
            None,
            list(message.locations),
            auto_comments=[*message.auto_comments, SPOKEN_NOTE],
            context=context + SPOKEN_SUFFIX,
        )


def write_templates(templates: dict[str, Catalog], locales_dir: Path) -> list[Path]:
    """Write bot/locales/<domain>.pot; returns the files that changed."""
    changed = []
    for domain, template in templates.items():
        path = template_path(locales_dir, domain)
        if write_catalog(path, template):
            changed.append(path)
    return changed
