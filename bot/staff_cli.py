"""`ouderstem` subcommands for staff, centres and the outbox.

    ouderstem staff invite --school ID --role admin|team|brugfiguur [--reports] [--days 7] [--json]
    ouderstem staff invite --centre ID --role coordinator [--json]
    ouderstem staff list [--school ID] [--json]
    ouderstem staff revoke --member ID [--school ID] [--json]
    ouderstem centre add NAME [--json]        ouderstem centre list [--json]
    ouderstem school join-centre --school ID --centre ID|none [--json]
    ouderstem school set-hours --school ID HH:MM-HH:MM | --default [--json]
    ouderstem outbox status [--json]

`ouderstem school add` also prints a one-time admin invite (`admin_invite`). Invite links
are shown once: only a hash of the token is stored. Nothing here prints a chat id.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import timedelta
from typing import Any, cast

from bot.cli_common import emit, open_store, required_name
from bot.clock import new_token, system_clock
from bot.config import Settings
from bot.errors import OuderstemError
from bot.outbox import held_until
from bot.schedule import WakingHours, school_waking_hours
from bot.staff import INVITABLE, INVITE_DAYS, Grant, Role
from bot.store.protocols import StaffStore


def invite_link(settings: Settings, token: str) -> str:
    return f"https://t.me/{settings.bot_username}?start=inv-{token}"


async def make_invite(
    store: StaffStore, settings: Settings, grant: Grant, days: int = INVITE_DAYS
) -> dict[str, Any]:
    now = system_clock()
    token = new_token()
    expires = now + timedelta(days=days)
    await store.create_invite(token, grant, created_by=None, at=now, expires_at=expires)
    return {"link": invite_link(settings, token), "expires_at": expires.isoformat()}


async def admin_invite(store: StaffStore, settings: Settings, school_id: int) -> dict[str, Any]:
    """`ouderstem school add`: the new school's first admin gets in with this link."""
    made = await make_invite(store, settings, Grant(Role.ADMIN, school_id=school_id))
    return {"admin_invite_link": made["link"], "admin_invite_expires_at": made["expires_at"]}


# ---- commands --------------------------------------------------------------------------------


async def cmd_staff_invite(args: argparse.Namespace, settings: Settings) -> None:
    role = Role(args.role)
    if role == Role.COORDINATOR:
        if args.centre is None or args.school is not None:
            raise OuderstemError(
                "a coordinator belongs to a centre: use --centre ID (not --school)"
            )
    elif args.school is None or args.centre is not None:
        raise OuderstemError(f"a {role.value} belongs to a school: use --school ID (not --centre)")
    if not 1 <= args.days <= 30:
        raise OuderstemError("--days must be between 1 and 30")
    async with open_store(settings) as store:
        if role == Role.COORDINATOR:
            centre_id = cast(int, args.centre)  # checked above
            if not await store.centre_exists(centre_id):
                raise OuderstemError(f"no centre with id {centre_id} (see `ouderstem centre list`)")
            grant = Grant(role, centre_id=centre_id)
        else:
            school_id = cast(int, args.school)  # checked above
            if await store.school(school_id) is None:
                raise OuderstemError(
                    f"no school with id {args.school} (see `ouderstem school list`)"
                )
            grant = Grant(
                role, school_id=args.school, reports=bool(args.reports and role == Role.TEAM)
            )
        made = await make_invite(store, settings, grant, args.days)
    data = {"role": role.value, "school_id": args.school, "centre_id": args.centre, **made}
    emit(
        args,
        data,
        f"Invite ({role.value}, one use, until {made['expires_at'][:10]}):\n{made['link']}",
    )


