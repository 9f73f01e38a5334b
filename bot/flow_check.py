"""Check flows before they ever run: the static inspector behind `ouderstem flows check`.

Reports, with file and question id: files that do not load, dangling references (themes,
skip conditions, mirrors), duplicate ids, callback data over 64 bytes, rendered messages over
4096 characters, keyboards over Telegram's limits, stray placeholders, and missing translations
per language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.flow_model import FLOWS_DIR, PLACEHOLDER, Flow, QuestionType, load_flow, translatable_items
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog, flow_context
from bot.limits import (
    MAX_BUTTON_LABEL_CHARS,
    MAX_BUTTONS_PER_ROW,
    MAX_BUTTONS_TOTAL,
    MAX_CALLBACK_DATA_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_QUESTION_CHARS,
)

# The widest ids a live button can carry: round ids up to 10 million, versions up to 999.
WIDEST_ROUND_ID = 9_999_999
WIDEST_VERSION = 999
# Room the bot adds around a question (progress, hints, previous answer) in any language.
MESSAGE_OVERHEAD_CHARS = 1200
ALLOWED_PLACEHOLDERS = {"closing": {"feedback_when"}}


@dataclass(frozen=True)
class Issue:
    file: str
    where: str  # question id, theme id or "flow"
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "where": self.where,
            "message": self.message,
            "severity": self.severity,
        }


def check_files(paths: list[Path] | None = None) -> list[Issue]:
    paths = paths if paths is not None else sorted(FLOWS_DIR.glob("*.yaml"))
    flows: dict[str, tuple[Path, Flow]] = {}
    issues: list[Issue] = []
    for path in paths:
        try:
            flow = load_flow(path)
        except (
            ValidationError,
            ValueError,
            OSError,
            yaml.YAMLError,
        ) as exc:  # not YAML: no traceback
            issues.append(Issue(path.name, "flow", f"cannot be loaded: {_first_line(exc)}"))
            continue
        if flow.id in flows:
            issues.append(
                Issue(path.name, "flow", f"flow id {flow.id!r} also in {flows[flow.id][0].name}")
            )
        flows[flow.id] = (path, flow)
    all_flows = {fid: f for fid, (_, f) in flows.items()}
    if paths != sorted(FLOWS_DIR.glob("*.yaml")):
        from bot.flow_model import flow_library

        all_flows = {**flow_library(), **all_flows}
    for path, flow in flows.values():
        issues += check_flow(flow, path.name, all_flows)
    return issues


def check_flow(flow: Flow, file: str, others: dict[str, Flow] | None = None) -> list[Issue]:
    issues: list[Issue] = []

    def report(where: str, message: str, severity: str = "error") -> None:
        issues.append(Issue(file, where, message, severity))

    theme_ids = [t.id for t in flow.themes]
    for dup in {t for t in theme_ids if theme_ids.count(t) > 1}:
        report(dup, "duplicate theme id")
    topic_ids = [t.id for t in flow.topics]
    for dup in {t for t in topic_ids if topic_ids.count(t) > 1}:
        report(dup, "duplicate topic id")

    seen: list[str] = []
    mirror_targets = _mirror_targets(flow, others or {})
    for q in flow.questions:
        if q.theme is not None and q.theme not in theme_ids:
            report(q.id, f"theme {q.theme!r} does not exist")
        if q.skip_if is not None:
            if q.skip_if.question not in seen:
                report(
                    q.id,
                    f"skip_if refers to {q.skip_if.question!r}, which is not an earlier question",
                )
            else:
                target = flow.question(q.skip_if.question)
                allowed = set(target.allowed_values())
                for value in q.skip_if.any_of:
                    if allowed and value not in allowed:
                        report(q.id, f"skip_if value {value!r} is not an answer of {target.id}")
        if (
            q.mirror_of is not None
            and mirror_targets is not None
            and q.mirror_of not in mirror_targets
        ):
            report(q.id, f"mirror_of {q.mirror_of!r} is not a question of the parents' barometer")
        option_ids = [o.id for o in q.options]
        for dup in {o for o in option_ids if option_ids.count(o) > 1}:
            report(q.id, f"duplicate option id {dup!r}")
        seen.append(q.id)
        issues += [Issue(file, q.id, m) for m in _button_problems(flow, q)]
        if len(q.text) > MAX_QUESTION_CHARS:
            report(
                q.id,
                f"question text is {len(q.text)} characters; keep it under {MAX_QUESTION_CHARS}",
            )

    for key, text in translatable_items(flow):
        allowed = ALLOWED_PLACEHOLDERS.get(key, set())
        for name in PLACEHOLDER.findall(text):
            if name not in allowed:
                report(key, f"unknown placeholder {{{name}}}")
    if "{feedback_when}" not in flow.closing:
        report(
            "closing",
            "the closing should say when the school reports back: add {feedback_when}",
            "warning",
        )

    issues += _translation_problems(flow, file)
    return issues


def _mirror_targets(flow: Flow, others: dict[str, Flow]) -> set[str] | None:
    parents = others.get("barometer-ouders")
    if parents is None or flow.id == "barometer-ouders":
        return None
    return {q.id for q in parents.questions if q.type == QuestionType.SCALE}


def _button_problems(flow: Flow, q: object) -> list[str]:
    from bot.flow_model import Question

    assert isinstance(q, Question)
    problems = []
    values = list(q.allowed_values()) or [""]
    for value in values:
        data = f"a|{WIDEST_ROUND_ID}|{WIDEST_VERSION}|{q.id}|{value}"
        if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
            problems.append(
                f"button data {len(data.encode())} bytes (over {MAX_CALLBACK_DATA_BYTES}): "
                f"shorten the question id or option id {value!r}"
            )
    rows = 1 + len(q.options) + 2  # options one per row, plus done and the tool row
    if rows > MAX_BUTTONS_TOTAL or len(q.options) + 6 > MAX_BUTTONS_TOTAL:
        problems.append(f"{len(q.options)} options: over Telegram's {MAX_BUTTONS_TOTAL} buttons")
    if q.type == QuestionType.SCALE and MAX_BUTTONS_PER_ROW < 5:
        problems.append("the scale does not fit one row")
    for option in q.options:
        if len(option.text) > MAX_BUTTON_LABEL_CHARS:
            problems.append(
                f"option {option.id!r} label is {len(option.text)} characters; a phone shows about "
                f"{MAX_BUTTON_LABEL_CHARS}"
            )
    if len(q.text) + MESSAGE_OVERHEAD_CHARS > MAX_MESSAGE_CHARS:
        problems.append("the rendered message would be over 4096 characters")
    return problems


def _translation_problems(flow: Flow, file: str) -> list[Issue]:
    issues = []
    items = translatable_items(flow)
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        messages = catalog(language).messages
        missing = [key for key, text in items if (flow_context(flow.id, key), text) not in messages]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            issues.append(
                Issue(file, "flow", f"{language}: {len(missing)} text(s) not translated: {shown}")
            )
        for key, text in items:
            found = messages.get((flow_context(flow.id, key), text))
            if isinstance(found, str):
                if set(PLACEHOLDER.findall(found)) != set(PLACEHOLDER.findall(text)):
                    issues.append(
                        Issue(file, key, f"{language}: placeholders differ from the Dutch")
                    )
                if len(found) + MESSAGE_OVERHEAD_CHARS > MAX_MESSAGE_CHARS:
                    issues.append(
                        Issue(file, key, f"{language}: translation too long for one message")
                    )
    return issues


def _first_line(exc: Exception) -> str:
    """One line that says what is wrong and where (pydantic's first line only counts errors)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where + ': ' if where else ''}{first['msg']}{more}"
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.YAMLError) and mark is not None:
        return f"not valid YAML: {getattr(exc, 'problem', '')} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
