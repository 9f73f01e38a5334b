"""Question flows as data: the pydantic models behind `bot/flows/*.yaml`.

A flow is written in Dutch (the source language) by people who are not programmers. Every
translatable item has a stable id, so translations are keyed by id (see `bot.i18n`) and a
reworded Dutch sentence marks its translations for review instead of losing them.

Shape of a flow file::

    id: barometer-ouders          # stable, used in links, rounds and reports
    format: 1                     # version of this file format (migrated forward)
    version: 3                    # content version; rounds remember which one they used
    audience: parents             # parents | team | pupils
    title: ...                    # short Dutch title
    intro: ...                    # what the respondent reads before the first question
    closing: ...                  # thank-you; may use {feedback_when}
    themes: [{id, title, stars: [1..5], goals: [1..7], matrix: ["ouder-kind:meedenken", ...], tip}]
    topics: [{id, text}]          # optional: topics a school may choose for a dialogue round
    questions:
      - {id, type: scale|choice|multi|yesno|open|info, theme, text, options: [{id, text}],
         optional: bool, skip_if: {question, any_of: [values]}, mirror_of: other-flow-question-id}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

FORMAT_VERSION: Final = 1
# Package data (pyproject.toml): beside this module in a checkout and in an installed wheel alike.
FLOWS_DIR = Path(__file__).resolve().parent / "flows"
# Earlier versions of a flow, `<id>@<version>.yaml`: a round keeps the version it opened with.
FLOW_ARCHIVE_DIR = FLOWS_DIR / "archive"

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]

# The answer values of the emoji-face scale; "dontknow" is stored as such and left out of means.
SCALE_VALUES: tuple[str, ...] = ("1", "2", "3", "4", "5")
DONT_KNOW = "dontknow"
YES, NO = "yes", "no"

# Cells of the involvement matrix (seed 001): three lines times four levels; school>ouders has no
# "meebeslissen" (the school does not decide along in the family).
MATRIX_LINES = ("ouder-kind", "ouder-school", "school-ouder")
MATRIX_LEVELS = ("meeleven", "meehelpen", "meedenken", "meebeslissen")
MATRIX_CELLS = tuple(
    f"{line}:{level}"
    for line in MATRIX_LINES
    for level in MATRIX_LEVELS
    if not (line == "school-ouder" and level == "meebeslissen")
)


class Audience(StrEnum):
    PARENTS = "parents"
    TEAM = "team"
    PUPILS = "pupils"


class QuestionType(StrEnum):
    SCALE = "scale"  # five emoji faces plus "don't know"
    CHOICE = "choice"  # one option
    MULTI = "multi"  # several options, then "done"
    YESNO = "yesno"
    OPEN = "open"  # typed text or a voice note
    INFO = "info"  # a message, no answer


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    id: Ident
    text: str = Field(min_length=1)


class SkipIf(_Model):
    """Skip a question when an earlier answer has one of the given values."""

    question: Ident
    any_of: list[str] = Field(min_length=1)


class Theme(_Model):
    id: Ident
    title: str = Field(min_length=1)
    stars: list[Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=list)
    goals: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=list)
    matrix: list[Literal[MATRIX_CELLS]] = Field(default_factory=list)  # type: ignore[valid-type]
    tip: str | None = None  # a reflection prompt for the team when this theme scores low


class Question(_Model):
    id: Ident
    type: QuestionType
    text: str = Field(min_length=1)
    theme: Ident | None = None
    options: list[Option] = Field(default_factory=list)
    optional: bool = False
    skip_if: SkipIf | None = None
    mirror_of: Ident | None = None  # the parents' item this team/pupil item mirrors

    @model_validator(mode="after")
    def _options_fit_type(self) -> Question:
        needs_options = self.type in (QuestionType.CHOICE, QuestionType.MULTI)
        if needs_options and len(self.options) < 2:
            raise ValueError(f"question {self.id}: type {self.type} needs at least 2 options")
        if not needs_options and self.options:
            raise ValueError(f"question {self.id}: type {self.type} takes no options")
        return self

    @property
    def answerable(self) -> bool:
        return self.type != QuestionType.INFO

    def allowed_values(self) -> tuple[str, ...]:
        """The values a button press may carry for this question."""
        match self.type:
            case QuestionType.SCALE:
                return (*SCALE_VALUES, DONT_KNOW)
            case QuestionType.YESNO:
                return (YES, NO)
            case QuestionType.CHOICE | QuestionType.MULTI:
                return tuple(o.id for o in self.options)
            case _:
                return ()


class Flow(_Model):
    id: Ident
    format: Literal[1] = FORMAT_VERSION
    version: int = Field(ge=1)
    audience: Audience
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    closing: str = Field(min_length=1)
    themes: list[Theme] = Field(default_factory=list)
    topics: list[Option] = Field(default_factory=list)  # themes a school may give a dialogue round
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> Flow:
        # Structural errors that make a flow unusable are refused at load time; softer problems
        # (limits, translations) are reported by `bot.flow_check` with file and question id.
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"duplicate question id {q.id!r}")
            seen.add(q.id)
        return self

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    @property
    def answerable_questions(self) -> list[Question]:
        return [q for q in self.questions if q.answerable]

    @property
    def key(self) -> str:
        """Identifies this exact content: a stale button from another version is refused."""
        return f"{self.id}@{self.version}"


def load_flow(path: Path) -> Flow:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Flow.model_validate(data)


@cache
def flow_library(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    """All flows shipped in `bot/flows/`, by id. Cached: flows are read once per process."""
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow(path)
        flows[flow.id] = flow
    return flows


@cache
def flow_archive(directory: Path = FLOW_ARCHIVE_DIR) -> dict[tuple[str, int], Flow]:
    """Earlier versions of the shipped flows, by (id, version): rounds opened on them finish there."""
    flows: dict[tuple[str, int], Flow] = {}
    for path in sorted(directory.glob("*@*.yaml")):
        flow = load_flow(path)
        flows[(flow.id, flow.version)] = flow
    return flows


def get_flow(flow_id: str, version: int | None = None) -> Flow:
    """The flow `flow_id`: its current version, or `version` (a round's) from the archive."""
    from bot.errors import UnknownFlow

    current = flow_library().get(flow_id)
    if current is None:
        raise UnknownFlow(flow_id)
    if version is None or version == current.version:
        return current
    try:
        return flow_archive()[(flow_id, version)]
    except KeyError:
        raise UnknownFlow(f"{flow_id}@{version}") from None


def json_schema() -> str:
    """The JSON Schema of a flow file, so editors can complete and check the YAML."""
    schema = Flow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ouderstem flow"
    return json.dumps(schema, indent=2, ensure_ascii=False)


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


# ---- translatable items: stable keys for the catalogs (see bot.i18n.flow_text) ---------------


def question_key(question_id: str) -> str:
    return f"q.{question_id}"


def option_key(question_id: str, option_id: str) -> str:
    return f"q.{question_id}.{option_id}"


def theme_key(theme_id: str) -> str:
    return f"theme.{theme_id}"


def tip_key(theme_id: str) -> str:
    return f"theme.{theme_id}.tip"


def topic_key(topic_id: str) -> str:
    return f"topic.{topic_id}"


# A question text may name its round's topic: "Het thema is: {topic}." (`bot.flow_issues` allows
# the slot in the questions of a flow with topics only).
TOPIC_SLOT = "{topic}"


def topic_item(flow: Flow, topic_id: str | None, question: Question) -> tuple[str, str]:
    """(stable key, Dutch text) that fills a question's {topic}: the round's topic; without one
    (or one the flow no longer has), the title of the question's theme, since a dialogue round
    without a topic is about the partnership itself; else the flow's title."""
    topic = next((tp for tp in flow.topics if tp.id == topic_id), None)
    if topic is not None:
        return topic_key(topic.id), topic.text
    theme = next((th for th in flow.themes if th.id == question.theme), None)
    if theme is None and flow.themes:
        theme = flow.themes[0]
    if theme is not None:
        return theme_key(theme.id), theme.title
    return "title", flow.title


# What names a `topic_item` in the language of the text it fills: (stable key, Dutch) -> words.
TopicWords = Callable[[str, str], str]


def fill_topic(
    text: str, flow: Flow, topic_id: str | None, question: Question, words: TopicWords
) -> str:
    """`text` (the question in some language, shown or spoken) with its {topic} filled in: the
    one place the slot is filled, for the chat (`bot.tg.render`), the voice (`bot.audio.script`)
    and the report (`bot.reports.build`). A plain replace: a topic may hold any character."""
    if TOPIC_SLOT not in text:
        return text
    return text.replace(TOPIC_SLOT, words(*topic_item(flow, topic_id, question)))


def names_topic(question: Question) -> bool:
    """The question's text has a {topic} slot: what it says depends on its round."""
    return TOPIC_SLOT in question.text


def translatable_items(flow: Flow) -> list[tuple[str, str]]:
    """(stable key, Dutch text) of every text in a flow, in reading order."""
    items = [("title", flow.title), ("intro", flow.intro)]
    for theme in flow.themes:
        items.append((theme_key(theme.id), theme.title))
        if theme.tip:
            items.append((tip_key(theme.id), theme.tip))
    items.extend((topic_key(t.id), t.text) for t in flow.topics)
    for q in flow.questions:
        items.append((question_key(q.id), q.text))
        items.extend((option_key(q.id, o.id), o.text) for o in q.options)
    items.append(("closing", flow.closing))
    return items
