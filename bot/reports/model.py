"""The report as data: pydantic models whose JSON (`report_format` 1) scripts may rely on.

Every figure is a `Figure`; a figure held back for privacy has `shown: false` and every number
null, so a hidden value is absent from the JSON rather than masked by the reader. Field order is
the JSON order; new fields are only ever added, and a change that breaks readers raises
`REPORT_FORMAT`. The format is documented in `bot/reports/README.md`.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.limits import MIN_GROUP_CLOSED, MIN_GROUP_OPEN
from bot.reports.privacy import RELEASE_STEP, thresholds

REPORT_FORMAT: Final = 1
Viewer = Literal["team", "brugfiguur", "coordinator"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportOptions(_Model):
    """Who reads the report and how strict it is; minimums below the floors are raised."""

    min_closed: int = MIN_GROUP_CLOSED
    min_open: int = MIN_GROUP_OPEN
    include_voice: bool = False  # voice file ids, honoured only for a brugfiguur
    viewer: Viewer = "team"
    language: str = "nl"  # staff read reports in Dutch

    @field_validator("min_closed")
    @classmethod
    def _closed_floor(cls, value: int) -> int:
        return thresholds(value, None)[0]

    @field_validator("min_open")
    @classmethod
    def _open_floor(cls, value: int) -> int:
        return thresholds(None, value)[1]

    @property
    def voice_ids(self) -> bool:
        """Voice answers are reachable for the brugfiguur only."""
        return self.include_voice and self.viewer == "brugfiguur"


class Figure(_Model):
    """Answers to one closed question (or a pool of them) in one group of respondents.

    `n` counts answers, "don't know" included. `counts` maps each value (scale "1".."5" and
    "dontknow", or option ids) to its count; for a multiple-choice question counts add up to
    more than `n`. `mean` (scale only) leaves "don't know" out; `positive_share` is the share of
    faces 4 and 5 among the faces given.
    """

    shown: bool
    n: int | None = None
    counts: dict[str, int] | None = None
    mean: float | None = None
    dontknow_share: float | None = None
    positive_share: float | None = None

    @model_validator(mode="after")
    def _whole(self) -> Figure:
        """Privacy rule 9, structurally: a figure is wholly shown or wholly hidden."""
        numbers = (self.n, self.counts, self.mean, self.dontknow_share, self.positive_share)
        if not self.shown and any(v is not None for v in numbers):
            raise ValueError("a hidden figure carries no numbers")
        if self.shown and (self.n is None or self.counts is None):
            raise ValueError("a shown figure carries its count and distribution")
        return self

    @classmethod
    def hidden(cls) -> Figure:
        return cls(shown=False)


class Thresholds(_Model):
    min_closed: int
    min_open: int
    release_step: int = RELEASE_STEP


class RoundInfo(_Model):
    id: int
    school_id: int
    school_name: str
    flow_id: str
    flow_version: int
    flow_title: str
    audience: str
    topic: str | None
    status: str
    opens_at: str
    closes_at: str | None
    closed_at: str | None


class ParticipationCell(_Model):
    """Respondents of one language or class group; counts are null when hidden."""

    key: str
    label: str
    shown: bool
    started: int | None = None
    completed: int | None = None
    expected: int | None = None  # set by the school for a class group; public


class ParticipationBreakdown(_Model):
    cells: list[ParticipationCell]
    hidden_together: int | None = None  # started in hidden cells together (total minus shown)


class Participation(_Model):
    expected: int | None
    started: int
    completed: int
    final: int  # respondents whose answers can no longer change
    counted: int  # respondents counted in the figures (whole blocks of the release step)
    started_rate: float | None
    completed_rate: float | None
    by_language: ParticipationBreakdown
    by_group: ParticipationBreakdown


class Option(_Model):
    id: str
    label: str


class Statement(_Model):
    question_id: str
    type: str  # scale | choice | multi | yesno
    theme_id: str | None
    text: str
    options: list[Option]
    figure: Figure


class Theme(_Model):
    """A theme with its statements (ids, sorted from strongest to weakest) and pooled figure."""

    theme_id: str
    title: str
    stars: list[int]
    goals: list[int]
    matrix: list[str]
    tip: str | None
    statements: list[str]
    statements_shown: int
    figure: Figure


class Highlights(_Model):
    strengths: list[str]  # statement ids, highest mean first
    concerns: list[str]  # statement ids, lowest mean first


class BreakdownCell(_Model):
    key: str
    label: str


class BreakdownRow(_Model):
    """One statement or theme across the cells of a breakdown (cell key -> figure)."""

    id: str
    figures: dict[str, Figure]


class Breakdown(_Model):
    dimension: Literal["language", "group"]
    available: bool  # false while the round is open (rule 3) or when withheld (rule 10)
    cells: list[BreakdownCell]
    statements: list[BreakdownRow]
    themes: list[BreakdownRow]
    # "joint": withheld because beside the class breakdown it would single out a small group;
    # "changed": a parent was forgotten after the round closed, so a new breakdown would differ
    # from the one already released by that parent's block only (privacy rule 3)
    withheld: Literal["joint", "changed"] | None = None


class Side(_Model):
    audience: str
    round_id: int
    flow_id: str
    counted: int


class ComparisonRow(_Model):
    """A statement or theme as each side sees it; gaps are side mean minus parents' mean."""

    id: str  # the parents' question id, or a theme id
    text: str
    theme_id: str | None
    figures: dict[str, Figure]
    gaps: dict[str, float | None]


