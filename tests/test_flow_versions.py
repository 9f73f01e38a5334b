"""Issue 15, content: flow version 2 asks about the teacher, the class, the parent-teacher meeting
(oudercontact), good news, what the family needs, the parent council, the neighbourhood and the
next school, and the dialogue asks for experiences and needs. A round keeps the version it opened
with: a parent who started on version 1 finishes on version 1, also after a restart.

Through the real bot (the in-process Bot API of tests/conftest.py); the expected strings are
written out here, not read from the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import new_token
from bot.errors import UnknownFlow
from bot.flow_model import flow_archive, flow_library, get_flow
from bot.store.records import Round
from bot.tg.stub_api import SimulatedUser, StubBotApi, button_labels
from tests.test_every_parent_understands import answer_until, join_in

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # a Tuesday morning

# The new parent items of version 2, in Dutch, as the parent reads them.
NEW_PARENT_ITEMS = {
    "welkom_5": "U mag eens komen kijken in de klas van uw kind.",
    "informatie_5": "U kent de leerkracht van uw kind.",
    "informatie_6": "Op het oudercontact praat u rustig over uw kind.",
    "informatie_7": "De school vertelt u ook goed nieuws over uw kind.",
    "leren_5": "De school helpt u bij de keuze van een volgende school.",
    "inspraak_4": "U kunt meebeslissen over de school, bijvoorbeeld in de ouderraad.",
    "steun_3": "De school vraagt wat uw gezin nodig heeft.",
    "steun_4": "Via de school leert u de buurt kennen: sport, bibliotheek, hulp.",
}
CLOSING_NL = "Bedankt voor uw antwoorden!"


@pytest.fixture
async def chat_bot(store: Any, bot_factory: Callable[..., Any]) -> Any:
    return await bot_factory(store, clock=lambda: NOW)


async def open_round(bot: Any, flow_id: str, version: int) -> Round:
    """A round opened on `version` of a flow (e.g. before the upgrade to the current one)."""
    school = await bot.store.add_school("Basisschool De Regenboog", NOW)
    flow = get_flow(flow_id, version)
    return await bot.store.open_round(
        school_id=school.id,
        flow_id=flow.id,
        flow_version=version,
        audience=flow.audience.value,
        token=new_token(),
        at=NOW,
        closes_at=NOW + timedelta(days=14),
    )


async def join(bot: Any, opened: Round, language: str = "nl") -> list[dict[str, Any]]:
    parent = bot.user(language_code=language)
    await parent.command("/start", opened.start_token)
    bot.parent = parent
    return await parent.press("✅")


async def answer_all(parent: SimulatedUser, replies: list[dict[str, Any]]) -> list[str]:
    """Answer 😐 (or skip, or type) to the end; every text the bot sent, in order."""
    seen = [m.get("text", "") for m in replies]
    for _ in range(80):
        last = replies[-1]
        if CLOSING_NL in last.get("text", "") or "Bedankt voor uw verhaal!" in last.get("text", ""):
            return seen
        labels = button_labels(last)
        if "😐" in labels:
            replies = await parent.press("😐")
        elif any(label.startswith("⏭️") for label in labels):
            replies = await parent.press("⏭️")
        else:
            replies = await parent.text("Goed zo.")
        seen += [m.get("text", "") for m in replies]
    raise AssertionError("the closing never came")


# ---- the versions themselves ---------------------------------------------------------------------


# The current version of each shipped flow (issue 15: the barometers' version 2, the dialogue's
# version 3 with the round's topic in its questions, the team's dialogue new at version 1).
CURRENT_VERSIONS = {
    "barometer-ouders": 2,
    "barometer-team": 2,
    "barometer-leerlingen": 2,
    "dialoog": 3,
    "dialoog-team": 1,
}


def test_every_earlier_version_is_archived_and_ids_are_never_reused() -> None:
    assert {f: flow.version for f, flow in flow_library().items()} == CURRENT_VERSIONS
    archived = {(f, v) for f, version in CURRENT_VERSIONS.items() for v in range(1, version)}
    assert set(flow_archive()) == archived
    for flow_id, current in flow_library().items():
        assert get_flow(flow_id) is current
        assert get_flow(flow_id, current.version) is current
        for version in range(1, current.version):
            old = get_flow(flow_id, version)
            assert old.version == version
            # ids are never reused: a question that stays keeps its id and its Dutch text; a
            # question whose meaning changed got a new id (dialogue 3: ervaring -> ervaring_thema)
            for question in old.questions:
                if question.id in {q.id for q in current.questions}:
                    assert current.question(question.id).text == question.text, question.id


def test_an_unknown_version_is_an_unknown_flow() -> None:
    with pytest.raises(UnknownFlow):
        get_flow("barometer-ouders", 7)


def test_the_new_items_have_mirrors_and_themes() -> None:
    parents, team, pupils = (
        get_flow("barometer-ouders"),
        get_flow("barometer-team"),
        get_flow("barometer-leerlingen"),
    )
    for qid, text in NEW_PARENT_ITEMS.items():
        assert parents.question(qid).text == text
        assert team.question(qid).mirror_of == qid
    for qid in ("informatie_5", "informatie_6", "informatie_7", "inspraak_4", "steun_3", "steun_4"):
        assert pupils.question(qid).mirror_of == qid
    # the frameworks: each new item sits in a theme that places it in the reports
    assert 2 in parents.theme(parents.question("informatie_7").theme or "").stars  # star 2
    assert 4 in parents.theme(parents.question("steun_3").theme or "").stars  # star 4
    assert 5 in parents.theme(parents.question("steun_4").theme or "").goals  # goal 5
    inspraak = parents.theme(parents.question("inspraak_4").theme or "")
    assert 4 in inspraak.goals and "ouder-school:meebeslissen" in inspraak.matrix  # cell 8


# ---- through the bot -----------------------------------------------------------------------------


async def test_a_version_2_round_asks_the_new_items(chat_bot: Any) -> None:
    opened = await open_round(chat_bot, "barometer-ouders", 2)
    replies = await join(chat_bot, opened)
    seen = "\n".join(await answer_all(chat_bot.parent, replies))
    for text in NEW_PARENT_ITEMS.values():
        assert text in seen
    # in the order of the themes: the teacher comes after "a problem? you hear it quickly"
    assert seen.index("Dan hoort u het snel") < seen.index(NEW_PARENT_ITEMS["informatie_5"])


async def test_a_parent_on_a_version_1_round_finishes_on_version_1(chat_bot: Any) -> None:
    opened = await open_round(chat_bot, "barometer-ouders", 1)
    replies = await join(chat_bot, opened)
    seen = "\n".join(await answer_all(chat_bot.parent, replies))
    assert CLOSING_NL in seen
    assert "U hebt vertrouwen in de school." in seen
    for text in NEW_PARENT_ITEMS.values():
        assert text not in seen


async def test_mid_survey_on_version_1_a_restart_keeps_version_1(
    store: Any, bot_factory: Callable[..., Any]
) -> None:
    """A parent started before the upgrade; the bot restarts; the old buttons still work."""
    api = StubBotApi()
    first = await bot_factory(store, api, clock=lambda: NOW)
    opened = await open_round(first, "barometer-ouders", 1)
    replies = await join(first, opened)
    parent = first.parent
    assert replies[-1]["text"].startswith("Vraag 1 van 22")  # version 1: 22 questions
    for _ in range(4):  # welkom_1 .. welkom_4
        replies = await parent.press("😐")
    assert replies[-1]["text"] == "Vraag 5 van 22\n\nU begrijpt de berichten van de school."
    await first.application.shutdown()
    second = await bot_factory(store, api, clock=lambda: NOW)  # the same chat, a new process
    again = SimulatedUser(second.application, api, user_id=parent.user_id, seen=parent.seen)
    replies = await again.press("😐")  # a button the first process sent (version 1 in its data)
    assert replies[-1]["text"] == "Vraag 6 van 22\n\nU weet hoe het met uw kind gaat op school."
    seen = "\n".join(await answer_all(again, replies))
    assert CLOSING_NL in seen
    for text in NEW_PARENT_ITEMS.values():
        assert text not in seen


async def test_a_turkish_parent_reads_about_the_teacher_and_the_meeting(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "tr")
    asked = await answer_until(parent, replies, lambda m: "öğretmenini" in m.get("text", ""))
    assert "Çocuğunuzun öğretmenini tanıyorsunuz." in asked["text"]
    replies = await parent.press("😐")
    assert "Veli görüşmesinde çocuğunuz hakkında rahatça konuşuyorsunuz." in replies[-1]["text"]
    replies = await parent.press("😐")
    assert "Okul size çocuğunuz hakkında iyi haberler de veriyor." in replies[-1]["text"]


async def test_an_arabic_parent_reads_about_the_class(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "ar")
    asked = await answer_until(parent, replies, lambda m: "صف طفلكم" in m.get("text", ""))
    assert "يمكنكم أن تأتوا يومًا لتروا صف طفلكم." in asked["text"]


async def test_the_dialogue_asks_experiences_and_needs(chat_bot: Any) -> None:
    current = await open_round(chat_bot, "dialoog", 3)  # no topic: the theme's title
    replies = await join(chat_bot, current)
    seen = "\n".join(await answer_all(chat_bot.parent, replies))
    assert (
        "Het thema is: Partnerschap tussen school en gezin. Wat is uw ervaring met dit thema?"
    ) in seen
    assert "Wat hebt u nodig van de school?" in seen
    assert "Vertel over uw ervaringen met de school van uw kind." not in seen
    # a round opened on version 2 keeps its questions
    opened = await open_round(chat_bot, "dialoog", 2)
    replies = await join(chat_bot, opened)
    seen = "\n".join(await answer_all(chat_bot.parent, replies))
    assert "Vertel over uw ervaringen met de school van uw kind." in seen
    assert "Wat hebt u als ouder nodig van de school?" in seen
    old = await open_round(chat_bot, "dialoog", 1)
    replies = await join(chat_bot, old)
    seen = "\n".join(await answer_all(chat_bot.parent, replies))
    assert "Bedankt voor uw verhaal!" in seen
    assert "Wat hebt u als ouder nodig van de school?" not in seen


# ---- reports: a round is read with its own version; trends compare only shared items -----------


async def test_trends_compare_only_the_items_both_versions_asked(store: Any) -> None:
    import itertools

    from bot.reports.build import build_round_report
    from tests.reports_fixtures import Builder

    old = Builder(store, flows={"barometer-ouders": get_flow("barometer-ouders", 1)})
    school = await old.school("Basisschool De Linde")
    before, _ = await old.round(school, "barometer-ouders")
    v1 = get_flow("barometer-ouders", 1)
    for v in ["1", "2", "2", "2", "3"]:  # mean 2.0 on every version-1 statement
        await old.respond(before, {q.id: v for q in v1.answerable_questions if q.id != "opmerking"})
    await old.close(before)

    new = Builder(store, flows={"barometer-ouders": get_flow("barometer-ouders")})
    new._chats = itertools.count(7_400_000_001)
    new.now = old.now
    rnd, _ = await new.round(school, "barometer-ouders")
    v2 = get_flow("barometer-ouders")
    for v, low in zip(["3", "4", "4", "4", "5"], ["1", "1", "2", "1", "2"], strict=True):
        answers = {q.id: (low if q.id in NEW_PARENT_ITEMS else v) for q in v2.answerable_questions}
        answers["opmerking"] = None
        await new.respond(rnd, answers)
    await new.close(rnd)

    report = await build_round_report(store, rnd.id)  # the shipped flows, as in the bot
    trend = report.trend
    assert trend is not None and trend.previous_round_id == before.id
    ids = {row.id for row in trend.statements}
    assert ids == {q.id for q in v1.questions if q.type.value == "scale"}
    assert not ids & set(NEW_PARENT_ITEMS)
    informatie = next(row for row in trend.themes if row.id == "informatie")
    assert (informatie.before, informatie.now) == (2.0, 4.0)  # the new items' 1s left out
    assert report.statement("informatie_5").question_id == "informatie_5"  # still in the round

    first = await build_round_report(store, before.id)  # version 1, read as version 1
    assert "informatie_5" not in {s.question_id for s in first.statements}


def test_flows_check_reads_the_archive_too(tmp_path: Any, monkeypatch: Any) -> None:
    import shutil

    from bot import flow_check
    from bot.flow_model import FLOW_ARCHIVE_DIR

    assert [i for i in flow_check.check_files() if i.file.startswith("archive/")] == []
    shutil.copy(FLOW_ARCHIVE_DIR / "dialoog@1.yaml", tmp_path / "dialoog@3.yaml")
    monkeypatch.setattr(flow_check, "FLOW_ARCHIVE_DIR", tmp_path)
    found = [(i.file, i.message) for i in flow_check.check_files()]
    assert ("archive/dialoog@3.yaml", "must be named dialoog@1.yaml") in found
