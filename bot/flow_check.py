"""Check flows before they ever run: the static inspector behind `ouderstem flows check`.

This module loads the files and runs the checks of `bot.flow_issues`, one small unit per kind of
problem.

Reports, with file and question id: files that do not load, dangling references (themes,
skip conditions, mirrors), duplicate ids, callback data over 64 bytes, rendered messages over
4096 characters, keyboards over Telegram's limits, stray placeholders, and missing translations
per language.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.flow_issues import FINAL_CHECKS, FLOW_CHECKS, QUESTION_CHECKS, Inspected, Issue
from bot.flow_model import FLOW_ARCHIVE_DIR, FLOWS_DIR, Flow, load_flow

__all__ = ["Issue", "check_files", "check_flow"]


def check_files(paths: list[Path] | None = None) -> list[Issue]:
    """Every issue of the flow files (all shipped flows by default), files that do not load too."""
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
    if paths == sorted(FLOWS_DIR.glob("*.yaml")):
        issues += _check_archive(all_flows)
    return issues


def _check_archive(current: dict[str, Flow]) -> list[Issue]:
    """Earlier versions (`archive/<id>@<version>.yaml`): rounds opened on them still run them."""
    issues: list[Issue] = []
    for path in sorted(FLOW_ARCHIVE_DIR.glob("*.yaml")):
        name = f"archive/{path.name}"
        try:
            flow = load_flow(path)
        except (ValidationError, ValueError, OSError, yaml.YAMLError) as exc:
            issues.append(Issue(name, "flow", f"cannot be loaded: {_first_line(exc)}"))
            continue
        if path.name != f"{flow.id}@{flow.version}.yaml":
            issues.append(Issue(name, "flow", f"must be named {flow.id}@{flow.version}.yaml"))
        now = current.get(flow.id)
        if now is None or now.version <= flow.version:
            issues.append(Issue(name, "flow", "no newer version of this flow is shipped"))
        issues += check_flow(flow, name, current)
    return issues


def check_flow(flow: Flow, file: str, others: dict[str, Flow] | None = None) -> list[Issue]:
    """Every issue of one flow: the flow checks, each question's checks in order, then the texts."""
    inspected = Inspected(flow, others or {})
    issues = [
        Issue(file, where, message, check.severity)
        for check in FLOW_CHECKS
        for where, message in check.find(inspected)
    ]
    for number, question in enumerate(flow.questions):
        earlier = [q.id for q in flow.questions[:number]]
        issues += [
            Issue(file, where, message, check.severity)
            for check in QUESTION_CHECKS
            for where, message in check.find(inspected, question, earlier)
        ]
    issues += [
        Issue(file, where, message, check.severity)
        for check in FINAL_CHECKS
        for where, message in check.find(inspected)
    ]
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
