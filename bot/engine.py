"""The flow engine: a pure function from (flow, session state, input) to (new state, events).

It never sends, stores or reads a clock; the host (the Telegram layer) renders the events and
the store persists the answers and the new state in one transaction before anything is sent.
It knows no language either: typed replies it understands are digits and the emoji faces; the
host maps localized words ("ja", "evet") to a `Choose` before calling.

Statuses and who owns them:
    waiting    engine  a question is out; the next input answers it
    completed  engine  every question is answered or skipped
    paused     host    the respondent typed /stop; any input resumes
    expired    host    the round closed before the respondent finished
    stopped    host    the respondent asked to forget their data
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.flow_model import DONT_KNOW, SCALE_VALUES, Flow, Question, QuestionType
from bot.limits import MAX_OPEN_ANSWER_CHARS, REPAIR_AFTER_UNUSABLE


class Status(StrEnum):
    WAITING = "waiting"
    COMPLETED = "completed"
    PAUSED = "paused"
    EXPIRED = "expired"
    STOPPED = "stopped"


class Answer(BaseModel):
    """One stored answer. `value` is the scale value, option id or yes/no; None when skipped."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    value: str | None = None
    values: tuple[str, ...] = ()  # multiple choice
    text: str | None = None
    voice_file_id: str | None = None
    voice_seconds: int | None = None
    skipped: bool = False
    truncated: bool = False


class SessionState(BaseModel):
    """Everything the engine needs between two inputs; serialises to JSON for the store."""

    flow_key: str
    status: Status = Status.WAITING
    current: str | None = None
    path: list[str] = Field(default_factory=list)
    answers: dict[str, Answer] = Field(default_factory=dict)
    selection: list[str] = Field(default_factory=list)  # options picked so far on a multi question
    unusable: int = 0  # unusable replies in a row to the current question

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str) -> SessionState:
        return cls.model_validate_json(raw)


# ---- inputs --------------------------------------------------------------------------------


class Choose(BaseModel):
    """A button tap (or a typed reply the host understood) with a value for a question."""

    kind: Literal["choose"] = "choose"
    question_id: str
    value: str
    flow_key: str | None = None  # from the button; a button of another flow version is stale


class Done(BaseModel):
    """The respondent finished picking options on a multiple-choice question."""

    kind: Literal["done"] = "done"
    question_id: str
    flow_key: str | None = None


class Text(BaseModel):
    kind: Literal["text"] = "text"
    text: str


class Voice(BaseModel):
    kind: Literal["voice"] = "voice"
    file_id: str
    seconds: int = 0


class Skip(BaseModel):
    """Skip the current question, or answer "I don't know" on the repair way out."""

    kind: Literal["skip"] = "skip"
    question_id: str | None = None  # from the button; a skip button of another question is stale
    flow_key: str | None = None


class Back(BaseModel):
    kind: Literal["back"] = "back"


class Resume(BaseModel):
    """Ask the current question again (after a pause, a language change or /start)."""

    kind: Literal["resume"] = "resume"


class Unusable(BaseModel):
    """A reply the engine cannot use: a sticker, photo, location, ... (`what` names it)."""

    kind: Literal["unusable"] = "unusable"
    what: str


Input = Annotated[
    Choose | Done | Text | Voice | Skip | Back | Resume | Unusable, Field(discriminator="kind")
]


# ---- events ----------------------------------------------------------------------------------


class QuestionAsked(BaseModel):
    kind: Literal["question_asked"] = "question_asked"
    question_id: str
    number: int  # 1-based position among answerable questions, for "3/20"
    total: int
    can_go_back: bool
    previous: Answer | None = None  # the answer given earlier, when coming back to a question
    repair: bool = False  # after repeated unusable replies: offer the simplest way to answer


class InfoShown(BaseModel):
    kind: Literal["info_shown"] = "info_shown"
    question_id: str


class AnswerRecorded(BaseModel):
    kind: Literal["answer_recorded"] = "answer_recorded"
    answer: Answer


class AnswerRemoved(BaseModel):
    """An earlier answer no longer applies (a changed answer now skips its question)."""

    kind: Literal["answer_removed"] = "answer_removed"
    question_id: str


class SelectionChanged(BaseModel):
    kind: Literal["selection_changed"] = "selection_changed"
    question_id: str
    selected: list[str]


RejectReason = Literal[
    "stale",  # a button of another question or flow version
    "not_an_option",  # a value or typed reply that does not fit the question
    "need_choice",  # text or voice where a button is expected
    "need_selection",  # "done" on a multiple-choice question with nothing picked
    "unsupported",  # a sticker, photo, ...
    "not_optional",  # skip on a question that must be answered
    "empty",
]


class AnswerRejected(BaseModel):
    kind: Literal["answer_rejected"] = "answer_rejected"
    question_id: str
    reason: RejectReason
    attempts: int  # unusable replies in a row, so the host can vary its words