class Comparison(_Model):
    sides: list[Side]
    statements: list[ComparisonRow]
    themes: list[ComparisonRow]


class TrendRow(_Model):
    id: str
    text: str
    now: float | None
    before: float | None
    change: float | None


class Trend(_Model):
    previous_round_id: int
    previous_opens_at: str
    previous_started: int
    previous_completed: int
    previous_expected: int | None
    themes: list[TrendRow]
    statements: list[TrendRow]


class FrameworkItem(_Model):
    key: str  # "1".."5" for stars, "1".."7" for goals, "ouder-kind:meeleven" for the matrix
    label: str
    themes: list[str]
    figure: Figure


class Frameworks(_Model):
    stars: list[FrameworkItem]
    goals: list[FrameworkItem]
    matrix: list[FrameworkItem]


class OpenText(_Model):
    text: str
    language: str | None  # a language code, or null for a language too small to name
    language_label: str


class OpenQuestion(_Model):
    question_id: str
    text: str
    shown: bool
    text_count: int | None = None
    voice_count: int | None = None
    texts: list[OpenText] = Field(default_factory=list)
    voice_file_ids: list[str] | None = None  # only for a brugfiguur who asked


class Tip(_Model):
    theme_id: str
    title: str
    mean: float | None
    tip: str | None  # the theme's own reflection prompt from the flow
    reflections: list[str]  # our own prompts from the frameworks (five stars)


class RoundReport(_Model):
    report_format: Literal[1] = REPORT_FORMAT
    language: str
    viewer: Viewer
    thresholds: Thresholds
    round: RoundInfo
    participation: Participation
    statements: list[Statement]
    themes: list[Theme]
    highlights: Highlights
    comparison: Comparison | None
    breakdowns: dict[str, Breakdown]
    trend: Trend | None
    frameworks: Frameworks
    open_answers: list[OpenQuestion]
    tips: list[Tip]

    def to_json(self) -> str:
        """The stable JSON form (`report_format` 1), UTF-8, keys in documented order."""
        return self.model_dump_json(indent=2)

    def statement(self, question_id: str) -> Statement:
        for s in self.statements:
            if s.question_id == question_id:
                return s
        raise KeyError(question_id)

    def theme(self, theme_id: str) -> Theme:
        for th in self.themes:
            if th.theme_id == theme_id:
                return th
        raise KeyError(theme_id)


class OverviewSchool(_Model):
    """One school's column: named only when the viewer may see schools by name."""

    school_id: int
    name: str
    round_id: int | None
    expected: int | None
    started: int
    completed: int
    counted: int
    themes: dict[str, Figure]


class OverviewTheme(_Model):
    theme_id: str
    title: str
    figure: Figure


class OverviewTotal(_Model):
    schools: int  # schools asked about
    schools_with_round: int
    schools_in_figures: int  # schools whose answers are inside the total figures
    expected: int | None
    started: int
    completed: int
    counted: int
    themes: list[OverviewTheme]
    statements: list[BreakdownRow]


class Overview(_Model):
    report_format: Literal[1] = REPORT_FORMAT
    language: str
    viewer: Viewer
    flow_id: str
    named: bool
    thresholds: Thresholds
    total: OverviewTotal
    schools: list[OverviewSchool]  # alphabetical, never ranked; empty when nothing may be named

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
