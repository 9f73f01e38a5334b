"""Callback data: what an inline button carries, in at most 64 bytes. The one codec.

Every button the bot makes is a typed value below; `encode` turns it into callback data and
`decode` turns callback data back into the value (or None). No handler splits strings: each kind
is routed by its own `CallbackQueryHandler(pattern=is_kind(Kind))` in `bot.tg.app`.

Answer buttons name the round and the flow version they were made for, so a button from an
earlier round or an older version of the flow is recognised as stale. Anything that does not
parse is forged or broken: a parent gets a kind "this button no longer works", staff the one
polite refusal.

    a|<round>|<version>|<question>|<value>   QuestionButton ANSWER (or toggle an option)
    d|<round>|<version>|<question>           QuestionButton DONE picking options
    s|<round>|<version>|<question>           QuestionButton SKIP / don't know
    o|<round>|<version>|<question>           QuestionButton ORIGINAL: show the Dutch original
    h|<round>|<version>|<question>           QuestionButton HEAR the question read aloud
    b|<round>                                RoundButton BACK to the previous question
    r|<round>                                RoundButton RESUME after a pause (also reminders)
    l|<language>                             LanguageButton ("l|*" shows them all)
    f|yes  f|no                              ForgetButton: confirm or cancel /vergeet
    x|nr|on                                  RemindersOn: a parent wants reminders again
    x|sc|<command>|<school>                  SchoolChoice: the school a staff command is for
    x|iv|<school>|<role>                     RoleChoice: the role an invite hands out
    x|st|<round>                             StatusChoice: /status of a round
    x|sl|<round>  x|sly|<round>  x|sln|<round>   CloseChoice, CloseConfirmed, CloseCancelled
    x|fr|<batch>                             FeedbackResult: how far a broadcast got
    x|r|<nonce>|<step>|<value>               DialogueButton of /ronde
    x|f|<nonce>|<step>|<value>               DialogueButton of /terugkoppeling
    x|o|<nonce>|<step>|<value>               DialogueButton of /opnemen
    x|rv|<recording>|<1 or 0>                RecordingDecision: /opnames approves or rejects
    x|hr|<school>|<HH:MM-HH:MM or std>       HoursChoice: /uren sets the school's waking hours
    x|ht|<school>                            HoursTyping: /uren, other hours to type
    x|u|<nonce>|<step>|<value>               DialogueButton of /uren (while it waits for them)
    rp|s|<school>  rp|r|<round>  rp|o        ReportSchool, ReportRound, ReportOverview
    rp|v|<round>|<view>                      ReportDetail
    rp|f|<round>|<format>                    ReportFile
    rp|vo|<round>                            ReportVoice (brugfiguur only)

Ids in answer buttons are read with `int()`; ids in staff and report buttons with `as_id`
(ASCII digits only). The wire format is the one of wave 1, byte for byte: buttons already in
chats keep working.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.limits import MAX_CALLBACK_DATA_BYTES

SEP = "|"
STAFF = "x"  # prefix of every staff button (and the parent's "reminders on")
REPORT = "rp"  # prefix of every /rapport button
MAX_ID_DIGITS = 18  # an id that SQLite's 64-bit integers hold; longer ones exist nowhere


def as_id(text: str) -> int | None:
    """A database id typed or carried by a button: ASCII digits only; too long is id 0 (none)."""
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= MAX_ID_DIGITS else 0


# ---- the parent's conversation ---------------------------------------------------------------


class QuestionAction(StrEnum):
    ANSWER = "a"
    DONE = "d"
    SKIP = "s"
    ORIGINAL = "o"
    HEAR = "h"


class RoundAction(StrEnum):
    BACK = "b"
    RESUME = "r"


@dataclass(frozen=True, slots=True)
class QuestionButton:
    kind: QuestionAction
    round_id: int
    version: int
    question_id: str
    value: str | None = None  # ANSWER only


@dataclass(frozen=True, slots=True)
class RoundButton:
    kind: RoundAction
    round_id: int


@dataclass(frozen=True, slots=True)
class LanguageButton:
    language: str  # "*" for the full list


@dataclass(frozen=True, slots=True)
class ForgetButton:
    confirmed: bool


@dataclass(frozen=True, slots=True)
class RemindersOn:
    """/geenherinnering's "reminders after all"."""


