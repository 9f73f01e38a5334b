"""The flow inspector (`ouderstem flows check`), in-process: each problem names file and item.

The flows here are small tables written in the test, in the spirit of pyxform's tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flow_check import Issue, check_files
from bot.flow_model import FLOWS_DIR


def flow(*questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "proef",
        "format": 1,
        "version": 1,
        "audience": "parents",
        "title": "Proef",
        "intro": "Intro.",
        "closing": "Bedankt! {feedback_when}",
        "questions": list(questions),
        **extra,
    }


def check(tmp_path: Path, data: dict[str, Any], name: str = "proef.yaml") -> list[Issue]:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return [i for i in check_files([path]) if "not translated" not in i.message]


SCALE = {"id": "schaal", "type": "scale", "text": "Een schaal."}


@pytest.mark.parametrize(
    "question,where,words",
    [
        (
            {
                "id": "uren",
                "type": "scale",
                "text": "Uren.",
                "skip_if": {"question": "werk", "any_of": ["no"]},
            },
            "uren",
            ["skip_if refers to 'werk'", "not an earlier question"],
        ),
        (
            {
                "id": "uren",
                "type": "scale",
                "text": "Uren.",
                "skip_if": {"question": "schaal", "any_of": ["7"]},
            },
            "uren",
            ["skip_if value '7' is not an answer of schaal"],
        ),
        (
            {
                "id": "keuze",
                "type": "choice",
                "text": "Kies.",
                "options": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}],
            },
            "keuze",
            ["duplicate option id 'a'"],
        ),
        (
            {
                "id": "keuze",
                "type": "choice",
                "text": "Kies.",
                "options": [{"id": "a", "text": "A" * 41}, {"id": "b", "text": "B"}],
            },
            "keuze",
            ["option 'a' label is 41 characters"],
        ),
        (
            {
                "id": "q" * 32,
                "type": "choice",
                "text": "Kies.",
                "options": [{"id": "o" * 20, "text": "A"}, {"id": "b", "text": "B"}],
            },
            "q" * 32,
            ["button data 67 bytes (over 64)", "o" * 20],
        ),
        (
            {"id": "thema", "type": "scale", "text": "Thema.", "theme": "bestaat_niet"},
            "thema",
            ["theme 'bestaat_niet' does not exist"],
        ),
        ({"id": "lang", "type": "scale", "text": "Zin. " * 130}, "lang", ["keep it under 600"]),
        (
            {"id": "placeholder", "type": "scale", "text": "Hallo {naam}."},
            "q.placeholder",
            ["unknown placeholder {naam}"],
        ),
    ],
)
def test_a_problem_is_reported_with_its_question(
    tmp_path: Path, question: dict[str, Any], where: str, words: list[str]
) -> None:
    issues = check(tmp_path, flow(SCALE, question))
    found = [i for i in issues if i.where == where and all(w in i.message for w in words)]
    assert found, [str(i) for i in issues]
    assert all(i.file == "proef.yaml" and i.severity == "error" for i in found)
    assert str(found[0]).startswith(f"proef.yaml: {where}: error: ")


def test_a_clean_flow_has_no_problem(tmp_path: Path) -> None:
    assert (
        check(
            tmp_path,
            flow(
                SCALE,
                {
                    "id": "jn",
                    "type": "yesno",
                    "text": "Ja?",
                    "skip_if": {"question": "schaal", "any_of": ["1", "dontknow"]},
                },
            ),
        )
        == []
    )


def test_a_closing_without_feedback_moment_is_a_warning(tmp_path: Path) -> None:
    issues = check(tmp_path, {**flow(SCALE), "closing": "Bedankt!"})
    assert [(i.where, i.severity) for i in issues] == [("closing", "warning")]


def test_files_that_do_not_load_and_duplicate_flow_ids(tmp_path: Path) -> None:
    (tmp_path / "stuk.yaml").write_text("id: stuk\nquestions: [", encoding="utf-8")
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(flow(SCALE)), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(flow(SCALE)), encoding="utf-8")
    dup = yaml.safe_dump(flow(SCALE, {"id": "schaal", "type": "yesno", "text": "Nog eens."}))
    (tmp_path / "c.yaml").write_text(dup, encoding="utf-8")
    issues = check_files([tmp_path / n for n in ("stuk.yaml", "a.yaml", "b.yaml", "c.yaml")])
    messages = {(i.file, i.where): i.message for i in issues if "not translated" not in i.message}
    assert messages[("stuk.yaml", "flow")].startswith("cannot be loaded: not valid YAML: ")
    assert "(line 2, column 13)" in messages[("stuk.yaml", "flow")]
    assert messages[("b.yaml", "flow")] == "flow id 'proef' also in a.yaml"
    assert "duplicate question id 'schaal'" in messages[("c.yaml", "flow")]


def test_the_shipped_flows_have_no_structural_problem() -> None:
    issues = check_files(sorted(FLOWS_DIR.glob("*.yaml")))
    structural = [
        str(i) for i in issues if i.severity == "error" and "not translated" not in i.message
    ]
    assert structural == []
