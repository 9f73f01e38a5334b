"""Issue 11, "prove it in general": random joins, answers, forgets, closes, reports and status
reads by a staff member who also answers as a parent (and controls some respondents), through
the real store and report builder. After every step:

- every two releases the attacker saw differ, in every cell shown in both (the whole round, a
  language, a class), by no respondent or by at least the minimum;
- nothing hidden can be derived from one release: a shown figure has at least the minimum
  answers and is not unanimous in a small group; a hidden figure carries no number (model, JSON
  and CSV); the total of a breakdown minus its shown cells is empty or a pool of the minimum;
- /status never shows a language count under the minimum.

Cells are compared by the respondents behind them (the ids the `counted` rule selects, checked
against the report's own counts), not by answers: see docs/privacy.md for what that leaves.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from bot.flow_model import SCALE_VALUES
from bot.reports import build_round_report, export
from bot.reports.model import Figure, RoundReport
from bot.reports.privacy import DOMINANCE_GROUP, RELEASE_STEP, language_cells
from bot.reports.queries import _block_params, _counted_cte
from bot.store import SqliteStore
from tests.reports_fixtures import T0, Builder, library, scale_answers

FLOWS = library()
MINIMUM = 5
FACES = ["1", "2", "3", "4", "5", "dontknow"]

Cell = tuple[str, str]  # ("all", ""), ("language", key), ("group", key)


class InsiderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.folder = tempfile.TemporaryDirectory()
        self.store = SqliteStore(Path(self.folder.name) / "insider.db")
        self.run(self.store.__aenter__())
        self.b = Builder(self.store)
        school = self.run(self.b.school("School"))
        self.round, groups = self.run(self.b.round(school, groups={"1A": 20, "1B": 20}))
        self.groups = list(groups.values())
        self.chats: list[int] = []  # every respondent's chat, in order of joining
        self.attacker: set[int] = set()
        self.forgotten: set[int] = set()
        self.closed = False
        self.releases: list[dict[Cell, frozenset[str]]] = []

    def run(self, coro):  # type: ignore[no-untyped-def]
        return self.runner.run(coro)

    def teardown(self) -> None:
        self.run(self.store.__aexit__(None, None, None))
        self.runner.close()
        self.folder.cleanup()

    # ---- what people do ------------------------------------------------------------------------

    @initialize(faces=st.lists(st.sampled_from(FACES), min_size=10, max_size=20))
    def first_parents(self, faces: list[str]) -> None:
        """Start from a round with enough parents in both classes for breakdowns to show."""
        self.many_join(faces)

    @precondition(lambda self: not self.closed)
    @rule(
        faces=st.lists(st.sampled_from(FACES), min_size=5, max_size=5),
        language=st.sampled_from(["nl", "nl", "tr"]),
        group=st.integers(0, 1),
        complete=st.booleans(),
        attacker=st.booleans(),
    )
    def join(
        self, faces: list[str], language: str, group: int, complete: bool, attacker: bool
    ) -> None:
        answers = scale_answers(*faces) if complete else {"w1": faces[0]}
        self.run(self.b.respond(self.round, answers, language=language, group=self.groups[group]))
        self.chats.append(self.b.chat_ids[-1])
        if attacker:
            self.attacker.add(self.b.chat_ids[-1])

    @precondition(lambda self: not self.closed)
    @rule(faces=st.lists(st.sampled_from(FACES), min_size=1, max_size=10))
    def many_join(self, faces: list[str]) -> None:
        for i, v in enumerate(faces):
            answers = scale_answers(v, v, v, v, v)
            self.run(self.b.respond(self.round, answers, group=self.groups[i % 2]))
            self.chats.append(self.b.chat_ids[-1])

    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        left = [c for c in self.chats if c not in self.forgotten]
        if not left:
            return
        chat = data.draw(st.sampled_from(left))
        self.run(self.store.forget_chat(chat, update_id=None, at=T0))
        self.forgotten.add(chat)

    @precondition(lambda self: not self.closed)
    @rule()
    def close(self) -> None:
        self.round = self.run(self.b.close(self.round))
        self.closed = True

    @rule()
    def status(self) -> None:
        rows = self.run(
            self.store.run_read(
                "SELECT language, COUNT(*) FROM respondents WHERE round_id = ? GROUP BY language",
                [self.round.id],
            )
        )
        for _, n in language_cells({r[0]: r[1] for r in rows}, MINIMUM):
            assert n is None or n >= MINIMUM

    @rule()
    def report(self) -> None:
        report = self.run(build_round_report(self.store, self.round.id, flows=FLOWS))
        check_nothing_derivable(report)
        cells = self.cells_behind(report)
        assert len(cells[("all", "")]) == report.participation.counted
        for before in self.releases:
            for cell in before.keys() & cells.keys():
                changed = len(before[cell] ^ cells[cell])
                assert changed == 0 or changed >= MINIMUM, (cell, changed)
        self.releases.append(cells)

    # ---- ground truth --------------------------------------------------------------------------

    def cells_behind(self, report: RoundReport) -> dict[Cell, frozenset[str]]:
        """The respondents behind every cell the report shows (w1 figure shown)."""
        rows = self.run(
            self.store.run_read(
                f"WITH {_counted_cte([self.round.id])} "
                "SELECT id, language, CAST(group_key AS TEXT) FROM counted",
                [self.round.id, *_block_params(RELEASE_STEP)],
            )
        )
        cells: dict[Cell, frozenset[str]] = {("all", ""): frozenset(r[0] for r in rows)}
        for dimension, column in (("language", 1), ("group", 2)):
            b = report.breakdowns[dimension]
            if not b.available:
                continue
            w1 = next(r for r in b.statements if r.id == "w1")
            named = {k for k in w1.figures if k != "_other"}
            for key, figure in w1.figures.items():
                if not figure.shown:
                    continue
                ids = frozenset(
                    r[0]
                    for r in rows
                    if (r[column] == key) or (key == "_other" and r[column] not in named)
                )
                assert figure.n == len(ids)
                cells[(dimension, key)] = ids
        return cells


def check_figure(figure: Figure) -> None:
    if not figure.shown:
        assert figure.n is None and figure.counts is None and figure.mean is None
        return
    assert figure.n is not None and figure.n >= MINIMUM
    counts = figure.counts or {}
    faces = {v: counts.get(v, 0) for v in SCALE_VALUES}
    given = sum(faces.values())
    if given:  # a scale: the mean and the faces stand on at least the minimum
        assert given >= MINIMUM and figure.mean is not None
        if given < DOMINANCE_GROUP:
            assert max(faces.values()) < given  # never unanimous in a small group


def check_nothing_derivable(report: RoundReport) -> None:
    for s in report.statements:
        check_figure(s.figure)
    for th in report.themes:
        check_figure(th.figure)
    for b in report.breakdowns.values():
        for row in b.statements:
            total = report.statement(row.id).figure
            for f in row.figures.values():
                check_figure(f)
            if not total.shown:
                assert not any(f.shown for f in row.figures.values())
                continue
            left = (total.n or 0) - sum(f.n or 0 for f in row.figures.values() if f.shown)
            assert left == 0 or left >= MINIMUM, (row.id, left)
    data = json.loads(report.to_json())
    assert data["participation"]["counted"] == report.participation.counted
    hidden_means = {
        s.question_id for s in report.statements if not s.figure.shown and s.type == "scale"
    }
    csv_text = export(report, "csv").decode("utf-8-sig")
    for row in csv_text.splitlines():
        for s in report.statements:
            if s.question_id in hidden_means and row.startswith(s.text):
                assert all(c in ("", "–") for c in row.split(";")[2:]), row


InsiderMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestInsider = InsiderMachine.TestCase
