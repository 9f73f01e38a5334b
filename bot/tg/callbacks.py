"""Callback data: what an inline button carries, in at most 64 bytes.

Answer buttons name the round and the flow version they were made for, so a button from an
earlier round or an older version of the flow is recognised as stale. Anything that does not
parse is forged or broken and gets a kind "this button no longer works".

    a|<round>|<version>|<question>|<value>   answer (or toggle a multiple-choice option)
    d|<round>|<version>|<question>           done picking options
    s|<round>|<version>|<question>           skip / don't know
    o|<round>|<version>|<question>           show the Dutch original
    h|<round>|<version>|<question>           hear the question read aloud
    b|<round>                                back to the previous question
    r|<round>                                resume after a pause
    l|<language>                             choose a language ("l|*" shows them all)
    f|yes  f|no                              confirm or cancel /vergeet
    x|<staff action>|...                     staff buttons (bot.tg.staff)
    rp|<kind>|...                            report buttons (bot.tg.report_handlers)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.limits import MAX_CALLBACK_DATA_BYTES

SEP = "|"
QUESTION_KINDS = frozenset("adsoh")


@dataclass(frozen=True, slots=True)
class QuestionButton:
    kind: str  # one of QUESTION_KINDS
    round_id: int
    version: int
    question_id: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class RoundButton:
    kind: str  # b | r
    round_id: int


@dataclass(frozen=True, slots=True)
class LanguageButton:
    language: str  # "*" for the full list


@dataclass(frozen=True, slots=True)
class ForgetButton:
    confirmed: bool


@dataclass(frozen=True, slots=True)
class StaffButton:
    parts: tuple[str, ...]


Button = QuestionButton | RoundButton | LanguageButton | ForgetButton | StaffButton


def encode(*parts: object) -> str:
    data = SEP.join(str(p) for p in parts)
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_DATA_BYTES} bytes: {data!r}")
    return data


def answer(round_id: int, version: int, question_id: str, value: str) -> str:
    return encode("a", round_id, version, question_id, value)


def question_action(kind: str, round_id: int, version: int, question_id: str) -> str:
    return encode(kind, round_id, version, question_id)


def decode(data: str | None) -> Button | None:
    """The button, or None for data that is forged, truncated or from an unknown scheme."""
    if not data or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        return None
    parts = data.split(SEP)
    kind = parts[0]
    try:
        if kind in QUESTION_KINDS:
            if kind == "a" and len(parts) == 5:
                return QuestionButton(kind, int(parts[1]), int(parts[2]), parts[3], parts[4])
            if kind != "a" and len(parts) == 4:
                return QuestionButton(kind, int(parts[1]), int(parts[2]), parts[3])
        elif kind in ("b", "r") and len(parts) == 2:
            return RoundButton(kind, int(parts[1]))
        elif kind == "l" and len(parts) == 2 and parts[1]:
            return LanguageButton(parts[1])
        elif kind == "f" and len(parts) == 2 and parts[1] in ("yes", "no"):
            return ForgetButton(parts[1] == "yes")
        elif kind == "x" and len(parts) >= 2:
            return StaffButton(tuple(parts[1:]))
    except ValueError:
        return None
    return None