# ---- staff -----------------------------------------------------------------------------------


class PickFor(StrEnum):
    """The command a school was picked for."""

    INVITE = "inv"
    LAUNCH = "ron"
    STATUS = "sta"
    CLOSE = "slu"
    FEEDBACK = "ter"
    RECORD = "opn"
    HOURS = "uur"


class DialogueKind(StrEnum):
    """A staff dialogue, by its name in `staff_dialogues.kind`."""

    RONDE = "ronde"
    FEEDBACK = "terug"
    RECORD = "opnemen"
    HOURS = "uren"


DIALOGUE_CODES = {
    DialogueKind.RONDE: "r",
    DialogueKind.FEEDBACK: "f",
    DialogueKind.RECORD: "o",
    DialogueKind.HOURS: "u",
}


@dataclass(frozen=True, slots=True)
class SchoolChoice:
    command: PickFor
    school_id: int


@dataclass(frozen=True, slots=True)
class RoleChoice:
    school_id: int
    role: str  # a key of staff_texts.ROLE_BUTTONS; the handler refuses any other


@dataclass(frozen=True, slots=True)
class StatusChoice:
    round_id: int


@dataclass(frozen=True, slots=True)
class CloseChoice:
    round_id: int


@dataclass(frozen=True, slots=True)
class CloseConfirmed:
    round_id: int


@dataclass(frozen=True, slots=True)
class CloseCancelled:
    round_id: int | None  # not needed to cancel: any value is accepted


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    batch_id: int


@dataclass(frozen=True, slots=True)
class RecordingDecision:
    """/opnames: approve (or reject) a colleague's recording of a question."""

    recording_id: int
    approve: bool


DEFAULT_HOURS = "std"  # HoursChoice's wire value for "back to the bot-wide hours"
# As `bot.schedule.school_waking_hours` writes them ("07:30-19:00"; seconds only if typed).
HOURS_WIRE = re.compile(r"\d\d:\d\d(?::\d\d)?-\d\d:\d\d(?::\d\d)?")


@dataclass(frozen=True, slots=True)
class HoursChoice:
    """/uren: these waking hours ("07:30-19:00") for the school, or None: the bot-wide ones.
    The handler reads `hours` with `bot.schedule.school_waking_hours` again."""

    school_id: int
    hours: str | None


@dataclass(frozen=True, slots=True)
class HoursTyping:
    """/uren: the admin will type other hours for the school (a dialogue waits for them)."""

    school_id: int


@dataclass(frozen=True, slots=True)
class DialogueButton:
    kind: DialogueKind
    nonce: str  # the dialogue this button was made for
    step: str  # an unknown step is an old button, not a forged one
    value: str = "-"


# ---- reports ---------------------------------------------------------------------------------


class ReportView(StrEnum):
    THEMES = "themes"
    TEAM = "team"
    LANGUAGES = "languages"
    GROUPS = "groups"
    OPEN = "open"
    FRAMEWORKS = "frameworks"
    TREND = "trend"


class FileFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class ReportSchool:
    school_id: int


@dataclass(frozen=True, slots=True)
class ReportRound:
    round_id: int


@dataclass(frozen=True, slots=True)
class ReportDetail:
    round_id: int
    view: ReportView


@dataclass(frozen=True, slots=True)
class ReportFile:
    round_id: int
    format: FileFormat


@dataclass(frozen=True, slots=True)
class ReportVoice:
    round_id: int


