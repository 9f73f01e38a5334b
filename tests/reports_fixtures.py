"""Data builders for the report tests: small flows as tables, respondents driven through the
real engine and written through the public store API (join_round, record_turn)."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.engine import (
    AnswerRecorded,
    AnswerRemoved,
    Choose,
    Done,
    Event,
    FlowCompleted,
    QuestionAsked,
    SessionState,
    Skip,
    Status,
    Text,
    Voice,
    resume,
    start,
)
from bot.flow_model import Flow, QuestionType
from bot.store import SqliteStore, Turn
from bot.store.records import Round, RoundGroup, RoundLink, School

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

THEMES = [
    {
        "id": "welkom",
        "title": "Welkom en relatie",
        "stars": [1, 4],
        "goals": [1],
        "matrix": ["ouder-school:meeleven", "school-ouder:meeleven"],
        "tip": "Welke ouders zien we weinig, en hoe spreken we hen persoonlijk aan?",
    },
    {
        "id": "info",
        "title": "Informatie in twee richtingen",
        "stars": [2, 4],
        "goals": [2],
        "matrix": ["ouder-kind:meeleven"],
        "tip": "Hoe weten we of elke ouder onze berichten begrijpt?",
    },
    {
        "id": "samen",
        "title": "Ouders samen",
        "stars": [5],
        "goals": [1, 6],
        "matrix": ["ouder-school:meehelpen"],
        "tip": "Waar kunnen ouders elkaar op school ontmoeten?",
    },
]


def _scale(qid: str, theme: str, text: str, mirror: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"id": qid, "type": "scale", "theme": theme, "text": text}
    if mirror:
        q["mirror_of"] = mirror
    return q


def parents_flow(flow_id: str = "test-ouders") -> Flow:
    """Five statements in three themes, one of each closed type (the choice is optional, so its
    number of answers can be smaller than the number of respondents), one open question."""
    return Flow.model_validate(
        {
            "id": flow_id,
            "version": 1,
            "audience": "parents",
            "title": "Testbarometer ouders",
            "intro": "Intro.",
            "closing": "Dank.",
            "themes": THEMES,
            "questions": [
                _scale("w1", "welkom", "U voelt zich welkom op de school."),
                _scale("w2", "welkom", "Op school kennen ze u."),
                _scale("i1", "info", "U begrijpt de berichten van de school."),
                _scale("i2", "info", "U weet hoe het met uw kind gaat."),
                _scale("s1", "samen", "U kent andere ouders."),
                {
                    "id": "kanaal",
                    "type": "choice",
                    "optional": True,
                    "text": "Hoe hoort u het liefst van de school?",
                    "options": [
                        {"id": "brief", "text": "Een brief"},
                        {"id": "app", "text": "Een app"},
                        {"id": "gesprek", "text": "Een gesprek"},
                    ],
                },
                {
                    "id": "thuis",
                    "type": "multi",
                    "text": "Wat doet u thuis met uw kind?",
                    "options": [
                        {"id": "lezen", "text": "Lezen"},
                        {"id": "huiswerk", "text": "Huiswerk"},
                        {"id": "spelen", "text": "Spelen"},
                    ],
                },
                {"id": "tolk", "type": "yesno", "text": "Heeft u soms een tolk nodig?"},
                {
                    "id": "opmerking",
                    "type": "open",
                    "optional": True,
                    "text": "Wilt u nog iets zeggen tegen de school?",
                },
            ],
        }
    )


def team_flow() -> Flow:
    return Flow.model_validate(
        {
            "id": "test-team",
            "version": 1,
            "audience": "team",
            "title": "Testbarometer team",
            "intro": "Intro.",
            "closing": "Dank.",
            "themes": [*THEMES, {"id": "team", "title": "Het team", "goals": [7]}],
            "questions": [
                _scale("w1", "welkom", "Ouders voelen zich welkom.", "w1"),
                _scale("w2", "welkom", "We kennen de ouders.", "w2"),
                _scale("i1", "info", "Ouders begrijpen onze berichten.", "i1"),
                _scale("i2", "info", "Ouders weten hoe het met hun kind gaat.", "i2"),
                _scale("s1", "samen", "Ouders kennen elkaar.", "s1"),
                _scale("t1", "team", "We hebben tijd voor ouders."),
            ],
        }
    )


def pupils_flow() -> Flow:
    return Flow.model_validate(
        {
            "id": "test-leerlingen",
            "version": 1,
            "audience": "pupils",
            "title": "Testbarometer leerlingen",
            "intro": "Intro.",
            "closing": "Dank.",
            "themes": THEMES,
            "questions": [
                _scale("w1", "welkom", "Je ouders voelen zich welkom.", "w1"),
                _scale("i1", "info", "Je ouders begrijpen de berichten.", "i1"),
            ],
        }
    )


def library() -> dict[str, Flow]:
    return {f.id: f for f in (parents_flow(), team_flow(), pupils_flow())}


def scale_answers(w1: Any, w2: Any, i1: Any, i2: Any, s1: Any, **extra: Any) -> dict[str, Any]:
    """A complete parents' answer set; closed extras default to fixed values."""
    answers: dict[str, Any] = {"w1": w1, "w2": w2, "i1": i1, "i2": i2, "s1": s1}
    answers.update({"kanaal": "app", "thuis": ("lezen",), "tolk": "no", "opmerking": None})
    answers.update(extra)
    return answers


