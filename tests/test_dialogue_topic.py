"""Issue 15: the dialogue's topic in its questions, and the team's side of the dialogue.

A school gives a dialogue round a topic; the questions then name it ("Het thema is: Huiswerk en
leren thuis."), in the parent's language. The team answers the same open questions from its side
(`dialoog-team`), opened with /ronde like any flow. Through the real PTB handlers (the in-process
Bot API of tests/conftest.py); the expected strings are written out here, not read from the
catalogs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import flow_check
from bot.flow_model import get_flow
from bot.tg import render
from bot.tg.stub_api import SimulatedUser, button_labels
from tests.conftest import BotHarness
from tests.test_staff_support import (
    clock,
    drain,
    invite,
    join,
    latest_round,
    make_admin,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

TOPIC_NL = "Huiswerk en leren thuis"
FIRST_NL = "Het thema is: Huiswerk en leren thuis. Wat is uw ervaring met dit thema?"
NEEDS_NL = "Denk weer aan het thema: Huiswerk en leren thuis. Wat hebt u nodig van de school?"
FIRST_AR = "الموضوع: الواجبات والتعلّم في البيت. ما هي تجربتكم مع هذا الموضوع؟"
NEEDS_AR = "فكّروا مرة أخرى في الموضوع: الواجبات والتعلّم في البيت. ماذا تحتاجون من المدرسة؟"
FIRST_FR = (
    "Le thème est : Les devoirs et apprendre à la maison. "
    "Quelle est votre expérience avec ce thème ?"
)
CLOSING_AR = "شكرًا على قصتكم!"
NO_TOPIC_AR = "الموضوع: الشراكة بين المدرسة والعائلة. ما هي تجربتكم مع هذا الموضوع؟"


async def answer_to_the_end(
    who: SimulatedUser, replies: list[dict[str, Any]], closing: str
) -> list[str]:
    """Type (or skip) to the closing; every text the bot sent, in order."""
    seen = [str(m.get("text") or "") for m in replies]
    for _ in range(20):
        if closing in replies[-1].get("text", ""):
            return seen
        if any(label.startswith("⏭️") for label in button_labels(replies[-1])):
            replies = await who.press("⏭️")
        else:
            replies = await who.text("Samen praten helpt.")
        seen += [str(m.get("text") or "") for m in replies]
    raise AssertionError("the closing never came")


# ---- parents: the topic in the questions, in their language ----------------------------------


async def test_a_dutch_parent_reads_the_topic_in_the_questions(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    parent, opened, replies = await join(bot, "dialoog", topic="huiswerk")
    assert replies[-1]["text"].startswith(f"Vraag 1 van 8\n\n{FIRST_NL}\n\n")
    seen = "\n".join(await answer_to_the_end(parent, replies, "Bedankt voor uw verhaal!"))
    assert NEEDS_NL in seen
    assert "{topic}" not in seen
    rows = await bot.store.run_read(
        "SELECT question_id FROM answers WHERE round_id = ? ORDER BY question_id", (opened.id,)
    )
    assert ("ervaring_thema",) in rows and ("nodig_thema",) in rows


async def test_an_arabic_parent_reads_the_topic_in_arabic(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    parent, _, replies = await join(
        bot, "dialoog", language_code="ar", choose="العربية", topic="huiswerk"
    )
    first = replies[-1]["text"]
    assert FIRST_AR in first
    assert TOPIC_NL not in first
    # 🇳🇱 NL: the Dutch original names the topic in Dutch
    shown = await parent.press("🇳🇱 NL")
    assert FIRST_NL in shown[-1]["text"]
    seen = "\n".join(await answer_to_the_end(parent, shown, CLOSING_AR))
    assert NEEDS_AR in seen
    assert "{topic}" not in seen


async def test_a_french_parent_reads_the_topic_in_french(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    _, _, replies = await join(
        bot, "dialoog", language_code="fr", choose="Français", topic="huiswerk"
    )
    assert FIRST_FR in replies[-1]["text"]


async def test_without_a_topic_the_question_names_the_theme(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    _, _, replies = await join(bot, "dialoog", language_code="ar", choose="العربية")
    assert NO_TOPIC_AR in replies[-1]["text"]


def test_the_slot_is_filled_for_a_topic_the_flow_no_longer_has() -> None:
    """An unknown topic id (say, renamed later) falls back to the theme, never shows braces."""
    flow = get_flow("dialoog")
    ctx = render.Context("nl", flow, round_id=1, topic="bestaat-niet")
    text = render.question_text(ctx, flow.question("ervaring_thema"))
    assert (
        text
        == "Het thema is: Partnerschap tussen school en gezin. Wat is uw ervaring met dit thema?"
    )


# ---- the team's side of the dialogue --------------------------------------------------------


async def test_a_team_member_answers_the_teams_dialogue_on_a_topic(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    await admin.command("/ronde")
    replies = await admin.press("Dialoog met het team")
    assert "Over welk thema gaat de dialoog?" in texts_of(replies)
    replies = await admin.press(TOPIC_NL)
    # the team's dialogue asks no groups: straight to the number of team members
    assert "Hoeveel teamleden wilt u bereiken?" in texts_of(replies)
    await admin.text("12")
    await admin.press("2 wk")
    replies = await admin.press("Start de ronde")
    assert "De teambevraging is gestart" in texts_of(replies)
    opened = await latest_round(staffbot)
    assert (opened.flow_id, opened.audience, opened.topic, opened.expected) == (
        "dialoog-team",
        "team",
        "huiswerk",
        12,
    )
    team.replies()
    assert await drain(staffbot) == {"sent": 1}
    got = texts_of(team.replies())
    assert "hoe werken wij samen met ouders?" in got and "Vertel uw ervaring" in got
    assert "barometer" not in got
    assert f"start={opened.start_token}" in got

    await team.command("/start", opened.start_token)
    replies = await team.press("Nederlands")
    shown = texts_of(replies)
    assert "Onze school vraagt via Ouderstem hoe we samenwerken met ouders." in shown
    assert "Het thema is: Huiswerk en leren thuis" in shown
    assert replies[-1]["text"].startswith(
        "Vraag 1 van 8\n\nHet thema is: Huiswerk en leren thuis. "
        "Wat is uw ervaring met ouders over dit thema?"
    )
    seen = "\n".join(await answer_to_the_end(team, replies, "Bedankt!"))
    assert (
        "Denk weer aan het thema: Huiswerk en leren thuis. Wat hebben ouders nodig van onze school?"
    ) in seen
    assert "Wat hebt u zelf nodig om goed met ouders samen te werken?" in seen
    assert await staffbot.store.count_respondents(opened.id) == {"completed": 1}


async def test_the_teams_dialogue_from_the_command_line_link(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    """A round opened outside /ronde (`ouderstem round open --flow dialoog-team`), in Polish."""
    _, _, replies = await join(
        bot, "dialoog-team", language_code="pl", choose="Polski", topic="onthaal"
    )
    assert "Temat: " in replies[-1]["text"]
    assert "Jakie mają Państwo doświadczenia z rodzicami w tym temacie?" in replies[-1]["text"]


def test_the_shipped_flows_pass_the_inspector() -> None:
    assert [str(i) for i in flow_check.check_files() if i.severity == "error"] == []


# ---- the school's report: the questions as the round asked them ---------------------------------


async def test_the_report_names_the_rounds_topic_in_the_questions(tmp_path: Any) -> None:
    from bot.flow_model import flow_library
    from bot.reports.build import build_round_report
    from bot.store.sqlite import SqliteStore
    from tests.reports_fixtures import Builder

    flow = get_flow("dialoog")
    async with SqliteStore(tmp_path / "dialoog.db") as store:
        b = Builder(store, flows=flow_library())
        school = await b.school("School")
        rnd = await store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token="tokdialoog1",
            at=b.tick(),
            topic="schoolkosten",
        )
        for i in range(10):
            await b.respond(rnd, {q.id: f"Verhaal {i}" for q in flow.answerable_questions})
        report = await build_round_report(store, rnd.id)
    texts = {q.question_id: q.text for q in report.open_answers}
    assert texts["ervaring_thema"] == (
        "Het thema is: De kosten van school. Wat is uw ervaring met dit thema?"
    )
    assert texts["nodig_thema"].startswith("Denk weer aan het thema: De kosten van school.")
    assert not any("{" in text for text in texts.values())
