"""A seeded school year for the dashboard tests: a school with a previous and a current parents'
round (three classes, one too small to show; two Turkish-speaking parents, too few to name; one
statement most parents answered "weet niet", so its figure is hidden), a team round beside it,
and another school's round that the staff member may not read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.flow_model import get_flow
from bot.staff import Grant
from bot.store.records import Round, School
from bot.web.dashboard.auth import make_init_data
from tests.reports_fixtures import Builder, answers_for

SHIPPED = ("barometer-ouders", "barometer-team", "barometer-leerlingen")
HIDDEN_STATEMENT = "steun_1"  # answered "weet niet" by all but three: fewer faces than the minimum
SMALL_CLASS = "2A"  # two parents: under the minimum, suppressed with its complement
CENTRE = "CLB Oost"  # both schools; only De Regenboog agreed to be named
THEME_BASE = {"welkom": 4, "informatie": 4, "leren": 3, "inspraak": 2, "steun": 3, "samen": 3}


@dataclass
class Seeded:
    school: School
    other: School
    previous: Round
    current: Round
    team: Round
    foreign: Round


def _parents_answers(flow: Any, number: int) -> dict[str, Any]:
    answers = answers_for(flow, "3")
    for q in flow.questions:
        if q.type.value != "scale":
            continue
        base = THEME_BASE.get(q.theme or "", 3)
        answers[q.id] = str(max(1, min(5, base + (number % 3) - 1)))
    answers[HIDDEN_STATEMENT] = "dontknow" if number >= 3 else "4"
    answers["opmerking"] = f"Graag meer uitleg over huiswerk {number % 4}"
    return answers


async def seed(store: Any) -> Seeded:
    build = Builder(store, flows={f: get_flow(f) for f in SHIPPED})
    parents, team = get_flow("barometer-ouders"), get_flow("barometer-team")
    school = await build.school("Basisschool De Regenboog", share_named=True, centre=CENTRE)
    other = await build.school("Basisschool Het Anker", centre=CENTRE)

    previous, _ = await build.round(school, "barometer-ouders", expected=30)
    for number in range(10):
        await build.respond(previous, answers_for(parents, "3" if number % 2 else "2"))
    previous = await build.close(previous)

    current, groups = await build.round(
        school, "barometer-ouders", groups={"1A": 12, "1B": 10, SMALL_CLASS: 8}
    )
    plan = [("1A", "nl")] * 10 + [("1B", "nl")] * 5 + [("1B", "tr")] * 2 + [(SMALL_CLASS, "nl")] * 2
    for number, (group, language) in enumerate(plan):
        await build.respond(
            current, _parents_answers(parents, number), language=language, group=groups[group]
        )
    current = await build.close(current)

    team_round, _ = await build.round(school, "barometer-team")
    for number in range(6):
        await build.respond(team_round, answers_for(team, "4" if number % 2 else "3"))
    team_round = await build.close(team_round)

    foreign, _ = await build.round(other, "barometer-ouders")
    for number in range(10):
        await build.respond(foreign, answers_for(parents, "4" if number % 2 else "5"))
    foreign = await build.close(foreign)
    return Seeded(school, other, previous, current, team_round, foreign)


async def centre_id(store: Any) -> int:
    return next(cid for cid, name, _ in await store.centres() if name == CENTRE)


async def make_member(store: Any, chat_id: int, grant: Grant, now: datetime) -> None:
    """A staff member with this grant, made the way the product makes one: an accepted invite."""
    from bot.clock import new_token

    token = new_token()
    await store.create_invite(
        token, grant, created_by=None, at=now, expires_at=now + timedelta(days=1)
    )
    accepted = await store.accept_invite(
        token, chat_id=chat_id, name="Staff", at=now, update_id=None
    )
    assert accepted is not None


def init_data(user_id: int, token: str, at: datetime) -> str:
    """initData as Telegram signs it for this user at this moment."""
    user = {"id": user_id, "first_name": "Staff", "language_code": "nl"}
    return make_init_data(
        {
            "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
            "user": json.dumps(user, separators=(",", ":")),
            "auth_date": str(int(at.timestamp())),
        },
        token,
    )
