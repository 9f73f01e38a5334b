"""Properties of the engine under random input sequences (hypothesis).

Whatever a person sends, in whatever order: the engine never raises, its state always
serialises and comes back equal, only answerable questions get answers (with values they
allow), the session is either waiting at an answerable question or completed, and a
completed session has an answer for exactly the questions that apply.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import engine
from bot.engine import SessionState, Status
from bot.flow_model import DONT_KNOW, Flow, QuestionType, get_flow
from bot.limits import MAX_OPEN_ANSWER_CHARS

MIXED = Flow.model_validate(
    {
        "id": "alles",
        "version": 2,
        "audience": "parents",
        "title": "Alles",
        "intro": "Intro.",
        "closing": "Bedankt.",
        "questions": [
            {"id": "uitleg", "type": "info", "text": "Uitleg."},
            {"id": "werk", "type": "yesno", "text": "Werkt u?"},
            {
                "id": "uren",
                "type": "scale",
                "text": "Uren.",
                "skip_if": {"question": "werk", "any_of": ["no"]},
            },
            {
                "id": "vervoer",
                "type": "multi",
                "text": "Vervoer.",
                "options": [{"id": "bus", "text": "Bus"}, {"id": "fiets", "text": "Fiets"}],
            },
            {
                "id": "fietsen",
                "type": "scale",
                "text": "Fiets.",
                "skip_if": {"question": "vervoer", "any_of": ["bus"]},
            },
            {"id": "tussen", "type": "info", "text": "Tussen."},
            {
                "id": "kinderen",
                "type": "choice",
                "text": "Kinderen.",
                "options": [{"id": "een", "text": "Een"}, {"id": "meer", "text": "Meer"}],
                "optional": True,
            },
            {"id": "open", "type": "open", "text": "Open.", "optional": True},
            {
                "id": "laat",
                "type": "scale",
                "text": "Laat.",
                "skip_if": {"question": "werk", "any_of": ["yes"]},
            },
            {"id": "verplicht", "type": "open", "text": "Verplicht."},
        ],
    }
)
FLOWS = [MIXED, get_flow("dialoog"), get_flow("barometer-leerlingen")]


def inputs(flow: Flow) -> st.SearchStrategy[engine.Input]:
    """Any input a person (or a forger) could cause, biased towards the flow's own buttons."""
    qids = st.sampled_from([q.id for q in flow.questions] + ["onbekend"])
    values = st.sampled_from(
        sorted({v for q in flow.questions for v in q.allowed_values()} | {DONT_KNOW, "x", ""})
    )
    keys = st.sampled_from([None, None, flow.key, f"{flow.id}@{flow.version + 1}"])
    texts = st.one_of(
        st.sampled_from(["1", "3", "5", "9", "-1", "😄", "🤷", "🙂\ufe0f", "ja", "", "  "]),
        st.text(max_size=40),
        st.integers(1, 3).map(lambda n: "x" * (MAX_OPEN_ANSWER_CHARS - 1 + n)),
    )
    return st.one_of(
        st.builds(engine.Choose, question_id=qids, value=values, flow_key=keys),
        st.builds(engine.Done, question_id=qids, flow_key=keys),
        st.builds(engine.Text, text=texts),
        st.builds(
            engine.Voice, file_id=st.text(min_size=1, max_size=8), seconds=st.integers(0, 600)
        ),
        st.builds(engine.Skip, question_id=st.one_of(st.none(), qids), flow_key=keys),
        st.just(engine.Back()),
        st.just(engine.Resume()),
        st.builds(engine.Unusable, what=st.sampled_from(["sticker", "photo", "forwarded"])),
    )


@st.composite
def sessions(draw: st.DrawFn) -> tuple[Flow, list[engine.Input], list[str | None]]:
    flow = draw(st.sampled_from(FLOWS))
    script = draw(st.lists(inputs(flow), max_size=60))
    pauses = draw(
        st.lists(
            st.sampled_from([None, None, None, "paused", "expired"]),
            min_size=len(script),
            max_size=len(script),
        )
    )
    return flow, script, pauses


def applies(flow: Flow, state: SessionState, question_id: str) -> bool:
    rule = flow.question(question_id).skip_if
    if rule is None:
        return True
    earlier = state.answers.get(rule.question)
    given_values = {earlier.value, *earlier.values} - {None} if earlier else set()
    return not (given_values & set(rule.any_of))


def check_state(flow: Flow, state: SessionState, events: list[Any]) -> None:
    again = SessionState.from_json(state.to_json())
    assert again == state
    answerable = {q.id for q in flow.answerable_questions}
    assert set(state.answers) <= answerable
    for qid, answer in state.answers.items():
        question = flow.question(qid)
        assert answer.question_id == qid
        if answer.value is not None:
            assert answer.value in question.allowed_values() or (
                answer.value == DONT_KNOW and question.type == QuestionType.SCALE
            )
        assert set(answer.values) <= {o.id for o in question.options}
        if answer.text is not None:
            assert answer.text.strip() and len(answer.text) <= MAX_OPEN_ANSWER_CHARS
    assert state.unusable >= 0
    assert state.status in (Status.WAITING, Status.COMPLETED)
    if state.status == Status.WAITING:
        assert state.current in answerable
        assert state.path and state.path[-1] == state.current
        assert set(state.selection) <= {o.id for o in flow.question(state.current).options}
        assert sum(1 for e in events if isinstance(e, engine.QuestionAsked)) <= 1
    else:
        assert state.current is None and state.selection == []
        applying = {q for q in answerable if applies(flow, state, q)}
        assert set(state.answers) == applying, "a completed session answers exactly what applies"
    for event in events:
        if isinstance(event, engine.AnswerRecorded):
            assert event.answer.question_id in answerable
        if isinstance(event, engine.QuestionAsked):
            assert event.question_id == state.current
            assert 1 <= event.number <= event.total == len(answerable)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_random_inputs_never_break_the_engine(
    session: tuple[Flow, list[engine.Input], list[str | None]],
) -> None:
    flow, script, pauses = session
    state, events = engine.start(flow)
    check_state(flow, state, events)
    for event, pause in zip(script, pauses, strict=True):
        if pause is not None and state.status != Status.COMPLETED:
            state = state.model_copy(update={"status": Status(pause)})
        state, events = engine.resume(flow, SessionState.from_json(state.to_json()), event)
        check_state(flow, state, events)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FLOWS), st.data())
def test_answering_every_question_completes(flow: Flow, data: st.DataObject) -> None:
    """Tapping any offered answer (or skipping where allowed) always reaches the end."""
    state, _ = engine.start(flow)
    for _ in range(len(flow.questions) * 3):
        if state.status == Status.COMPLETED:
            break
        question = flow.question(state.current or "")
        if question.type == QuestionType.OPEN:
            event: engine.Input = engine.Text(text=data.draw(st.text(min_size=1).filter(str.strip)))
        elif question.type == QuestionType.MULTI:
            for option in data.draw(
                st.lists(st.sampled_from(question.options), min_size=1, unique=True)
            ):
                state, _ = engine.resume(
                    flow, state, engine.Choose(question_id=question.id, value=option.id)
                )
            event = engine.Done(question_id=question.id, flow_key=flow.key)
        else:
            value = data.draw(st.sampled_from(question.allowed_values()))
            event = engine.Choose(question_id=question.id, value=value, flow_key=flow.key)
        state, events = engine.resume(flow, state, event)
        assert isinstance(events[0], engine.AnswerRecorded)
    assert state.status == Status.COMPLETED
    check_state(flow, state, [])
