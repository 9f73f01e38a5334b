"""Read-only consistency checks of an Ouderstem database file (never opened for writing).

`problems(path)` returns a list of human-readable problems; an empty list means consistent:
SQLite's own integrity and foreign-key checks, every answer of an existing respondent and of a
question of its round's flow, every session JSON a valid engine state, chats pointing at
existing respondents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.engine import SessionState
from bot.errors import UnknownFlow
from bot.flow_model import get_flow


@contextmanager
def read_only(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection (``mode=ro``): a check can never change what it checks."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def rows(path: str | Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with read_only(path) as conn:
        return list(conn.execute(sql, params).fetchall())


def problems(path: str | Path) -> list[str]:
    found: list[str] = []
    with read_only(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            found.append(f"integrity_check: {integrity}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            found.append(f"foreign_key_check: {fk[:5]}")
        flows: dict[int, set[str]] = {}
        for round_id, flow_id in conn.execute("SELECT id, flow_id FROM rounds"):
            try:
                flows[round_id] = {q.id for q in get_flow(flow_id).questions}
            except UnknownFlow:
                found.append(f"round {round_id} has unknown flow {flow_id!r}")
                flows[round_id] = set()
        for respondent_id, question_id, round_id, respondent_round in conn.execute(
            "SELECT a.respondent_id, a.question_id, a.round_id, r.round_id "
            "FROM answers a LEFT JOIN respondents r ON r.id = a.respondent_id"
        ):
            if respondent_round is None:
                found.append(f"answer {question_id} of missing respondent {respondent_id}")
            elif respondent_round != round_id:
                found.append(
                    f"answer {question_id} in round {round_id}, respondent in {respondent_round}"
                )
            elif question_id not in flows.get(round_id, set()):
                found.append(
                    f"answer to {question_id!r}, not a question of round {round_id}'s flow"
                )
        for respondent_id, state in conn.execute("SELECT respondent_id, state FROM sessions"):
            try:
                SessionState.from_json(state)
            except ValueError as exc:
                found.append(f"session of {respondent_id} does not parse: {type(exc).__name__}")
        orphans = conn.execute(
            "SELECT COUNT(*) FROM chats c WHERE active_respondent IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM respondents r WHERE r.id = c.active_respondent)"
        ).fetchone()[0]
        if orphans:
            found.append(f"{orphans} chat(s) point at a missing respondent")
        no_contact = conn.execute(
            "SELECT COUNT(*) FROM respondents r WHERE NOT EXISTS "
            "(SELECT 1 FROM contacts c WHERE c.respondent_id = r.id)"
        ).fetchone()[0]
        if no_contact:
            found.append(f"{no_contact} respondent(s) without a contact")
    return found


def tables(path: str | Path) -> list[str]:
    with read_only(path) as conn:
        return [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