@dataclass(frozen=True, slots=True)
class ReportOverview:
    """Brugfiguur or coordinator: their schools side by side."""


ParentButton = QuestionButton | RoundButton | LanguageButton | ForgetButton
StaffButton = (
    RemindersOn
    | SchoolChoice
    | RoleChoice
    | StatusChoice
    | CloseChoice
    | CloseConfirmed
    | CloseCancelled
    | FeedbackResult
    | RecordingDecision
    | HoursChoice
    | HoursTyping
    | DialogueButton
)
ReportButton = ReportSchool | ReportRound | ReportDetail | ReportFile | ReportVoice | ReportOverview
Button = ParentButton | StaffButton | ReportButton


# ---- encoding --------------------------------------------------------------------------------


ENCODERS: dict[type, Callable[[Any], tuple[object, ...]]] = {
    QuestionButton: lambda b: (
        (b.kind, b.round_id, b.version, b.question_id, b.value or "")
        if b.kind == QuestionAction.ANSWER
        else (b.kind, b.round_id, b.version, b.question_id)
    ),
    RoundButton: lambda b: (b.kind, b.round_id),
    LanguageButton: lambda b: ("l", b.language),
    ForgetButton: lambda b: ("f", "yes" if b.confirmed else "no"),
    RemindersOn: lambda b: (STAFF, "nr", "on"),
    SchoolChoice: lambda b: (STAFF, "sc", b.command, b.school_id),
    RoleChoice: lambda b: (STAFF, "iv", b.school_id, b.role),
    StatusChoice: lambda b: (STAFF, "st", b.round_id),
    CloseChoice: lambda b: (STAFF, "sl", b.round_id),
    CloseConfirmed: lambda b: (STAFF, "sly", b.round_id),
    CloseCancelled: lambda b: (STAFF, "sln", "-" if b.round_id is None else b.round_id),
    FeedbackResult: lambda b: (STAFF, "fr", b.batch_id),
    RecordingDecision: lambda b: (STAFF, "rv", b.recording_id, int(b.approve)),
    HoursChoice: lambda b: (STAFF, "hr", b.school_id, b.hours or DEFAULT_HOURS),
    HoursTyping: lambda b: (STAFF, "ht", b.school_id),
    DialogueButton: lambda b: (STAFF, DIALOGUE_CODES[b.kind], b.nonce, b.step, b.value),
    ReportSchool: lambda b: (REPORT, "s", b.school_id),
    ReportRound: lambda b: (REPORT, "r", b.round_id),
    ReportDetail: lambda b: (REPORT, "v", b.round_id, b.view),
    ReportFile: lambda b: (REPORT, "f", b.round_id, b.format),
    ReportVoice: lambda b: (REPORT, "vo", b.round_id),
    ReportOverview: lambda b: (REPORT, "o"),
}


def encode(button: Button) -> str:
    """The callback data of a button; a field holding the separator or data over 64 bytes is a
    bug in the caller (ValueError), never sent."""
    parts = [str(part) for part in ENCODERS[type(button)](button)]
    if any(SEP in part for part in parts):
        raise ValueError(f"callback data field holds {SEP!r}: {parts!r}")
    data = SEP.join(parts)
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_DATA_BYTES} bytes: {data!r}")
    return data


# ---- decoding --------------------------------------------------------------------------------


DECODED_KEPT = 1024  # the data of the latest taps, decoded (PTB asks each handler's pattern)


def decode(data: object) -> Button | None:
    """The button, or None for data that is forged, truncated or from an unknown scheme."""
    if not isinstance(data, str):
        return None
    return _decode_text(data)


@functools.lru_cache(maxsize=DECODED_KEPT)
def _decode_text(data: str) -> Button | None:
    """`decode`, once per data string: every `CallbackQueryHandler` pattern (`is_kind`) decodes
    the same tap again, ~20 times per tap (issue 16). Buttons are frozen, so sharing is safe."""
    if not data or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        return None
    parts = data.split(SEP)
    try:
        if parts[0] == STAFF:
            return _staff(parts[1:])
        if parts[0] == REPORT:
            return _report(parts[1:])
        return _parent(parts)
    except ValueError:
        return None