@dataclass
class Builder:
    """Writes schools, rounds and respondents through the store's public API."""

    store: SqliteStore
    flows: Mapping[str, Flow] = field(default_factory=library)
    now: datetime = T0
    respondent_ids: list[str] = field(default_factory=list)
    chat_ids: list[int] = field(default_factory=list)
    _chats: itertools.count[int] = field(default_factory=lambda: itertools.count(7_300_000_001))
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    async def school(
        self, name: str, *, share_named: bool = False, centre: str | None = None
    ) -> School:
        school = await self.store.add_school(name, self.tick())

        async def op(conn: aiosqlite.Connection) -> None:
            centre_id = None
            if centre is not None:
                await conn.execute(
                    "INSERT OR IGNORE INTO centres(name, created_at) VALUES (?, ?)",
                    (centre, self.now.isoformat()),
                )
                async with conn.execute("SELECT id FROM centres WHERE name = ?", (centre,)) as cur:
                    row = await cur.fetchone()
                centre_id = row[0] if row else None
            await conn.execute(
                "UPDATE schools SET share_named = ?, centre_id = ? WHERE id = ?",
                (int(share_named), centre_id, school.id),
            )

        await self.store.run_write(op)
        return school

    async def round(
        self,
        school: School,
        flow_id: str = "test-ouders",
        *,
        expected: int | None = None,
        groups: Mapping[str, int | None] | None = None,
    ) -> tuple[Round, dict[str, RoundGroup]]:
        flow = self.flows[flow_id]
        rnd = await self.store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=f"tok{next(self._tokens)}{secrets.token_hex(4)}",
            at=self.tick(),
            expected=expected,
        )
        made = {}
        for name, size in (groups or {}).items():
            made[name] = await self.store.add_round_group(
                rnd.id, name, f"grp{next(self._tokens)}{secrets.token_hex(4)}", size
            )
        return rnd, made

    async def close(self, rnd: Round) -> Round:
        await self.store.close_round(rnd.id, self.tick())
        closed = await self.store.round(rnd.id)
        assert closed is not None
        return closed

    async def respond(
        self,
        rnd: Round,
        answers: Mapping[str, Any],
        *,
        language: str = "nl",
        group: RoundGroup | None = None,
        per_step: bool = False,
    ) -> str:
        """One respondent answers until `answers` runs out (all of them: completed).

        Values: a scale value or option id; a tuple of option ids (multiple choice); a string
        (open text); {"voice": file id}; None skips an optional question.
        """
        flow = self.flows[rnd.flow_id]
        respondent_id = secrets.token_hex(12)
        chat_id = next(self._chats)
        self.respondent_ids.append(respondent_id)
        self.chat_ids.append(chat_id)
        started_at, done_at = self.tick(), self.tick()  # fixed before any await: stable order
        state, events = start(flow)
        first = Turn(None, respondent_id, state, state.status.value, rnd.id, language, started_at)
        await self.store.join_round(
            chat_id=chat_id,
            respondent_id=respondent_id,
            link=RoundLink(rnd, group),
            language=language,
            first=first,
        )
        upserts: dict[str, Any] = {}
        removals: list[str] = []
        while True:
            asked = [e for e in events if isinstance(e, QuestionAsked)]
            if not asked or any(isinstance(e, FlowCompleted) for e in events):
                break
            qid = asked[-1].question_id
            if qid not in answers:
                break
            state, events = _answer(flow, state, qid, answers[qid])
            step_upserts = [e.answer for e in events if isinstance(e, AnswerRecorded)]
            step_removals = [e.question_id for e in events if isinstance(e, AnswerRemoved)]
            if per_step:
                await self.store.record_turn(
                    Turn(
                        None,
                        respondent_id,
                        state,
                        state.status.value,
                        rnd.id,
                        language,
                        done_at,
                        step_upserts,
                        step_removals,
                        completed=state.status == Status.COMPLETED,
                    )
                )
            for a in step_upserts:
                upserts[a.question_id] = a
            removals += step_removals
        if not per_step:
            await self.store.record_turn(
                Turn(
                    None,
                    respondent_id,
                    state,
                    state.status.value,
                    rnd.id,
                    language,
                    done_at,
                    list(upserts.values()),
                    removals,
                    completed=state.status == Status.COMPLETED,
                )
            )
        return respondent_id


def _answer(
    flow: Flow, state: SessionState, qid: str, value: Any
) -> tuple[SessionState, list[Event]]:
    question = flow.question(qid)
    if value is None:
        return resume(flow, state, Skip(question_id=qid))
    if question.type == QuestionType.MULTI:
        for option in value:
            state, _ = resume(flow, state, Choose(question_id=qid, value=option))
        return resume(flow, state, Done(question_id=qid))
    if question.type == QuestionType.OPEN:
        if isinstance(value, dict):
            return resume(flow, state, Voice(file_id=value["voice"], seconds=3))
        return resume(flow, state, Text(text=value))
    return resume(flow, state, Choose(question_id=qid, value=value))


def answers_for(flow: Flow, value: str = "4", **overrides: Any) -> dict[str, Any]:
    """Answer every question of any flow: `value` on scales, the first option elsewhere."""
    answers: dict[str, Any] = {}
    for q in flow.questions:
        if q.type == QuestionType.SCALE:
            answers[q.id] = value
        elif q.type in (QuestionType.CHOICE, QuestionType.YESNO):
            answers[q.id] = q.allowed_values()[0]
        elif q.type == QuestionType.MULTI:
            answers[q.id] = (q.options[0].id,)
        elif q.type == QuestionType.OPEN:
            answers[q.id] = None if q.optional else "Een antwoord."
    answers.update(overrides)
    return answers
