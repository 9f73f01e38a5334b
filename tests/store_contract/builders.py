"""Small builders for the contract tests: a school, a round, a parent who joined and answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import engine
from bot.flow_model import get_flow
from bot.staff import Grant, Role
from bot.store import Store, Turn
from bot.store.records import Accepted, RoundLink

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = AT + timedelta(days=1)
FLOW = get_flow("barometer-ouders")
_tokens = iter(range(10**6))


def token(prefix: str = "tok") -> str:
    """A fresh start token (16+ characters, unique within the test run)."""
    return f"{prefix}-{next(_tokens):08d}-contract"


async def school_and_round(
    store: Store, *, closes_at: datetime | None = None, name: str = "De Regenboog"
) -> RoundLink:
    school = await store.add_school(name, AT)
    opened = await store.open_round(
        school_id=school.id,
        flow_id=FLOW.id,
        flow_version=FLOW.version,
        audience="parents",
        token=token(),
        at=AT,
        closes_at=closes_at,
    )
    return RoundLink(opened, None)


def first_turn(
    link: RoundLink, respondent_id: str, *, language: str = "nl", update_id: int | None = None
) -> Turn:
    state, _ = engine.start(get_flow(link.round.flow_id))
    return Turn(update_id, respondent_id, state, "waiting", link.round.id, language, AT)


async def join(
    store: Store,
    link: RoundLink,
    chat_id: int,
    respondent_id: str,
    *,
    language: str = "nl",
    update_id: int | None = None,
) -> None:
    await store.join_round(
        chat_id=chat_id,
        respondent_id=respondent_id,
        link=link,
        language=language,
        first=first_turn(link, respondent_id, language=language, update_id=update_id),
    )


def answer_turn(
    state: engine.SessionState,
    link: RoundLink,
    value: str,
    *,
    respondent_id: str,
    update_id: int | None = None,
    at: datetime = AT,
) -> Turn:
    new_state, events = engine.resume(
        FLOW, state, engine.Choose(question_id=state.current or "", value=value)
    )
    return Turn(
        update_id=update_id,
        respondent_id=respondent_id,
        state=new_state,
        status=new_state.status.value,
        round_id=link.round.id,
        language="nl",
        at=at,
        upserts=[e.answer for e in events if isinstance(e, engine.AnswerRecorded)],
    )


async def answer(
    store: Store, link: RoundLink, respondent_id: str, value: str = "4", *, at: datetime = AT
) -> None:
    state = await store.session(respondent_id)
    assert state is not None
    await store.record_turn(answer_turn(state, link, value, respondent_id=respondent_id, at=at))


async def member(
    store: Store, chat_id: int, grant: Grant, *, name: str = "Juf Anna", at: datetime = AT
) -> Accepted:
    """A staff member with this grant, made the way staff join: through a one-time invite."""
    invite = token("inv")
    await store.create_invite(invite, grant, created_by=None, at=at, expires_at=at + timedelta(7))
    accepted = await store.accept_invite(invite, chat_id=chat_id, name=name, at=at, update_id=None)
    assert accepted is not None
    return accepted


def admin_of(school_id: int) -> Grant:
    return Grant(Role.ADMIN, school_id=school_id)