QUESTION_CODES = frozenset(QuestionAction)
ROUND_CODES = frozenset(RoundAction)


def _parent(parts: list[str]) -> ParentButton | None:
    kind = parts[0]
    if kind in QUESTION_CODES:
        action = QuestionAction(kind)
        if action == QuestionAction.ANSWER and len(parts) == 5:
            return QuestionButton(action, int(parts[1]), int(parts[2]), parts[3], parts[4])
        if action != QuestionAction.ANSWER and len(parts) == 4:
            return QuestionButton(action, int(parts[1]), int(parts[2]), parts[3])
    elif kind in ROUND_CODES and len(parts) == 2:
        return RoundButton(RoundAction(kind), int(parts[1]))
    elif kind == "l" and len(parts) == 2 and parts[1]:
        return LanguageButton(parts[1])
    elif kind == "f" and len(parts) == 2 and parts[1] in ("yes", "no"):
        return ForgetButton(parts[1] == "yes")
    return None


ROUND_KINDS: dict[str, Callable[[int], StaffButton]] = {
    "st": StatusChoice,
    "sl": CloseChoice,
    "sly": CloseConfirmed,
    "fr": FeedbackResult,
    "ht": HoursTyping,
}
DIALOGUE_KINDS = {code: kind for kind, code in DIALOGUE_CODES.items()}


def _staff(parts: list[str]) -> StaffButton | None:
    match parts:
        case ["nr", "on"]:
            return RemindersOn()
        case ["sc", command, school] if (school_id := as_id(school)) is not None:
            return SchoolChoice(PickFor(command), school_id)
        case ["iv", school, role] if (school_id := as_id(school)) is not None:
            return RoleChoice(school_id, role)
        case [kind, number] if kind in ROUND_KINDS and (found := as_id(number)) is not None:
            return ROUND_KINDS[kind](found)
        case ["rv", number, verdict] if (found := as_id(number)) is not None and verdict in (
            "0",
            "1",
        ):
            return RecordingDecision(found, verdict == "1")
        case ["hr", school, hours] if (school_id := as_id(school)) is not None and (
            hours == DEFAULT_HOURS or HOURS_WIRE.fullmatch(hours)
        ):
            return HoursChoice(school_id, None if hours == DEFAULT_HOURS else hours)
        case ["sln", anything]:
            return CloseCancelled(as_id(anything))
        case [code, nonce, step, value] if code in DIALOGUE_KINDS:
            return DialogueButton(DIALOGUE_KINDS[code], nonce, step, value)
    return None


REPORT_KINDS: dict[str, Callable[[int], ReportButton]] = {
    "s": ReportSchool,
    "r": ReportRound,
    "vo": ReportVoice,
}


def _report(parts: list[str]) -> ReportButton | None:
    match parts:
        case ["o"]:
            return ReportOverview()
        case [kind, number] if kind in REPORT_KINDS and (found := as_id(number)) is not None:
            return REPORT_KINDS[kind](found)
        case ["v", number, view] if (found := as_id(number)) is not None:
            return ReportDetail(found, ReportView(view))
        case ["f", number, fmt] if (found := as_id(number)) is not None:
            return ReportFile(found, FileFormat(fmt))
    return None


# ---- routing ---------------------------------------------------------------------------------


def is_kind(*kinds: type) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the data decodes to one of `kinds`."""
    return lambda data: isinstance(decode(data), kinds)


def has_prefix(prefix: str) -> Callable[[object], bool]:
    """A pattern for the rest of a family (forged or garbled data): refused by its handler."""
    return lambda data: isinstance(data, str) and data.startswith(prefix + SEP)
