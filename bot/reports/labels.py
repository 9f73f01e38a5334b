"""The words of every report, Dutch source texts marked for the `ouderstem` catalog.

Staff read reports in Dutch, but the texts still go through `bot.i18n.t` so a centre that
works in another language only needs a catalog. Numbers are formatted here too, the Dutch way
("4,2", "45%"), so chat, charts and files agree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.numbers import format_decimal, format_percent

from bot.flow_model import DONT_KNOW
from bot.i18n import N_, format_date, t

# ---- the answer scale --------------------------------------------------------------------------

FACE_LABELS: dict[str, str] = {
    "1": N_("nee"),
    "2": N_("eerder nee"),
    "3": N_("neutraal"),
    "4": N_("eerder ja"),
    "5": N_("ja"),
    DONT_KNOW: N_("weet niet"),
}
YES_NO_LABELS = {"yes": N_("ja"), "no": N_("nee")}

# ---- the frameworks (seed 004 and seed 001) ------------------------------------------------------

STARS: dict[int, str] = {
    1: N_("Ouders betrokken op school"),
    2: N_("Ouders betrokken bij de schoolloopbaan, op school"),
    3: N_("Ouders betrokken bij de schoolloopbaan, thuis"),
    4: N_("School betrokken op de gezinnen"),
    5: N_("Ouders versterken ouders"),
}
GOALS: dict[int, str] = {
    1: N_("Ontmoeting op school"),
    2: N_("Informatie in twee richtingen"),
    3: N_("Actieve samenwerking"),
    4: N_("Inspraak en advies"),
    5: N_("Samenwerking met buurtpartners"),
    6: N_("Het gezin versterken"),
    7: N_("Draagvlak in het team"),
}
MATRIX_LINE_LABELS: dict[str, str] = {
    "ouder-kind": N_("Ouders en hun kind als leerling"),
    "ouder-school": N_("Ouders en de klas of school"),
    "school-ouder": N_("School en de ouders"),
}
MATRIX_LEVEL_LABELS: dict[str, str] = {
    "meeleven": N_("meeleven"),
    "meehelpen": N_("meehelpen"),
    "meedenken": N_("meedenken"),
    "meebeslissen": N_("meebeslissen"),
}
# Our own reflection prompts per star, added to a weak theme's own tip (seed 004 wording).
STAR_REFLECTIONS: dict[int, str] = {
    1: N_(
        "Kijk wie er naar school komt: welke ouders zien we op feesten, leesmomenten en in de ouderraad, en welke niet?"
    ),
    2: N_("Gaan gesprekken over het kind ook over wat goed gaat, en niet alleen over problemen?"),
    3: N_(
        "Wat ouders thuis doen, weegt het zwaarst. Hoe laten we zien dat we dat zien en waarderen?"
    ),
    4: N_("Kennen we onze gezinnen: hun talen, hun noden en wat ze al doen?"),
    5: N_("Waar kunnen ouders elkaar vinden en elkaar steunen, ook zonder de school?"),
}

AUDIENCES = {"parents": N_("ouders"), "team": N_("team"), "pupils": N_("leerlingen")}
OTHER_LANGUAGES = N_("andere talen samen")
OTHER_LANGUAGE = N_("andere taal")
NO_GROUP = N_("zonder groep")
HIDDEN_TOGETHER = N_("niet apart getoond, samen")
HIDDEN = "–"  # a figure held back for privacy: the same mark in every output


def language_label(language: str, code: str) -> str:
    """A respondent language by its name in the reader's language ("Turks")."""
    try:
        name = Locale.parse(code).get_display_name(language) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def star_label(language: str, star: int) -> str:
    return t(language, N_("Ster {n}: {name}"), n=star, name=t(language, STARS[star]))


def goal_label(language: str, goal: int) -> str:
    return t(language, N_("Doel {n}: {name}"), n=goal, name=t(language, GOALS[goal]))


def matrix_label(language: str, cell: str) -> str:
    line, level = cell.split(":", 1)
    return t(
        language,
        N_("{line} · {level}"),
        line=t(language, MATRIX_LINE_LABELS[line]),
        level=t(language, MATRIX_LEVEL_LABELS[level]),
    )


# ---- numbers ---------------------------------------------------------------------------------


def mean(language: str, value: float | None) -> str:
    """A mean on the 1-5 scale with one decimal ("4,2"), or the hidden mark."""
    return HIDDEN if value is None else format_decimal(value, format="0.0", locale=language)


def rounded(value: float) -> Decimal:
    """A mean as it is shown: one decimal, rounded half to even like babel."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def shown_difference(value: float | None, base: float | None) -> float | None:
    """A gap or change between two means as shown, so "3,0 → 3,0" never reads "+0,1"."""
    if value is None or base is None:
        return None
    return float(rounded(value) - rounded(base))


def signed(language: str, value: float | None) -> str:
    """A difference with its sign ("+0,8", "−1,2")."""
    if value is None:
        return HIDDEN
    text = format_decimal(abs(value), format="0.0", locale=language)
    return ("+" if value >= 0 else "−") + text


def percent(language: str, value: float | None) -> str:
    return HIDDEN if value is None else format_percent(value, format="0%", locale=language)


def count(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def date(language: str, iso: str | None) -> str:
    """An ISO timestamp from the report as a date in the reader's locale ("15 december 2026")."""
    return "" if not iso else format_date(language, datetime.fromisoformat(iso).date())