async def cmd_staff_list(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        members = await store.members(args.school)
    rows: list[dict[str, Any]] = [
        {
            "member": member.id,
            "name": member.name,
            "roles": [
                {
                    "role": g.role.value,
                    "school_id": g.school_id,
                    "centre_id": g.centre_id,
                    "reports": g.reports,
                }
                for g in grants
            ],
        }
        for member, grants in members
    ]
    lines = []
    for row in rows:
        roles = ", ".join(
            f"{r['role']}@{'school ' + str(r['school_id']) if r['school_id'] else 'centre ' + str(r['centre_id'])}"
            + (" (reports)" if r["reports"] else "")
            for r in row["roles"]
        )
        lines.append(f"{row['member']}\t{row['name']}\t{roles}")
    emit(args, {"members": rows}, "\n".join(lines) or "No staff yet.")


async def cmd_staff_revoke(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        if not any(member.id == args.member for member, _ in await store.members()):
            raise OuderstemError(
                f"no staff member with id {args.member} (see `ouderstem staff list`)"
            )
        removed = await store.revoke(args.member, args.school)
    emit(args, {"member": args.member, "roles_removed": removed}, f"{removed} role(s) removed.")


async def cmd_centre_add(args: argparse.Namespace, settings: Settings) -> None:
    name = required_name(args.name, "centre")
    async with open_store(settings) as store:
        try:
            centre_id = await store.add_centre(name, system_clock())
        except sqlite3.IntegrityError:
            raise OuderstemError(f"a centre named {name!r} exists already") from None
    emit(args, {"id": centre_id, "name": name}, f"Centre {centre_id}: {name}")


async def cmd_centre_list(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        centres = await store.centres()
    rows = [{"id": c, "name": n, "schools": k} for c, n, k in centres]
    emit(
        args,
        {"centres": rows},
        "\n".join(f"{c}\t{n}\t{k} schools" for c, n, k in centres) or "No centres yet.",
    )


async def cmd_school_join_centre(args: argparse.Namespace, settings: Settings) -> None:
    centre = None if args.centre.lower() == "none" else _int(args.centre, "--centre")
    async with open_store(settings) as store:
        if centre is not None and not await store.centre_exists(centre):
            raise OuderstemError(f"no centre with id {centre} (see `ouderstem centre list`)")
        if not await store.join_centre(args.school, centre):
            raise OuderstemError(f"no school with id {args.school} (see `ouderstem school list`)")
    emit(
        args,
        {"school_id": args.school, "centre_id": centre},
        f"School {args.school} is now in centre {centre}."
        if centre
        else f"School {args.school} is in no centre.",
    )


async def cmd_school_set_hours(args: argparse.Namespace, settings: Settings) -> None:
    if args.default == (args.hours is not None):
        raise OuderstemError("give the hours (like 07:30-19:00) or --default, not both")
    hours = None
    if args.hours is not None:
        try:
            hours = school_waking_hours(args.hours)  # the one parser the setting uses
        except ValueError as exc:
            raise OuderstemError(f"{args.hours!r}: {exc}") from None
    # The school's held reminders and feedback follow the new hours (earlier: they go earlier).
    held = held_until(hours, WakingHours.parse(settings.waking_hours), system_clock())
    async with open_store(settings, must_exist=True) as store:
        if not await store.set_waking_hours(args.school, hours, held_until=held):
            raise OuderstemError(f"no school with id {args.school} (see `ouderstem school list`)")
    emit(
        args,
        {"school_id": args.school, "waking_hours": hours},
        f"School {args.school}: reminders and feedback between {hours}, not on Sunday."
        if hours
        else f"School {args.school}: reminders and feedback in the bot-wide waking hours "
        f"({settings.waking_hours}).",
    )


async def cmd_outbox_status(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        counts = await store.outbox_counts()
    lines = [
        f"{kind}\t" + ", ".join(f"{s} {n}" for s, n in sorted(by.items()))
        for kind, by in sorted(counts.items())
    ]
    emit(args, {"outbox": counts}, "\n".join(lines) or "The outbox is empty.")


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise OuderstemError(f"{name} must be a number") from None


# ---- wiring ----------------------------------------------------------------------------------


def _with_json(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    return p


def _subparsers(sub: Any, name: str, help_text: str) -> Any:
    """The subcommand group `name`, created here or found (e.g. `school` from bot.cli)."""
    existing = sub.choices.get(name)
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    return sub.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)


def register(sub: Any) -> None:
    """Add `staff`, `centre`, `outbox`, `school join-centre` and `school set-hours` to the
    `ouderstem` parser."""
    staff = _subparsers(sub, "staff", "school staff, brugfiguren and coordinators")
    invite = _with_json(staff.add_parser("invite", help="print a one-time invite link"))
    invite.add_argument(
        "--role", required=True, choices=[r.value for r in (*INVITABLE, Role.COORDINATOR)]
    )
    invite.add_argument("--school", type=int, help="school id (admin, team, brugfiguur)")
    invite.add_argument("--centre", type=int, help="centre id (coordinator)")
    invite.add_argument("--reports", action="store_true", help="a team member may read reports")
    invite.add_argument("--days", type=int, default=INVITE_DAYS, help="days the link works (1-30)")
    invite.set_defaults(run=cmd_staff_invite)
    listing = _with_json(staff.add_parser("list", help="list staff and their roles"))
    listing.add_argument("--school", type=int)
    listing.set_defaults(run=cmd_staff_list)
    revoke = _with_json(staff.add_parser("revoke", help="remove a member's roles"))
    revoke.add_argument("--member", type=int, required=True)
    revoke.add_argument("--school", type=int, help="only at this school")
    revoke.set_defaults(run=cmd_staff_revoke)

    centre = _subparsers(sub, "centre", "education centres (coordinators read their schools)")
    add = _with_json(centre.add_parser("add", help="add a centre"))
    add.add_argument("name")
    add.set_defaults(run=cmd_centre_add)
    _with_json(centre.add_parser("list", help="list centres")).set_defaults(run=cmd_centre_list)

    school = _subparsers(sub, "school", "schools")
    join = _with_json(school.add_parser("join-centre", help="put a school in a centre"))
    join.add_argument("--school", type=int, required=True)
    join.add_argument("--centre", required=True, help="centre id, or none")
    join.set_defaults(run=cmd_school_join_centre)
    hours = _with_json(
        school.add_parser(
            "set-hours", help="a school's own waking hours for reminders and feedback"
        )
    )
    hours.add_argument("--school", type=int, required=True)
    hours.add_argument("hours", nargs="?", help="like 07:30-19:00 (Europe/Brussels, not Sunday)")
    hours.add_argument("--default", action="store_true", help="back to OUDERSTEM_WAKING_HOURS")
    hours.set_defaults(run=cmd_school_set_hours)

    outbox = _subparsers(sub, "outbox", "messages the bot sends on its own")
    _with_json(outbox.add_parser("status", help="messages per kind and status")).set_defaults(
        run=cmd_outbox_status
    )