class DuplicateIgnored(BaseModel):
    """A second tap on the answer just given: nothing to do, nothing to say."""

    kind: Literal["duplicate_ignored"] = "duplicate_ignored"


class FlowCompleted(BaseModel):
    kind: Literal["flow_completed"] = "flow_completed"


class AlreadyCompleted(BaseModel):
    kind: Literal["already_completed"] = "already_completed"


Event = (
    QuestionAsked
    | InfoShown
    | AnswerRecorded
    | AnswerRemoved
    | SelectionChanged
    | AnswerRejected
    | DuplicateIgnored
    | FlowCompleted
    | AlreadyCompleted
)
Step = tuple[SessionState, list[Event]]

# Typed replies the engine understands on a scale question, besides the digits 1-5.
FACE_BY_EMOJI = {"😞": "1", "🙁": "2", "😐": "3", "🙂": "4", "😄": "5", "🤷": DONT_KNOW}
FACES: dict[str, str] = {v: k for k, v in FACE_BY_EMOJI.items()}


def start(flow: Flow) -> Step:
    """A new session: ask the first question."""
    state = SessionState(flow_key=flow.key)
    return _advance(flow, state, [])


def _fresh(state: SessionState) -> SessionState:
    """A copy of `state` that a step may change: new lists and a new answers dict. The answers
    themselves are frozen, so they are shared instead of copied one by one (issue 16: a deep
    copy of the whole session for every input)."""
    return state.model_copy(
        update={
            "path": list(state.path),
            "answers": dict(state.answers),
            "selection": list(state.selection),
        }
    )


def resume(flow: Flow, state: SessionState, event: Input) -> Step:
    """Apply one input to a session and say what happened."""
    if state.status == Status.COMPLETED:
        if state.path and _repeats(state, event, state.path[-1]):
            return state, [DuplicateIgnored()]  # a second tap on the last answer
        return state, [AlreadyCompleted()]
    state = _fresh(state)
    if state.status != Status.WAITING:
        state.status = Status.WAITING  # the host decides whether a session may continue
    if state.current is None:
        return _advance(flow, state, [])
    question = flow.question(state.current)
    match event:
        case Resume():
            return _ask(flow, state, [])
        case Back():
            return _back(flow, state)
        case Choose() | Done() | Skip():
            return _tap(flow, state, question, event)
        case Text(text=text):
            return _text(flow, state, question, text)
        case Voice(file_id=file_id, seconds=seconds):
            if question.type != QuestionType.OPEN:
                return _reject(flow, state, question, "need_choice")
            answer = Answer(question_id=question.id, voice_file_id=file_id, voice_seconds=seconds)
            return _record(flow, state, answer)
        case Unusable():
            return _reject(flow, state, question, "unsupported")
    raise AssertionError(f"unhandled input {event!r}")  # pragma: no cover


def current(flow: Flow, state: SessionState) -> QuestionAsked | None:
    """The question a waiting session is at, as the event that asked it; None when none waits.

    The host re-shows it (after a crash, a stale tap, a message while nothing is on screen)
    without building engine events itself.
    """
    if state.status == Status.COMPLETED or state.current is None:
        return None
    _, events = _ask(flow, _fresh(state), [])
    asked = events[-1]
    assert isinstance(asked, QuestionAsked)
    return asked


def progress(flow: Flow, question_id: str) -> tuple[int, int]:
    """(number, total) of a question among the answerable ones, for "3/20"."""
    answerable = [q.id for q in flow.answerable_questions]
    return answerable.index(question_id) + 1, len(answerable)


# ---- steps -----------------------------------------------------------------------------------


def _tap(flow: Flow, state: SessionState, question: Question, tap: Choose | Done | Skip) -> Step:
    """A button: of another flow version or question (stale or a double tap), or this one's."""
    if tap.flow_key not in (None, flow.key):
        return _reject(flow, state, question, "stale")
    if isinstance(tap, Choose | Done) and tap.question_id != question.id:
        return _stale_or_duplicate(flow, state, question, tap)
    if isinstance(tap, Skip) and tap.question_id is not None and tap.question_id != question.id:
        return _stale_or_duplicate(flow, state, question, tap)
    match tap:
        case Choose(value=value):
            return _choose(flow, state, question, value)
        case Done():
            if question.type != QuestionType.MULTI:
                return _reject(flow, state, question, "stale")
            if not state.selection:
                return _reject(flow, state, question, "need_selection")
            values = tuple(o.id for o in question.options if o.id in state.selection)
            return _record(flow, state, Answer(question_id=question.id, values=values))
    if not (question.optional or state.unusable >= REPAIR_AFTER_UNUSABLE):
        return _reject(flow, state, question, "not_optional")
    given: str | None = DONT_KNOW if question.type == QuestionType.SCALE else None
    return _record(flow, state, Answer(question_id=question.id, value=given, skipped=given is None))


def _choose(flow: Flow, state: SessionState, question: Question, value: str) -> Step:
    if value not in question.allowed_values():
        return _reject(flow, state, question, "not_an_option")
    if question.type == QuestionType.MULTI:
        picked = set(state.selection) ^ {value}
        state.selection = [o.id for o in question.options if o.id in picked]
        state.unusable = 0  # a usable reply: the next unusable one is the first in a row
        return state, [SelectionChanged(question_id=question.id, selected=list(state.selection))]
    return _record(flow, state, Answer(question_id=question.id, value=value))


def _text(flow: Flow, state: SessionState, question: Question, text: str) -> Step:
    text = text.strip()
    if question.type == QuestionType.OPEN:
        if not text:
            return _reject(flow, state, question, "empty")
        truncated = len(text) > MAX_OPEN_ANSWER_CHARS
        answer = Answer(
            question_id=question.id, text=text[:MAX_OPEN_ANSWER_CHARS], truncated=truncated
        )
        return _record(flow, state, answer)
    value = _typed_value(question, text)
    if value is None:
        reason: RejectReason = "not_an_option" if _looks_like_number(text) else "need_choice"
        return _reject(flow, state, question, reason)
    return _choose(flow, state, question, value)


def _typed_value(question: Question, text: str) -> str | None:
    """Understand a typed digit or emoji face where a button was expected."""
    if question.type == QuestionType.SCALE:
        if text in SCALE_VALUES:
            return text
        return FACE_BY_EMOJI.get(text.replace("\ufe0f", ""))
    if question.type in (QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO):
        values = question.allowed_values()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(values):
            return values[int(text) - 1]
    return None


def _looks_like_number(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _stale_or_duplicate(
    flow: Flow, state: SessionState, question: Question, tap: Choose | Done | Skip
) -> Step:
    previous = state.path[-2] if len(state.path) >= 2 else None
    if _repeats(state, tap, previous):
        return state, [DuplicateIgnored()]
    return _reject(flow, state, question, "stale")


def _repeats(state: SessionState, tap: Input, previous: str | None) -> bool:
    """Is `tap` the button of the answer just given to `previous` (a double tap)?"""
    earlier = state.answers.get(previous) if previous is not None else None
    if earlier is None or getattr(tap, "question_id", None) != previous:
        return False
    match tap:
        case Choose(value=value):
            return earlier.value == value
        case Done():
            return bool(earlier.values)
        case Skip():
            return earlier.skipped or earlier.value == DONT_KNOW
    return False


def _reject(flow: Flow, state: SessionState, question: Question, reason: RejectReason) -> Step:
    state.unusable += 1
    events: list[Event] = [
        AnswerRejected(question_id=question.id, reason=reason, attempts=state.unusable)
    ]
    if state.unusable == REPAIR_AFTER_UNUSABLE:
        return _ask(flow, state, events, repair=True)
    return state, events


def _record(flow: Flow, state: SessionState, answer: Answer) -> Step:
    state.answers[answer.question_id] = answer
    return _advance(flow, state, [AnswerRecorded(answer=answer)])


def _back(flow: Flow, state: SessionState) -> Step:
    if len(state.path) < 2:
        return _ask(flow, state, [])
    state.path.pop()
    state.current = state.path[-1]
    state.selection = []
    state.unusable = 0
    previous = state.answers.get(state.current)
    if previous is not None and previous.values:
        state.selection = list(previous.values)
    return _ask(flow, state, [])


def _advance(flow: Flow, state: SessionState, events: list[Event]) -> Step:
    """Move to the next question that applies, showing info messages on the way."""
    ids = [q.id for q in flow.questions]
    position = ids.index(state.current) + 1 if state.current is not None else 0
    for question in flow.questions[position:]:
        if _skipped(question, state):
            if question.id in state.answers:
                del state.answers[question.id]
                events.append(AnswerRemoved(question_id=question.id))
            continue
        if question.type == QuestionType.INFO:
            events.append(InfoShown(question_id=question.id))
            continue
        state.current = question.id
        state.path.append(question.id)
        state.selection = (
            list(state.answers[question.id].values) if question.id in state.answers else []
        )
        state.unusable = 0
        return _ask(flow, state, events)
    state.current = None
    state.status = Status.COMPLETED
    state.selection = []
    events.append(FlowCompleted())
    return state, events


def _skipped(question: Question, state: SessionState) -> bool:
    rule = question.skip_if
    if rule is None:
        return False
    answer = state.answers.get(rule.question)
    if answer is None:
        return False
    given = {answer.value, *answer.values} - {None}
    return bool(given & set(rule.any_of))


def _ask(flow: Flow, state: SessionState, events: list[Event], repair: bool = False) -> Step:
    assert state.current is not None
    number, total = progress(flow, state.current)
    events.append(
        QuestionAsked(
            question_id=state.current,
            number=number,
            total=total,
            can_go_back=len(state.path) >= 2,
            previous=state.answers.get(state.current),
            repair=repair,
        )
    )
    return state, events
